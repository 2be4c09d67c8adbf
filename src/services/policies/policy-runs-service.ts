/**
 * Starting policy runs (on schedule or at once) and reading their tasks. Every start takes the
 * policy's lock first, so one policy never has two runs of one slot, nor two runs at once.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { ApiError } from '../../common/errors.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Db } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { JobRepository } from '../../jobs/job-repository.js';
import type { Caller } from '../common/caller.js';
import type { Policy, PolicyRepository } from './policy-repository.js';
import { POLICY_RUN_JOB, type RunPayload } from './policy-runs-job.js';
import { newTask, TASK_STATUSES, type PolicyRun, type PolicyRunRepository, type PolicyTask, type TaskQuery, type TaskStatus } from './policy-runs-repository.js';

type Ex = Kysely<Database>;

export interface PolicyRunServiceDeps {
  db: Db;
  runs: PolicyRunRepository;
  policies: PolicyRepository;
  jobs: JobRepository;
  clock: Clock;
  /** Asks the run workers to look for new runs now. */
  kick: () => void;
}

export const DEFAULT_TASK_LIMIT = 20;
const MAX_TASK_LIMIT = 1000;

/** Where a policy's scheduling starts: when it was made or last changed (e.g. turned ON). */
export function initialCursor(policy: Policy): Date {
  return policy.updatedAt && policy.updatedAt > policy.createdAt ? policy.updatedAt : policy.createdAt;
}

function badQuery(message: string): ApiError {
  return new ApiError('common.0400', message);
}

function intParam(raw: unknown, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badQuery(`${name} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
  return n;
}

export class PolicyRunService {
  constructor(private readonly d: PolicyRunServiceDeps) {}

  /** The caller's policy, or AutoBackup.0205. */
  private async ownPolicy(caller: Caller, policyId: string, ex?: Ex): Promise<Policy> {
    const policy = isUuid(policyId) ? await this.d.policies.get(policyId, ex) : undefined;
    if (!policy || policy.projectId !== caller.projectId) throw new ApiError('AutoBackup.0205', `policyId is not exist: backup policy ${policyId} does not exist in this project`);
    return policy;
  }

  /** Runs the policy now (whatever its status): 204, or AutoBackup.0225 while a run of it is in progress. */
  async executeNow(caller: Caller, policyId: string): Promise<PolicyRun> {
    const found = await this.ownPolicy(caller, policyId);
    const run = await this.d.db.transaction().execute(async (tx) => {
      // The lock is the transaction's first statement: a write, so SQLite takes its write lock at once.
      await this.d.runs.lock(found.id, initialCursor(found), tx);
      const policy = await this.ownPolicy(caller, policyId, tx);
      const active = await this.d.runs.activeRun(policy.id, tx);
      if (active) {
        throw new ApiError('AutoBackup.0225', `the backup policy is being executed, failed to execute the backup task: a run of policy ${policy.id} started at ${active.createdAt.toISOString()} is in progress`);
      }
      return this.beginRun(policy, `manual:${newUuid()}`, tx);
    });
    this.d.kick();
    return run;
  }

  /** Records a run of the slot and queues its job; call inside the policy's lock. */
  async beginRun(policy: Policy, slot: string, tx: Ex): Promise<PolicyRun> {
    const now = this.d.clock.now();
    const runId = newUuid();
    const payload: RunPayload = { runId };
    const job = await this.d.jobs.create({ projectId: policy.projectId, type: POLICY_RUN_JOB, payload: { ...payload }, entities: { policy_id: policy.id }, maxAttempts: 3 }, tx);
    const run: PolicyRun = { id: runId, policyId: policy.id, projectId: policy.projectId, slot, status: 'RUNNING', jobId: job.id, createdAt: now, finishedAt: null };
    await this.d.runs.insertRun(run, tx);
    return run;
  }

  /** Records a slot that does not run, with a SKIP task per associated volume saying why. */
  async skipSlot(policy: Policy, slot: Date, reason: string, tx: Ex): Promise<PolicyRun> {
    const now = this.d.clock.now();
    const run: PolicyRun = { id: newUuid(), policyId: policy.id, projectId: policy.projectId, slot: slot.toISOString(), status: 'SKIPPED', jobId: null, createdAt: now, finishedAt: now };
    await this.d.runs.insertRun(run, tx);
    for (const volumeId of await this.d.policies.volumeIds(policy.id, tx)) {
      await this.d.runs.insertTask(newTask(run, volumeId, now, { status: 'SKIP', message: reason, finishedAt: now }), tx);
    }
    return run;
  }

  /** GET backuptasks: the filters of the API reference, checked; newest first by default. */
  async listTasks(caller: Caller, policyId: string, query: Record<string, unknown>): Promise<{ count: number; tasks: PolicyTask[] }> {
    const policy = await this.ownPolicy(caller, policyId);
    const q = this.taskQuery(query);
    const markerId = query.marker;
    if (markerId !== undefined && markerId !== '') {
      const marker = typeof markerId === 'string' ? await this.d.runs.getTask(policy.id, markerId) : undefined;
      if (!marker) throw badQuery(`marker ${String(markerId)} is not a task of backup policy ${policy.id}`);
      q.marker = marker;
    }
    return this.d.runs.listTasks(policy.id, q);
  }

  private taskQuery(query: Record<string, unknown>): TaskQuery {
    for (const [k, v] of Object.entries(query)) {
      if (typeof v !== 'string') throw badQuery(`filter ${k} may be given once`);
    }
    const order = query.sort_order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw badQuery(`sort_order must be asc or desc, got "${String(order)}"`);
    const sortKey = query.sort_key ?? 'created_at';
    if (sortKey !== 'created_at') throw badQuery(`sort_key must be created_at, got "${String(sortKey)}"`);
    const status = query.status;
    if (status !== undefined && !(TASK_STATUSES as readonly unknown[]).includes(status)) {
      throw badQuery(`status must be one of ${TASK_STATUSES.join(', ')}, got "${String(status)}"`);
    }
    const taskId = query.job_id;
    return {
      status: status as TaskStatus | undefined,
      taskId: typeof taskId === 'string' && taskId !== '' ? taskId : undefined,
      order,
      limit: intParam(query.limit, 'limit', 1, MAX_TASK_LIMIT, DEFAULT_TASK_LIMIT),
      offset: intParam(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    };
  }
}
