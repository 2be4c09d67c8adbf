import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per scheduled policy: how far the scheduler has looked, and the row every change of
  // the policy's runs locks first, so processes sharing a database take turns per policy.
  await db.schema
    .createTable('policy_schedules')
    .addColumn('policy_id', 'varchar(36)', (c) => c.primaryKey().references('backup_policies.id').onDelete('cascade'))
    .addColumn('checked_until', 'varchar(32)', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('policy_runs')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('policy_id', 'varchar(36)', (c) => c.notNull().references('backup_policies.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    // The scheduled instant (ISO 8601), or "manual:<uuid>" for a run started through the API.
    .addColumn('slot', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('job_id', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    // Exactly one run per policy and slot, whichever process gets there first.
    .addUniqueConstraint('policy_runs_slot', ['policy_id', 'slot'])
    .execute();
  await db.schema.createIndex('policy_runs_status').on('policy_runs').columns(['status', 'policy_id']).execute();
  await db.schema
    .createTable('policy_tasks')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('run_id', 'varchar(36)', (c) => c.notNull().references('policy_runs.id').onDelete('cascade'))
    .addColumn('policy_id', 'varchar(36)', (c) => c.notNull().references('backup_policies.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('resource_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('backup_name', 'varchar(64)')
    .addColumn('backup_id', 'varchar(36)')
    // The run's job, which users can query; the volume's own backup job is one of its sub-jobs.
    .addColumn('vbs_job_id', 'varchar(32)')
    .addColumn('backup_job_id', 'varchar(32)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('policy_tasks_policy').on('policy_tasks').columns(['policy_id', 'created_at']).execute();
  await db.schema.createIndex('policy_tasks_run').on('policy_tasks').column('run_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['policy_tasks', 'policy_runs', 'policy_schedules']) await db.schema.dropTable(t).execute();
}
