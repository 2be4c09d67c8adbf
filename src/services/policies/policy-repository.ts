import type { Db } from '../../db/connect.js';
import type { BackupPolicyResourceTable, BackupPolicyTable } from '../../db/schema.js';

/** A tag of a backup policy; keys are unique per policy. */
export interface Tag {
  key: string;
  value: string;
}

export const MAX_TAGS_PER_POLICY = 10;

/** Days of week_frequency in the order JavaScript's getUTCDay() numbers them (0 = SUN). */
export const WEEK_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

/** A backup policy as the scheduler and the API see it, parsed from its row. */
export interface Policy {
  id: string;
  projectId: string;
  name: string;
  /** Only ON policies are scheduled. */
  status: 'ON' | 'OFF';
  /** UTC hours (0-23) of start_time, in the order given (ascending local time). */
  startTimes: number[];
  /** Days between runs, 1-30; null when weekDays selects the days. */
  frequency: number | null;
  /** Days of week (0 = SUN .. 6 = SAT) in the order given; null when frequency selects the days. */
  weekDays: number[] | null;
  /** Keep the newest N automatic backups of a volume; null when retentionDays applies (or neither). */
  retentionNum: number | null;
  /** Keep automatic backups younger than N days; null when retentionNum applies (or neither). */
  retentionDays: number | null;
  /** Keep the first automatic backup of the current month beyond the retention rule. */
  remainFirstBackupOfCurMonth: boolean;
  /** time_zone as given, "UTC+02:00". */
  timeZone: string;
  /** The same offset from UTC in minutes: +120 for UTC+02:00, -330 for UTC-05:30. */
  timeZoneOffsetMinutes: number;
  createdAt: Date;
  updatedAt: Date | null;
}

export function parseTimeZoneOffset(timeZone: string): number {
  const m = /^UTC([+-])(\d{2}):(\d{2})$/.exec(timeZone);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** start_time as the API writes it: "22:00,00:00". */
export function formatStartTimes(hours: readonly number[]): string {
  return hours.map((h) => `${String(h).padStart(2, '0')}:00`).join(',');
}

export function toPolicy(row: BackupPolicyTable): Policy {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    status: row.status === 'ON' ? 'ON' : 'OFF',
    startTimes: row.start_time.split(',').map((t) => Number(t.slice(0, 2))),
    frequency: row.frequency,
    weekDays: row.week_frequency === null ? null : row.week_frequency.split(',').map((d) => WEEK_DAYS.indexOf(d as WeekDay)),
    retentionNum: row.rentention_num,
    retentionDays: row.rentention_day,
    remainFirstBackupOfCurMonth: row.remain_first_backup_of_cur_month === 1,
    timeZone: row.time_zone,
    timeZoneOffsetMinutes: parseTimeZoneOffset(row.time_zone),
    createdAt: new Date(row.created_at),
    updatedAt: row.updated_at ? new Date(row.updated_at) : null,
  };
}

export function toPolicyRow(p: Policy): BackupPolicyTable {
  return {
    id: p.id,
    project_id: p.projectId,
    name: p.name,
    status: p.status,
    start_time: formatStartTimes(p.startTimes),
    frequency: p.frequency,
    week_frequency: p.weekDays === null ? null : p.weekDays.map((d) => WEEK_DAYS[d]).join(','),
    rentention_num: p.retentionNum,
    rentention_day: p.retentionDays,
    remain_first_backup_of_cur_month: p.remainFirstBackupOfCurMonth ? 1 : 0,
    time_zone: p.timeZone,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt?.toISOString() ?? null,
  };
}

export type Executor = Pick<Db, 'insertInto' | 'selectFrom' | 'updateTable' | 'deleteFrom'>;

/** Policy records of every project; callers scope by project. */
export class PolicyRepository {
  constructor(private readonly db: Db) {}

  /** The policy with this id, of any project. */
  async get(id: string, executor: Executor = this.db): Promise<Policy | undefined> {
    const row = await executor.selectFrom('backup_policies').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toPolicy(row);
  }

  /** Every ON policy of every project, oldest first: what the scheduler walks. */
  async listEnabled(executor: Executor = this.db): Promise<Policy[]> {
    const rows = await executor
      .selectFrom('backup_policies')
      .selectAll()
      .where('status', '=', 'ON')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toPolicy);
  }

  /**
   * Ids of the volumes associated with the policy, oldest association first (ties by id). An
   * association whose volume has since been deleted is left out.
   */
  async volumeIds(policyId: string, executor: Executor = this.db): Promise<string[]> {
    const rows = await executor
      .selectFrom('backup_policy_resources as r')
      .innerJoin('volumes as v', 'v.id', 'r.resource_id')
      .select('r.resource_id')
      .where('r.policy_id', '=', policyId)
      .orderBy('r.created_at')
      .orderBy('r.resource_id')
      .execute();
    return rows.map((r) => r.resource_id);
  }

  async insert(p: Policy, executor: Executor = this.db): Promise<void> {
    await executor.insertInto('backup_policies').values(toPolicyRow(p)).execute();
  }

  async update(p: Policy, executor: Executor = this.db): Promise<void> {
    const { id, project_id: _project, created_at: _created, ...changes } = toPolicyRow(p);
    await executor.updateTable('backup_policies').set(changes).where('id', '=', id).execute();
  }

  /** Removes the policy with its associations and tags. */
  async delete(id: string, executor: Executor = this.db): Promise<void> {
    await executor.deleteFrom('backup_policy_tags').where('policy_id', '=', id).execute();
    await executor.deleteFrom('backup_policy_resources').where('policy_id', '=', id).execute();
    await executor.deleteFrom('backup_policies').where('id', '=', id).execute();
  }

  async countInProject(projectId: string, executor: Executor = this.db): Promise<number> {
    const row = await executor
      .selectFrom('backup_policies')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The project's policies, oldest first. */
  async listInProject(projectId: string, executor: Executor = this.db): Promise<Policy[]> {
    const rows = await executor.selectFrom('backup_policies').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPolicy);
  }

  /** Associated volumes that still exist, per policy of the project. */
  async resourceCounts(projectId: string, executor: Executor = this.db): Promise<Map<string, number>> {
    const rows = await executor
      .selectFrom('backup_policy_resources as r')
      .innerJoin('volumes as v', 'v.id', 'r.resource_id')
      .select((eb) => ['r.policy_id', eb.fn.countAll<number | string>().as('n')])
      .where('r.project_id', '=', projectId)
      .groupBy('r.policy_id')
      .execute();
    return new Map(rows.map((r) => [r.policy_id, Number(r.n)]));
  }

  /** The associations of these volumes, whatever their policy. */
  async associationsOf(resourceIds: readonly string[], executor: Executor = this.db): Promise<BackupPolicyResourceTable[]> {
    if (resourceIds.length === 0) return [];
    return executor.selectFrom('backup_policy_resources').selectAll().where('resource_id', 'in', [...resourceIds]).execute();
  }

  async associate(row: BackupPolicyResourceTable, executor: Executor = this.db): Promise<void> {
    await executor.insertInto('backup_policy_resources').values(row).execute();
  }

  async disassociate(policyId: string, resourceIds: readonly string[], executor: Executor = this.db): Promise<void> {
    if (resourceIds.length === 0) return;
    await executor.deleteFrom('backup_policy_resources').where('policy_id', '=', policyId).where('resource_id', 'in', [...resourceIds]).execute();
  }

  /** The policy's tags in key order. */
  async tagsOf(policyId: string, executor: Executor = this.db): Promise<Tag[]> {
    return executor.selectFrom('backup_policy_tags').select(['key', 'value']).where('policy_id', '=', policyId).orderBy('key').execute();
  }

  /** The tags of every policy of the project, by policy id, each list in key order. */
  async tagsInProject(projectId: string, executor: Executor = this.db): Promise<Map<string, Tag[]>> {
    const rows = await executor
      .selectFrom('backup_policy_tags as t')
      .innerJoin('backup_policies as p', 'p.id', 't.policy_id')
      .select(['t.policy_id', 't.key', 't.value'])
      .where('p.project_id', '=', projectId)
      .orderBy('t.key')
      .orderBy('t.value')
      .execute();
    const byPolicy = new Map<string, Tag[]>();
    for (const r of rows) byPolicy.set(r.policy_id, [...(byPolicy.get(r.policy_id) ?? []), { key: r.key, value: r.value }]);
    return byPolicy;
  }

  /** Sets each tag's value, adding the keys the policy lacks. */
  async putTags(policyId: string, tags: readonly Tag[], executor: Executor = this.db): Promise<void> {
    if (tags.length === 0) return;
    await executor
      .insertInto('backup_policy_tags')
      .values(tags.map((t) => ({ policy_id: policyId, key: t.key, value: t.value })))
      .onConflict((oc) => oc.columns(['policy_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
  }

  async deleteTags(policyId: string, keys: readonly string[], executor: Executor = this.db): Promise<void> {
    if (keys.length === 0) return;
    await executor.deleteFrom('backup_policy_tags').where('policy_id', '=', policyId).where('key', 'in', [...keys]).execute();
  }
}
