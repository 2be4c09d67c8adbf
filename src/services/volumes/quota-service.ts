import type { Kysely } from 'kysely';
import type { QuotaDefaults } from '../../common/config.js';
import type { Database } from '../../db/schema.js';
import { QuotaExceeded, type QuotaResource } from '../common/errors.js';

export type Executor = Kysely<Database>;

/** The quotas every project has; groups is always 0 in use, as this service makes no groups. */
export const GLOBAL_RESOURCES = ['volumes', 'gigabytes', 'snapshots', 'backups', 'backup_gigabytes', 'per_volume_gigabytes', 'groups'] as const;
const PER_TYPE = ['volumes', 'gigabytes', 'snapshots'] as const;
/** Cinder's default for a resource no setting names. */
const BUILT_IN_DEFAULTS: Record<string, number> = { groups: 10 };
/** The quota class whose limits are every project's defaults. */
export const DEFAULT_QUOTA_CLASS = 'default';

/** Every quota key a project has: the totals, then volumes, gigabytes and snapshots of each volume type. */
export function quotaResources(typeNames: readonly string[]): string[] {
  return [...GLOBAL_RESOURCES, ...typeNames.flatMap((t) => PER_TYPE.map((r) => `${r}_${t}`))];
}

export type QuotaValues = Record<string, number>;

export interface QuotaUsage {
  limit: number;
  in_use: number;
  reserved: number;
}

/** What a new resource adds to a project's usage. */
export interface QuotaDelta {
  volumes?: number;
  gigabytes?: number;
  snapshots?: number;
  backups?: number;
  backup_gigabytes?: number;
  /** The volume type that per-type quotas charge. */
  volumeType?: string;
  /** Only the per-type quotas change: the volume changes type, the totals stay. */
  typeOnly?: boolean;
  /** Size of one new volume, for per_volume_gigabytes. */
  volumeSize?: number;
}

function isGigabytes(resource: QuotaResource): boolean {
  return resource === 'gigabytes' || resource === 'backup_gigabytes';
}

/**
 * Per-project limits and usage of volumes, snapshots and backups. Usage is counted from the
 * records themselves, inside the caller's transaction after `lock`, so a check and the insert
 * that follows it see no other project writer in between.
 */
export class QuotaService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaultsConfig: QuotaDefaults,
    /** Every volume type's name: each has its own volumes, gigabytes and snapshots quotas. */
    private readonly typeNames: (ex: Executor) => Promise<string[]>,
  ) {}

  async resources(ex: Executor = this.db): Promise<string[]> {
    return quotaResources(await this.typeNames(ex));
  }

  /** A quota class's limits: the settings (VBS_QUOTA_*), then what the class sets. */
  async classLimits(className: string, ex: Executor = this.db): Promise<QuotaValues> {
    const out: QuotaValues = {};
    const configured = this.defaultsConfig as unknown as Record<string, number | undefined>;
    for (const r of await this.resources(ex)) out[r] = configured[r] ?? BUILT_IN_DEFAULTS[r] ?? -1;
    const rows = await ex.selectFrom('quota_classes').selectAll().where('class_name', '=', className).execute();
    for (const row of rows) if (row.resource in out) out[row.resource] = Number(row.hard_limit);
    return out;
  }

  /** Every project's default limits: those of the default quota class. */
  async defaults(ex: Executor = this.db): Promise<QuotaValues> {
    return this.classLimits(DEFAULT_QUOTA_CLASS, ex);
  }

  /** Sets some limits of a quota class; values are checked by the caller. */
  async setClass(className: string, values: QuotaValues): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const [resource, hard] of Object.entries(values)) {
        await tx
          .insertInto('quota_classes')
          .values({ class_name: className, resource, hard_limit: hard })
          .onConflict((oc) => oc.columns(['class_name', 'resource']).doUpdateSet({ hard_limit: hard }))
          .execute();
      }
    });
  }

  async limits(projectId: string, ex: Executor = this.db): Promise<QuotaValues> {
    const out = await this.defaults(ex);
    const rows = await ex.selectFrom('quotas').selectAll().where('project_id', '=', projectId).execute();
    for (const row of rows) if (row.resource in out) out[row.resource] = Number(row.hard_limit);
    return out;
  }

  async usage(projectId: string, ex: Executor = this.db): Promise<QuotaValues> {
    const used: QuotaValues = Object.fromEntries((await this.resources(ex)).map((r) => [r, 0]));
    delete used.per_volume_gigabytes;
    const volumes = await ex
      .selectFrom('volumes')
      .select(['volume_type', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('size').as('gb')])
      .where('project_id', '=', projectId)
      .groupBy('volume_type')
      .execute();
    for (const row of volumes) {
      used.volumes += Number(row.n);
      used.gigabytes += Number(row.gb ?? 0);
      this.addTyped(used, 'volumes', row.volume_type, Number(row.n));
      this.addTyped(used, 'gigabytes', row.volume_type, Number(row.gb ?? 0));
    }
    // Snapshots take space as Cinder counts it: their size counts against gigabytes too.
    const snapshots = await ex
      .selectFrom('snapshots')
      .select(['volume_type', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('size').as('gb')])
      .where('project_id', '=', projectId)
      .groupBy('volume_type')
      .execute();
    for (const row of snapshots) {
      used.snapshots += Number(row.n);
      used.gigabytes += Number(row.gb ?? 0);
      this.addTyped(used, 'snapshots', row.volume_type, Number(row.n));
      this.addTyped(used, 'gigabytes', row.volume_type, Number(row.gb ?? 0));
    }
    const backups = await ex
      .selectFrom('backups')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('size').as('gb')])
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    used.backups = Number(backups?.n ?? 0);
    used.backup_gigabytes = Number(backups?.gb ?? 0);
    return used;
  }

  private addTyped(used: QuotaValues, resource: string, type: string | null, amount: number): void {
    const key = `${resource}_${type}`;
    if (type && key in used) used[key] += amount;
  }

  /**
   * Serialises quota-checked writes of one project until the transaction ends: the row update
   * takes a row lock in PostgreSQL and the write lock in SQLite.
   */
  async lock(projectId: string, tx: Executor): Promise<void> {
    await tx.insertInto('quota_locks').values({ project_id: projectId, generation: 0 }).onConflict((oc) => oc.column('project_id').doNothing()).execute();
    await tx
      .updateTable('quota_locks')
      .set((eb) => ({ generation: eb('generation', '+', 1) }))
      .where('project_id', '=', projectId)
      .execute();
  }

  /**
   * Refuses a delta that would exceed a limit, naming the resource and, for a per-type quota,
   * the volume type. Call after `lock`.
   */
  async check(projectId: string, delta: QuotaDelta, tx: Executor): Promise<void> {
    const limits = await this.limits(projectId, tx);
    if (delta.volumeSize !== undefined && limits.per_volume_gigabytes >= 0 && delta.volumeSize > limits.per_volume_gigabytes) {
      throw new QuotaExceeded(
        'per_volume_gigabytes',
        null,
        `VolumeSizeExceedsLimit: Requested volume size ${delta.volumeSize}G is larger than maximum allowed limit ${limits.per_volume_gigabytes}G.`,
      );
    }
    const used = await this.usage(projectId, tx);
    const wanted: Array<{ resource: QuotaResource; volumeType: string | null; amount: number }> = [];
    for (const resource of ['volumes', 'snapshots', 'gigabytes', 'backups', 'backup_gigabytes'] as const) {
      const amount = delta.typeOnly ? 0 : (delta[resource] ?? 0);
      if (amount > 0) wanted.push({ resource, volumeType: null, amount });
    }
    if (delta.volumeType) {
      for (const resource of PER_TYPE) {
        const amount = delta[resource] ?? 0;
        if (amount > 0) wanted.push({ resource, volumeType: delta.volumeType, amount });
      }
    }
    for (const { resource, volumeType, amount } of wanted) {
      const key = volumeType ? `${resource}_${volumeType}` : resource;
      const limit = limits[key];
      if (limit === undefined || limit < 0) continue;
      const inUse = used[key] ?? 0;
      if (inUse + amount <= limit) continue;
      if (isGigabytes(resource)) {
        throw new QuotaExceeded(
          resource,
          volumeType,
          `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed ${key} quota. Requested ${amount}G, quota is ${limit}G and ${inUse}G has been consumed.`,
        );
      }
      const kind = resource === 'snapshots' ? 'snapshots' : resource === 'backups' ? 'backups' : 'volumes';
      throw new QuotaExceeded(resource, volumeType, `Maximum number of ${kind} allowed (${limit}) exceeded for quota '${key}'.`);
    }
  }

  /** Sets some limits of a project; values are checked by the caller. */
  async set(projectId: string, values: QuotaValues): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const [resource, hard] of Object.entries(values)) {
        await tx
          .insertInto('quotas')
          .values({ project_id: projectId, resource, hard_limit: hard })
          .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit: hard }))
          .execute();
      }
    });
  }

  /** Back to the defaults. */
  async reset(projectId: string): Promise<void> {
    await this.db.deleteFrom('quotas').where('project_id', '=', projectId).execute();
  }
}
