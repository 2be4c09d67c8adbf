import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('volume_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('snapshot_id', 'varchar(36)')
    .addColumn('name', 'varchar(255)')
    .addColumn('description', 'text')
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('fail_reason', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('object_count', 'integer')
    .addColumn('container', 'varchar(255)')
    .addColumn('availability_zone', 'varchar(64)')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('is_incremental', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('service_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('volume_bootable', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('volume_type', 'varchar(32)')
    .addColumn('volume_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('policy_id', 'varchar(36)')
    .addColumn('data_timestamp', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('backups_project').on('backups').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('backups_volume').on('backups').columns(['volume_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('backups').execute();
}
