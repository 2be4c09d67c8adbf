import { PostgresAdapter, type Kysely } from 'kysely';

/** SATA, SAS and SSD exist on every installation with these ids: volumes name them. */
const BUILT_IN_TYPES = [
  { id: '5f4c1b2e-9a61-4d55-8c3e-0a1b2c3d4e01', name: 'SATA', description: 'Common I/O' },
  { id: '5f4c1b2e-9a61-4d55-8c3e-0a1b2c3d4e02', name: 'SAS', description: 'High I/O' },
  { id: '5f4c1b2e-9a61-4d55-8c3e-0a1b2c3d4e03', name: 'SSD', description: 'Ultra-high I/O' },
];
const CREATED = '2026-01-01T00:00:00.000Z';

/**
 * Volume types as records (with extra specs, project access and encryption settings), the
 * default quota class, the service registry of os-services and the user messages of
 * /messages. Type names grow beyond the three built-in ones, so the columns that record a
 * type's name widen (PostgreSQL enforces the length; SQLite does not).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('volume_types')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('description', 'varchar(255)')
    .addColumn('is_public', 'integer', (c) => c.notNull())
    .addColumn('built_in', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema
    .createTable('volume_type_extra_specs')
    .addColumn('type_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('spec_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('spec_value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('volume_type_extra_specs_pk', ['type_id', 'spec_key'])
    .execute();
  await db.schema
    .createTable('volume_type_access')
    .addColumn('type_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('volume_type_access_pk', ['type_id', 'project_id'])
    .execute();
  await db.schema
    .createTable('volume_type_encryption')
    .addColumn('type_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('encryption_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('provider', 'varchar(255)', (c) => c.notNull())
    .addColumn('cipher', 'varchar(255)')
    .addColumn('key_size', 'integer')
    .addColumn('control_location', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema
    .createTable('quota_classes')
    .addColumn('class_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(300)', (c) => c.notNull())
    .addColumn('hard_limit', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('quota_classes_pk', ['class_name', 'resource'])
    .execute();
  await db.schema
    .createTable('volume_services')
    .addColumn('binary', 'varchar(64)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_reason', 'varchar(255)')
    .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addPrimaryKeyConstraint('volume_services_pk', ['binary', 'host'])
    .execute();
  await db.schema
    .createTable('user_messages')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('request_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource_type', 'varchar(64)')
    .addColumn('resource_uuid', 'varchar(36)')
    .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('message_level', 'varchar(16)', (c) => c.notNull())
    .addColumn('action_id', 'varchar(16)', (c) => c.notNull())
    .addColumn('detail_id', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('user_messages_project').on('user_messages').columns(['project_id', 'created_at']).execute();

  const types = db as Kysely<{ volume_types: Record<string, unknown>; volume_type_extra_specs: Record<string, unknown> }>;
  for (const t of BUILT_IN_TYPES) {
    await types.insertInto('volume_types').values({ ...t, is_public: 1, built_in: 1, created_at: CREATED, updated_at: null }).execute();
    await types.insertInto('volume_type_extra_specs').values({ type_id: t.id, spec_key: 'volume_backend_name', spec_value: 'file' }).execute();
  }

  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const table of ['volumes', 'snapshots', 'backups']) {
      await db.schema.alterTable(table).alterColumn('volume_type', (c) => c.setDataType('varchar(255)')).execute();
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['user_messages', 'volume_services', 'quota_classes', 'volume_type_encryption', 'volume_type_access', 'volume_type_extra_specs', 'volume_types']) {
    await db.schema.dropTable(table).execute();
  }
}
