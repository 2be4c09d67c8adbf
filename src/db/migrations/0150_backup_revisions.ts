import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * A backup's revision: a random tag that changes at every write of its row, set by a trigger so
 * that no writer (a job's progress, the catalogue's byte figures, another node) can change a row
 * and keep its revision. A listing keeps what it rendered of a backup under its id and revision
 * and reads only the two for rows it has. Random rather than counted: a backup deleted and made
 * again under its id (an imported record, a reindex) starts afresh and must not meet a revision
 * its earlier row had. Inserts set theirs (`insertableRow` in src/services/backups/backup-repository.ts).
 */
const RANDOM_POSTGRES = sql`floor(random() * 9007199254740991)::bigint`;
// random() is a signed 64-bit integer; the mask keeps 53 bits, which JavaScript numbers hold exactly.
const RANDOM_SQLITE = sql`(random() & 9007199254740991)`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('backups').addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`update backups set revision = ${RANDOM_POSTGRES}`.execute(db);
    await sql`create function vbs_revise_backup() returns trigger language plpgsql as $$
      begin
        new.revision := ${RANDOM_POSTGRES};
        return new;
      end $$`.execute(db);
    await sql`create trigger backups_revised before update on backups
      for each row when (new.revision = old.revision) execute function vbs_revise_backup()`.execute(db);
    return;
  }
  await sql`update backups set revision = ${RANDOM_SQLITE}`.execute(db);
  await sql`create trigger backups_revised after update on backups for each row when new.revision = old.revision
    begin update backups set revision = ${RANDOM_SQLITE} where id = new.id; end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger backups_revised on backups`.execute(db);
    await sql`drop function vbs_revise_backup()`.execute(db);
  } else {
    await sql`drop trigger backups_revised`.execute(db);
  }
  await db.schema.alterTable('backups').dropColumn('revision').execute();
}
