import type { Kysely } from 'kysely';

/**
 * One row per serving process, rewritten by each readiness check: a database that cannot take
 * this small write (read-only, full, locked out) makes the process not ready.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('readiness_probes')
    .addColumn('holder', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('checked_at', 'varchar(64)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('readiness_probes').execute();
}
