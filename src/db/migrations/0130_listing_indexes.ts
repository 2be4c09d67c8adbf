import type { Kysely } from 'kysely';

/**
 * Indexes in the order listings read: a project's rows newest first (the default order, with
 * the id that breaks ties), by status, by volume and by name, so a page reads only its rows.
 * Each (..., created_at, id) index replaces the (..., created_at) one before it.
 */
const INDEXES: Array<{ name: string; table: string; columns: string[] }> = [
  { name: 'backups_project_created', table: 'backups', columns: ['project_id', 'created_at', 'id'] },
  { name: 'backups_project_status', table: 'backups', columns: ['project_id', 'status', 'created_at', 'id'] },
  { name: 'backups_project_volume', table: 'backups', columns: ['project_id', 'volume_id', 'created_at', 'id'] },
  { name: 'backups_project_name', table: 'backups', columns: ['project_id', 'name', 'id'] },
  // Administrators list every project's (all_tenants).
  { name: 'backups_created', table: 'backups', columns: ['created_at', 'id'] },
  { name: 'volumes_project_created', table: 'volumes', columns: ['project_id', 'created_at', 'id'] },
  { name: 'volumes_project_status', table: 'volumes', columns: ['project_id', 'status', 'created_at', 'id'] },
  { name: 'volumes_project_name', table: 'volumes', columns: ['project_id', 'name', 'id'] },
  { name: 'snapshots_project_created', table: 'snapshots', columns: ['project_id', 'created_at', 'id'] },
  { name: 'snapshots_project_status', table: 'snapshots', columns: ['project_id', 'status', 'created_at', 'id'] },
  { name: 'snapshots_project_volume', table: 'snapshots', columns: ['project_id', 'volume_id', 'created_at', 'id'] },
  // A policy's backup tasks page by (created_at, id) after a marker, by status too.
  { name: 'policy_tasks_policy_created', table: 'policy_tasks', columns: ['policy_id', 'created_at', 'id'] },
  { name: 'policy_tasks_policy_status', table: 'policy_tasks', columns: ['policy_id', 'status', 'created_at', 'id'] },
];

const REPLACED: Array<{ name: string; table: string; columns: string[] }> = [
  { name: 'backups_project', table: 'backups', columns: ['project_id', 'created_at'] },
  { name: 'volumes_project', table: 'volumes', columns: ['project_id', 'created_at'] },
  { name: 'snapshots_project', table: 'snapshots', columns: ['project_id', 'created_at'] },
  { name: 'policy_tasks_policy', table: 'policy_tasks', columns: ['policy_id', 'created_at'] },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const i of INDEXES) await db.schema.createIndex(i.name).on(i.table).columns(i.columns).execute();
  for (const i of REPLACED) await db.schema.dropIndex(i.name).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const i of REPLACED) await db.schema.createIndex(i.name).on(i.table).columns(i.columns).execute();
  for (const i of INDEXES) await db.schema.dropIndex(i.name).execute();
}
