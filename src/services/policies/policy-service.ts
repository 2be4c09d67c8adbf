import type { Kysely } from 'kysely';
import { ApiError, type ErrorCode } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import type { QuotaService } from '../volumes/quota-service.js';
import type { VolumeRepository } from '../volumes/volume-repository.js';
import type { Volume } from '../volumes/volume-records.js';
import type { VolumeStatus } from '../volumes/volume-state.js';
import { applySchedule, checkStartTimeOrder, policyIdOf, readPolicyCreate, readPolicyUpdate, requireBody } from './policy-input.js';
import { parseTimeZoneOffset, type Executor, type Policy, type PolicyRepository } from './policy-repository.js';
import type { Tag } from './tag-input.js';

export const MAX_POLICIES_PER_PROJECT = 10;
export const MAX_VOLUMES_PER_POLICY = 200;
/** Volumes a policy may take: healthy ones, attached or not. */
const BINDABLE: readonly VolumeStatus[] = ['available', 'in-use', 'backing-up'];

export interface PolicyListing {
  policy: Policy;
  resourceCount: number;
  tags: Tag[];
}

/** A volume bound (or not) by an association request; failures carry their own code. */
export interface ResourceOutcome {
  resourceId: string;
  resourceType: string | null;
  volume: Volume | null;
  error?: ApiError;
}

/** Backup policy records and the volumes associated with them. */
export class PolicyService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: PolicyRepository,
    private readonly volumes: VolumeRepository,
    private readonly quotas: QuotaService,
    private readonly clock: Clock,
  ) {}

  /** The policy of the caller's project; AutoBackup.0205 otherwise. */
  async get(caller: Caller, rawId: string | undefined, executor: Executor = this.db): Promise<Policy> {
    const id = policyIdOf(rawId);
    const p = await this.repo.get(id, executor);
    if (!p || p.projectId !== caller.projectId) throw new ApiError('AutoBackup.0205', `Backup policy ${id} does not exist.`);
    return p;
  }

  async create(caller: Caller, body: unknown): Promise<Policy> {
    const input = readPolicyCreate(body);
    const now = this.clock.now();
    const s = input.schedule;
    const policy: Policy = {
      id: newUuid(),
      projectId: caller.projectId,
      name: input.name,
      status: s.status ?? 'ON',
      startTimes: s.startTimes ?? [],
      frequency: s.frequency ?? null,
      weekDays: s.weekDays ?? null,
      retentionNum: s.retentionNum ?? null,
      retentionDays: s.retentionDays ?? null,
      remainFirstBackupOfCurMonth: s.remainFirstBackupOfCurMonth ?? false,
      timeZone: input.timeZone,
      timeZoneOffsetMinutes: parseTimeZoneOffset(input.timeZone),
      createdAt: now,
      updatedAt: null,
    };
    checkStartTimeOrder(policy);
    await this.db.transaction().execute(async (tx) => {
      // Serialises the project's creates so that concurrent ones cannot pass the limit together.
      await this.quotas.lock(caller.projectId, tx);
      const count = await this.repo.countInProject(caller.projectId, tx);
      if (count >= MAX_POLICIES_PER_PROJECT) {
        throw new ApiError('AutoBackup.0203', `A project has at most ${MAX_POLICIES_PER_PROJECT} backup policies; this one has ${count}.`);
      }
      await this.repo.insert(policy, tx);
      await this.repo.putTags(policy.id, input.tags, tx);
    });
    return policy;
  }

  async list(caller: Caller): Promise<PolicyListing[]> {
    const [policies, counts, tags] = await Promise.all([
      this.repo.listInProject(caller.projectId),
      this.repo.resourceCounts(caller.projectId),
      this.repo.tagsInProject(caller.projectId),
    ]);
    return policies.map((policy) => ({ policy, resourceCount: counts.get(policy.id) ?? 0, tags: tags.get(policy.id) ?? [] }));
  }

  async update(caller: Caller, rawId: string, body: unknown): Promise<Policy> {
    const id = policyIdOf(rawId);
    const input = readPolicyUpdate(body);
    return this.db.transaction().execute(async (tx) => {
      const current = await this.get(caller, id, tx);
      // A rename may neither leave a default policy nor make one; resending the current name is no rename.
      if (input.name !== undefined && input.name !== current.name) {
        if (current.name.startsWith('default')) throw new ApiError('AutoBackup.0100', `Backup policy ${current.name} is a default policy and cannot be renamed.`);
        if (input.name.startsWith('default')) throw new ApiError('AutoBackup.0102', 'backup_policy_name must not start with "default".');
      }
      const next = applySchedule({ ...current, name: input.name ?? current.name, updatedAt: this.clock.now() }, input.schedule);
      if (input.timeZone !== undefined) {
        next.timeZone = input.timeZone;
        next.timeZoneOffsetMinutes = parseTimeZoneOffset(input.timeZone);
      }
      checkStartTimeOrder(next);
      await this.repo.update(next, tx);
      return next;
    });
  }

  async delete(caller: Caller, rawId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const p = await this.get(caller, rawId, tx);
      await this.repo.delete(p.id, tx);
    });
  }

  /** Binds each listed volume on its own: one volume's failure leaves the others bound. */
  async associate(caller: Caller, body: unknown): Promise<ResourceOutcome[]> {
    const b = requireBody(body);
    if (b.backup_policy_id === undefined || b.backup_policy_id === '') throw new ApiError('AutoBackup.0006', 'backup_policy_id is required.');
    if (typeof b.backup_policy_id !== 'string') throw new ApiError('AutoBackup.0205', 'backup_policy_id must be a string.');
    const policyId = b.backup_policy_id;
    const resources = resourceList(b.resources, 'associate');
    return this.db.transaction().execute(async (tx) => {
      const policy = await this.get(caller, policyId, tx);
      // The same lock as policy creation: concurrent requests cannot pass the per-policy limit together.
      await this.quotas.lock(caller.projectId, tx);
      const ids = resources.map((r) => r.resourceId).filter(isUuid);
      const bound = new Map((await this.repo.associationsOf(ids, tx)).map((a) => [a.resource_id, a.policy_id]));
      let count = (await this.repo.volumeIds(policy.id, tx)).length;
      const outcomes: ResourceOutcome[] = [];
      for (const r of resources) {
        const outcome = await this.bindOne(caller, policy, r, bound, count, tx);
        if (!outcome.error && bound.get(r.resourceId) !== policy.id) {
          await this.repo.associate({ policy_id: policy.id, resource_id: r.resourceId, resource_type: 'volume', project_id: caller.projectId, created_at: this.clock.now().toISOString() }, tx);
          bound.set(r.resourceId, policy.id);
          count++;
        }
        outcomes.push(outcome);
      }
      return outcomes;
    });
  }

  private async bindOne(caller: Caller, policy: Policy, r: ResourceRef, bound: Map<string, string>, count: number, tx: Kysely<Database>): Promise<ResourceOutcome> {
    const fail = (code: ErrorCode, message: string, volume: Volume | null = null): ResourceOutcome => ({ ...r, volume, error: new ApiError(code, message) });
    if (r.error) return { ...r, volume: null };
    if (r.resourceType !== 'volume') return fail('AutoBackup.0211', `Resource ${r.resourceId}: resource_type must be "volume", not "${r.resourceType}".`);
    const volume = isUuid(r.resourceId) ? await this.volumes.getVolume(r.resourceId, tx) : undefined;
    if (!volume || volume.projectId !== caller.projectId) return fail('AutoBackup.0208', `Volume ${r.resourceId} does not exist.`);
    const owner = bound.get(volume.id);
    if (owner === policy.id) return { ...r, volume };
    if (owner) return fail('AutoBackup.1400', `Volume ${volume.id} is already associated with backup policy ${owner}; a volume has one policy.`, volume);
    if (!BINDABLE.includes(volume.status)) {
      return fail('AutoBackup.0206', `Volume ${volume.id} is ${volume.status}; only ${BINDABLE.join(', ')} volumes can be associated.`, volume);
    }
    if (count >= MAX_VOLUMES_PER_POLICY) {
      return fail('AutoBackup.0204', `Backup policy ${policy.id} already has ${MAX_VOLUMES_PER_POLICY} volumes, its limit.`, volume);
    }
    return { ...r, volume };
  }

  /** Unbinds each listed volume on its own. */
  async disassociate(caller: Caller, rawId: string, body: unknown): Promise<ResourceOutcome[]> {
    const id = policyIdOf(rawId);
    const resources = resourceList(requireBody(body).resources, 'disassociate');
    return this.db.transaction().execute(async (tx) => {
      const policy = await this.get(caller, id, tx);
      const ids = resources.map((r) => r.resourceId).filter(isUuid);
      const bound = new Map((await this.repo.associationsOf(ids, tx)).map((a) => [a.resource_id, a.policy_id]));
      const outcomes = resources.map((r): ResourceOutcome => {
        if (r.error) return { ...r, volume: null };
        if (bound.get(r.resourceId) !== policy.id) {
          return { ...r, volume: null, error: new ApiError('AutoBackup.0208', `Volume ${r.resourceId} is not associated with backup policy ${policy.id}.`) };
        }
        bound.delete(r.resourceId);
        return { ...r, volume: null };
      });
      await this.repo.disassociate(policy.id, outcomes.filter((o) => !o.error).map((o) => o.resourceId), tx);
      return outcomes;
    });
  }
}

interface ResourceRef {
  resourceId: string;
  resourceType: string | null;
  error?: ApiError;
}

/** The resources list of an association request; an entry without an id fails alone (AutoBackup.0209). */
function resourceList(v: unknown, action: 'associate' | 'disassociate'): ResourceRef[] {
  if (!Array.isArray(v) || v.length === 0) throw new ApiError('AutoBackup.0207', 'resources must be a non-empty list of {resource_id, resource_type}.');
  return v.map((r: unknown) => {
    const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    const resourceId = typeof o.resource_id === 'string' ? o.resource_id : '';
    const resourceType = typeof o.resource_type === 'string' ? o.resource_type : null;
    if (!resourceId) return { resourceId, resourceType, error: new ApiError('AutoBackup.0209', 'resource_id is empty.') };
    if (action === 'associate' && !resourceType) return { resourceId, resourceType, error: new ApiError('AutoBackup.0209', `Resource ${resourceId}: resource_type is empty.`) };
    return { resourceId, resourceType };
  });
}
