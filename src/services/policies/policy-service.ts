import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import { Conflict, Forbidden, InvalidInput, InvalidState, LimitExceeded, NotFound, type DomainError } from '../common/errors.js';
import type { QuotaService } from '../volumes/quota-service.js';
import type { VolumeRepository } from '../volumes/volume-repository.js';
import type { Volume } from '../volumes/volume-records.js';
import type { VolumeStatus } from '../volumes/volume-state.js';
import { MAX_TAGS_PER_POLICY, parseTimeZoneOffset, type Executor, type Policy, type PolicyRepository, type Tag } from './policy-repository.js';

export const MAX_POLICIES_PER_PROJECT = 10;
export const MAX_VOLUMES_PER_POLICY = 200;
/** Volumes a policy may take: healthy ones, attached or not. */
const BINDABLE: readonly VolumeStatus[] = ['available', 'in-use', 'backing-up'];
/** Names of default policies: such a policy keeps its name, and no other policy may take one. */
const DEFAULT_PREFIX = 'default';

/** The schedule fields a request sets; absent ones stay as they are (or take defaults on create). */
export interface ScheduleChange {
  /** UTC hours 0-23, distinct, in ascending order of local time. */
  startTimes?: number[];
  frequency?: number;
  weekDays?: number[];
  retentionNum?: number;
  retentionDays?: number;
  remainFirstBackupOfCurMonth?: boolean;
  status?: 'ON' | 'OFF';
}

export interface CreatePolicy {
  name: string;
  schedule: ScheduleChange;
  /** "UTC+02:00". */
  timeZone: string;
  tags: Tag[];
}

/** What a modification changes; a field left out stays as it is. */
export interface UpdatePolicy {
  name?: string;
  schedule: ScheduleChange;
  timeZone?: string;
}

/** A resource named by an association request; an empty id (or type, to associate) fails alone. */
export interface ResourceRef {
  resourceId: string;
  resourceType: string | null;
}

export interface PolicyListing {
  policy: Policy;
  resourceCount: number;
  tags: Tag[];
}

/** A volume bound (or not) by an association request; a failure carries its own domain error. */
export interface ResourceOutcome {
  resourceId: string;
  resourceType: string | null;
  volume: Volume | null;
  error?: DomainError;
}

/** The policy with the schedule fields of a request applied; setting one of a pair clears the other. */
export function applySchedule(p: Policy, s: ScheduleChange): Policy {
  const next = { ...p };
  if (s.startTimes) next.startTimes = s.startTimes;
  if (s.frequency !== undefined) [next.frequency, next.weekDays] = [s.frequency, null];
  if (s.weekDays) [next.frequency, next.weekDays] = [null, s.weekDays];
  if (s.retentionNum !== undefined) [next.retentionNum, next.retentionDays] = [s.retentionNum, null];
  if (s.retentionDays !== undefined) [next.retentionNum, next.retentionDays] = [null, s.retentionDays];
  if (s.remainFirstBackupOfCurMonth !== undefined) next.remainFirstBackupOfCurMonth = s.remainFirstBackupOfCurMonth;
  if (s.status) next.status = s.status;
  return next;
}

/**
 * Several start times are given in ascending order of local time (the reference's rule): in
 * UTC+02:00 local 00:00, 02:00, 04:00 is "22:00,00:00,02:00". A new time zone alone can break
 * the order of the stored times, so the check is of the policy as it would be.
 */
export function checkStartTimeOrder(p: Pick<Policy, 'startTimes' | 'timeZone' | 'timeZoneOffsetMinutes'>): void {
  const local = p.startTimes.map((h) => (((h * 60 + p.timeZoneOffsetMinutes) % 1440) + 1440) % 1440);
  for (let i = 1; i < local.length; i++) {
    if (local[i] <= local[i - 1]) {
      throw new InvalidInput(`scheduled_policy.start_time must list times in ascending order of local time (${p.timeZone}).`, 'policy.start-time-order');
    }
  }
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

  /** The policy of the caller's project; NotFound otherwise (another project's policy too). */
  async get(caller: Caller, id: string, executor: Executor = this.db): Promise<Policy> {
    const p = isUuid(id) ? await this.repo.get(id, executor) : undefined;
    if (!p || p.projectId !== caller.projectId) throw new NotFound('policy', id, `Backup policy ${id} does not exist.`);
    return p;
  }

  async create(caller: Caller, input: CreatePolicy): Promise<Policy> {
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
    if (input.tags.length > MAX_TAGS_PER_POLICY) {
      throw new LimitExceeded(`A backup policy has at most ${MAX_TAGS_PER_POLICY} tags; this one would have ${input.tags.length}.`, 'policy.tags-limit');
    }
    await this.db.transaction().execute(async (tx) => {
      // Serialises the project's creates so that concurrent ones cannot pass the limit together.
      await this.quotas.lock(caller.projectId, tx);
      const count = await this.repo.countInProject(caller.projectId, tx);
      if (count >= MAX_POLICIES_PER_PROJECT) {
        throw new LimitExceeded(`A project has at most ${MAX_POLICIES_PER_PROJECT} backup policies; this one has ${count}.`, 'policy.limit');
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

  async update(caller: Caller, id: string, input: UpdatePolicy): Promise<Policy> {
    return this.db.transaction().execute(async (tx) => {
      const current = await this.get(caller, id, tx);
      // A rename may neither leave a default policy nor make one; resending the current name is no rename.
      if (input.name !== undefined && input.name !== current.name) {
        if (current.name.startsWith(DEFAULT_PREFIX)) throw new Forbidden(`Backup policy ${current.name} is a default policy and cannot be renamed.`, 'policy.default-name');
        if (input.name.startsWith(DEFAULT_PREFIX)) throw new InvalidInput(`backup_policy_name must not start with "${DEFAULT_PREFIX}".`, 'policy.name-invalid');
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

  async delete(caller: Caller, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const p = await this.get(caller, id, tx);
      await this.repo.delete(p.id, tx);
    });
  }

  /** Binds each listed volume on its own: one volume's failure leaves the others bound. */
  async associate(caller: Caller, policyId: string, resources: readonly ResourceRef[]): Promise<ResourceOutcome[]> {
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
    const ref = { resourceId: r.resourceId, resourceType: r.resourceType };
    const fail = (error: DomainError, volume: Volume | null = null): ResourceOutcome => ({ ...ref, volume, error });
    if (!r.resourceId) return fail(new InvalidInput('resource_id is empty.', 'policy.resource-empty'));
    if (!r.resourceType) return fail(new InvalidInput(`Resource ${r.resourceId}: resource_type is empty.`, 'policy.resource-empty'));
    if (r.resourceType !== 'volume') return fail(new InvalidInput(`Resource ${r.resourceId}: resource_type must be "volume", not "${r.resourceType}".`, 'policy.resource-type'));
    const volume = isUuid(r.resourceId) ? await this.volumes.getVolume(r.resourceId, tx) : undefined;
    if (!volume || volume.projectId !== caller.projectId) return fail(new NotFound('volume', r.resourceId, `Volume ${r.resourceId} does not exist.`, 'policy.volume-not-found'));
    const owner = bound.get(volume.id);
    if (owner === policy.id) return { ...ref, volume };
    if (owner) return fail(new Conflict(`Volume ${volume.id} is already associated with backup policy ${owner}; a volume has one policy.`, 'policy.volume-taken'), volume);
    if (!BINDABLE.includes(volume.status)) {
      const message = `Volume ${volume.id} is ${volume.status}; only ${BINDABLE.join(', ')} volumes can be associated.`;
      return fail(new InvalidState('volume', volume.id, volume.status, BINDABLE, message, 'policy.volume-bad-status'), volume);
    }
    if (count >= MAX_VOLUMES_PER_POLICY) {
      return fail(new LimitExceeded(`Backup policy ${policy.id} already has ${MAX_VOLUMES_PER_POLICY} volumes, its limit.`, 'policy.volumes-limit'), volume);
    }
    return { ...ref, volume };
  }

  /** Unbinds each listed volume on its own. */
  async disassociate(caller: Caller, id: string, resources: readonly ResourceRef[]): Promise<ResourceOutcome[]> {
    return this.db.transaction().execute(async (tx) => {
      const policy = await this.get(caller, id, tx);
      const ids = resources.map((r) => r.resourceId).filter(isUuid);
      const bound = new Map((await this.repo.associationsOf(ids, tx)).map((a) => [a.resource_id, a.policy_id]));
      const outcomes = resources.map((r): ResourceOutcome => {
        const ref = { resourceId: r.resourceId, resourceType: r.resourceType, volume: null };
        if (!r.resourceId) return { ...ref, error: new InvalidInput('resource_id is empty.', 'policy.resource-empty') };
        if (bound.get(r.resourceId) !== policy.id) {
          return { ...ref, error: new NotFound('volume', r.resourceId, `Volume ${r.resourceId} is not associated with backup policy ${policy.id}.`, 'policy.volume-not-bound') };
        }
        bound.delete(r.resourceId);
        return ref;
      });
      await this.repo.disassociate(policy.id, outcomes.filter((o) => !o.error).map((o) => o.resourceId), tx);
      return outcomes;
    });
  }
}
