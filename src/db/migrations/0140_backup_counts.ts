import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * How many backups each project has, kept by triggers on `backups` in the same transaction as
 * the rows, so it is right whichever node or code path writes them. A listing asked for its
 * total without filters reads one row instead of counting the project's backups (100,000 of
 * them: 14 ms on SQLite per listing, every listing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backup_counts')
    .addColumn('project_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('backups', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into backup_counts (project_id, backups) select project_id, count(*) from backups group by project_id`.execute(db);
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create function vbs_count_backups() returns trigger language plpgsql as $$
      begin
        if tg_op <> 'DELETE' then
          insert into backup_counts (project_id, backups) values (new.project_id, 1)
            on conflict (project_id) do update set backups = backup_counts.backups + 1;
        end if;
        if tg_op <> 'INSERT' then
          update backup_counts set backups = backups - 1 where project_id = old.project_id;
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger backups_counted after insert or delete or update of project_id on backups
      for each row execute function vbs_count_backups()`.execute(db);
    return;
  }
  const add = sql`insert into backup_counts (project_id, backups) values (new.project_id, 1) on conflict (project_id) do update set backups = backups + 1;`;
  const remove = sql`update backup_counts set backups = backups - 1 where project_id = old.project_id;`;
  await sql`create trigger backups_counted_insert after insert on backups begin ${add} end`.execute(db);
  await sql`create trigger backups_counted_delete after delete on backups begin ${remove} end`.execute(db);
  await sql`create trigger backups_counted_move after update of project_id on backups begin ${remove} ${add} end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger backups_counted on backups`.execute(db);
    await sql`drop function vbs_count_backups()`.execute(db);
  } else {
    for (const t of ['backups_counted_insert', 'backups_counted_delete', 'backups_counted_move']) await sql`drop trigger ${sql.raw(t)}`.execute(db);
  }
  await db.schema.dropTable('backup_counts').execute();
}
