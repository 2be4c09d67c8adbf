import type { Kysely } from 'kysely';

/**
 * A snapshot's progress as Cinder shows it ("80%"): set when it is taken and by
 * os-update_snapshot_status. Null on rows from before, whose progress follows their status.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('snapshots').addColumn('progress', 'varchar(8)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('snapshots').dropColumn('progress').execute();
}
