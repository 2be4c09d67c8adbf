import type { Kysely } from 'kysely';

/**
 * What Cinder shows of volumes and snapshots beyond 0002 (who created them, the snapshot's
 * volume type for per-type quotas), and one lock row per project that serialises quota checks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('volumes').addColumn('user_id', 'varchar(64)').execute();
  await db.schema.alterTable('snapshots').addColumn('user_id', 'varchar(64)').execute();
  await db.schema.alterTable('snapshots').addColumn('volume_type', 'varchar(32)').execute();
  await db.schema.createIndex('snapshots_volume').on('snapshots').column('volume_id').execute();
  await db.schema
    .createTable('quota_locks')
    .addColumn('project_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('generation', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('quota_locks').execute();
  await db.schema.dropIndex('snapshots_volume').execute();
  await db.schema.alterTable('snapshots').dropColumn('volume_type').execute();
  await db.schema.alterTable('snapshots').dropColumn('user_id').execute();
  await db.schema.alterTable('volumes').dropColumn('user_id').execute();
}
