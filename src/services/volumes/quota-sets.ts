import { ApiError } from '../../common/errors.js';
import type { IdentityService } from '../identity/identity.js';
import { QUOTA_RESOURCES, type QuotaService, type QuotaUsage, type QuotaValues } from './quota-service.js';
import type { Caller } from '../common/caller.js';

/** The os-quota-sets and limits use cases: who may read and change which project's quotas. */
export class QuotaSets {
  constructor(
    private readonly quotas: QuotaService,
    private readonly identity: IdentityService,
  ) {}

  private async target(caller: Caller, targetId: string): Promise<void> {
    if (targetId !== caller.projectId && !caller.admin) {
      throw new ApiError('common.0403', `Policy does not allow reading the quotas of project ${targetId}: only its own members and administrators may.`);
    }
    if (!(await this.identity.getProject(targetId))) throw new ApiError('common.0404', `Project ${targetId} could not be found.`);
  }

  async show(caller: Caller, targetId: string): Promise<QuotaValues> {
    await this.target(caller, targetId);
    return this.quotas.limits(targetId);
  }

  async showWithUsage(caller: Caller, targetId: string): Promise<Record<string, QuotaUsage>> {
    await this.target(caller, targetId);
    const [limits, used] = await Promise.all([this.quotas.limits(targetId), this.quotas.usage(targetId)]);
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, { limit: limits[r], in_use: used[r] ?? 0, reserved: 0 }]));
  }

  async defaults(caller: Caller, targetId: string): Promise<QuotaValues> {
    await this.target(caller, targetId);
    return this.quotas.defaults();
  }

  async update(caller: Caller, targetId: string, body: unknown): Promise<QuotaValues> {
    if (!caller.admin) throw new ApiError('common.0403', 'Policy does not allow updating quotas: only administrators may.');
    const set = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).quota_set : undefined;
    if (!set || typeof set !== 'object' || Array.isArray(set)) throw new ApiError('common.0400', "Missing required element 'quota_set' in request body.");
    const values: QuotaValues = {};
    const badKeys: string[] = [];
    for (const [key, raw] of Object.entries(set as Record<string, unknown>)) {
      // Clients echo these back from a show; they change nothing.
      if (key === 'id' || key === 'tenant_id' || key === 'skip_validation') continue;
      if (!QUOTA_RESOURCES.includes(key)) {
        badKeys.push(key);
        continue;
      }
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -1 || n > 2 ** 31 - 1) {
        throw new ApiError('common.0400', `Invalid input received: Quota limit ${JSON.stringify(raw)} for ${key} must be a whole number from -1 (unlimited).`);
      }
      values[key] = n;
    }
    if (badKeys.length) throw new ApiError('common.0400', `Bad key(s) in quota set: ${badKeys.join(', ')}.`);
    await this.target(caller, targetId);
    await this.quotas.set(targetId, values);
    return this.quotas.limits(targetId);
  }

  async reset(caller: Caller, targetId: string): Promise<void> {
    if (!caller.admin) throw new ApiError('common.0403', 'Policy does not allow resetting quotas: only administrators may.');
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
