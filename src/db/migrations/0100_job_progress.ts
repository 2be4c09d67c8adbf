import type { Kysely } from 'kysely';

/**
 * How far a running job has come, 0-100, for the kinds that report it (backup create,
 * restore); null for the others and before a job starts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('progress', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('progress').execute();
}
