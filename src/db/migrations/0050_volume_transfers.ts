import type { Kysely } from 'kysely';

/**
 * Volume transfers (Cinder's os-volume-transfer and volume-transfers): one row per offer, kept
 * with its outcome once accepted. The auth key itself is never stored, only a salted HMAC of it.
 * Volumes gain the migration status an administrator may set with os-reset_status.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('volume_transfers')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('volume_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)')
    .addColumn('salt', 'varchar(32)', (c) => c.notNull())
    .addColumn('crypt_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('no_snapshots', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('destination_project_id', 'varchar(64)')
    .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('volume_transfers_volume').on('volume_transfers').column('volume_id').execute();
  await db.schema.createIndex('volume_transfers_source').on('volume_transfers').columns(['source_project_id', 'created_at']).execute();
  await db.schema.alterTable('volumes').addColumn('migration_status', 'varchar(16)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('volumes').dropColumn('migration_status').execute();
  await db.schema.dropTable('volume_transfers').execute();
}
