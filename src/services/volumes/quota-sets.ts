import type { IdentityService } from '../identity/identity.js';
import type { QuotaService, QuotaUsage, QuotaValues } from './quota-service.js';
import type { Caller } from '../common/caller.js';
import { Forbidden, InvalidInput, NotFound } from '../common/errors.js';

/** New limits of some of a project's quotas; the others keep theirs. */
export interface UpdateQuotas {
  /** By quota key (a resource of QuotaService.resources()): a whole number, -1 for unlimited. */
  limits: QuotaValues;
}

/** The os-quota-sets and limits use cases: who may read and change which project's quotas. */
export class QuotaSets {
  constructor(
    private readonly quotas: QuotaService,
    private readonly identity: IdentityService,
  ) {}

  private async target(caller: Caller, targetId: string): Promise<void> {
    if (targetId !== caller.projectId && !caller.admin) {
      throw new Forbidden(`Policy does not allow reading the quotas of project ${targetId}: only its own members and administrators may.`);
    }
    if (!(await this.identity.getProject(targetId))) throw new NotFound('project', targetId);
  }

  async show(caller: Caller, targetId: string): Promise<QuotaValues> {
    await this.target(caller, targetId);
    return this.quotas.limits(targetId);
  }

  async showWithUsage(caller: Caller, targetId: string): Promise<Record<string, QuotaUsage>> {
    await this.target(caller, targetId);
    const [limits, used] = await Promise.all([this.quotas.limits(targetId), this.quotas.usage(targetId)]);
    return Object.fromEntries(Object.keys(limits).map((r) => [r, { limit: limits[r], in_use: used[r] ?? 0, reserved: 0 }]));
  }

  async defaults(caller: Caller, targetId: string): Promise<QuotaValues> {
    await this.target(caller, targetId);
    return this.quotas.defaults();
  }

  /** Refuses keys that name no resource, as Cinder does. */
  private async known(limits: QuotaValues): Promise<void> {
    const resources = await this.quotas.resources();
    const bad = Object.keys(limits).filter((k) => !resources.includes(k));
    if (bad.length) throw new InvalidInput(`Bad key(s) in quota set: ${bad.join(', ')}.`);
  }

  /** A quota class's limits ('default' holds every project's defaults); administrators only. */
  async showClass(caller: Caller, className: string): Promise<QuotaValues> {
    if (!caller.admin) throw new Forbidden('Policy does not allow showing quota classes: only administrators may.');
    return this.quotas.classLimits(className);
  }

  /** Changes some limits of a quota class; keys that name no resource are passed over, as Cinder does. */
  async updateClass(caller: Caller, className: string, change: UpdateQuotas): Promise<QuotaValues> {
    if (!caller.admin) throw new Forbidden('Policy does not allow updating quota classes: only administrators may.');
    const resources = await this.quotas.resources();
    await this.quotas.setClass(className, Object.fromEntries(Object.entries(change.limits).filter(([k]) => resources.includes(k))));
    return this.quotas.classLimits(className);
  }

  /** Refuses a caller who may not change quotas, whatever the change. */
  authorizeChange(caller: Caller): void {
    if (!caller.admin) throw new Forbidden('Policy does not allow updating quotas: only administrators may.');
  }

  async update(caller: Caller, targetId: string, change: UpdateQuotas): Promise<QuotaValues> {
    this.authorizeChange(caller);
    await this.target(caller, targetId);
    await this.known(change.limits);
    await this.quotas.set(targetId, change.limits);
    return this.quotas.limits(targetId);
  }

  async reset(caller: Caller, targetId: string): Promise<void> {
    if (!caller.admin) throw new Forbidden('Policy does not allow resetting quotas: only administrators may.');
    await this.target(caller, targetId);
    await this.quotas.reset(targetId);
  }

  /** Absolute limits of the caller's project, named as Cinder's GET /limits names them. */
  async absoluteLimits(caller: Caller): Promise<Record<string, number>> {
    const [l, u] = await Promise.all([this.quotas.limits(caller.projectId), this.quotas.usage(caller.projectId)]);
    return {
      maxTotalVolumes: l.volumes,
      maxTotalSnapshots: l.snapshots,
      maxTotalVolumeGigabytes: l.gigabytes,
      maxTotalBackups: l.backups,
      maxTotalBackupGigabytes: l.backup_gigabytes,
      totalVolumesUsed: u.volumes,
      totalSnapshotsUsed: u.snapshots,
      totalGigabytesUsed: u.gigabytes,
      totalBackupsUsed: u.backups,
      totalBackupGigabytesUsed: u.backup_gigabytes,
    };
  }
}
