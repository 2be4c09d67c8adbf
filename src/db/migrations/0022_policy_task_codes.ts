import type { Kysely } from 'kysely';

/** The error code of a task that failed (seed: `code` beside `message` in a backup task). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('policy_tasks').addColumn('code', 'varchar(32)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('policy_tasks').dropColumn('code').execute();
}
