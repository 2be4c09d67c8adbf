import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backup_policies')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(8)', (c) => c.notNull())
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('frequency', 'integer')
    .addColumn('week_frequency', 'text')
    .addColumn('rentention_num', 'integer')
    .addColumn('rentention_day', 'integer')
    .addColumn('remain_first_backup_of_cur_month', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('time_zone', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('backup_policies_project').on('backup_policies').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('backup_policies_status').on('backup_policies').column('status').execute();
  await db.schema
    .createTable('backup_policy_resources')
    .addColumn('policy_id', 'varchar(36)', (c) => c.notNull().references('backup_policies.id').onDelete('cascade'))
    // One policy per volume: the key refuses a second association of the same volume.
    .addColumn('resource_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('resource_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('backup_policy_resources_policy').on('backup_policy_resources').columns(['policy_id', 'created_at']).execute();
  await db.schema
    .createTable('backup_policy_tags')
    .addColumn('policy_id', 'varchar(36)', (c) => c.notNull().references('backup_policies.id').onDelete('cascade'))
    .addColumn('key', 'varchar(36)', (c) => c.notNull())
    .addColumn('value', 'varchar(43)', (c) => c.notNull())
    .addPrimaryKeyConstraint('backup_policy_tags_pk', ['policy_id', 'key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['backup_policy_tags', 'backup_policy_resources', 'backup_policies']) await db.schema.dropTable(t).execute();
}
