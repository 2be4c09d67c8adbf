import type { Kysely } from 'kysely';

/**
 * Backups shared with other projects: one row per backup and recipient, removed when the share
 * is cancelled or the backup deleted. The unique index makes a second share of a backup with
 * the same project fail even when two requests race.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backup_shares')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('backup_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('from_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('to_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('backup_shares_backup_to').on('backup_shares').columns(['backup_id', 'to_project_id']).unique().execute();
  await db.schema.createIndex('backup_shares_to').on('backup_shares').columns(['to_project_id', 'created_at']).execute();
  await db.schema.createIndex('backup_shares_from').on('backup_shares').columns(['from_project_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('backup_shares').execute();
}
