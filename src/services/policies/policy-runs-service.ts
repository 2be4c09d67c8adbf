/**
 * Starting policy runs (on schedule or at once) and reading their tasks. Every start takes the
 * policy's lock first, so one policy never has two runs of one slot, nor two runs at once.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Db } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { TAKEOVER_ATTEMPTS, type JobRepository } from '../../jobs/job-repository.js';
import type { Caller } from '../common/caller.js';
import { Conflict, InvalidInput, NotFound } from '../common/errors.js';
import type { Policy, PolicyRepository } from './policy-repository.js';
import { POLICY_RUN_JOB, type RunPayload } from './policy-runs-job.js';
import { newTask, type PolicyRun, type PolicyRunRepository, type PolicyTask, type TaskPage } from './policy-runs-repository.js';

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

/** Which tasks of a policy to list: the filters, the order and the page, after an optional task. */
export interface TaskQuery extends Omit<TaskPage, 'marker'> {
  /** The id of the task the page starts after; it must be a task of the policy. */
  markerId?: string;
}

/** Where a policy's scheduling starts: when it was made or last changed (e.g. turned ON). */
export function initialCursor(policy: Policy): Date {
  return policy.updatedAt && policy.updatedAt > policy.createdAt ? policy.updatedAt : policy.createdAt;
}

export class PolicyRunService {
  constructor(private readonly d: PolicyRunServiceDeps) {}

  /** The caller's policy; NotFound otherwise (another project's policy too). */
  async ownPolicy(caller: Caller, policyId: string, ex?: Ex): Promise<Policy> {
    const policy = isUuid(policyId) ? await this.d.policies.get(policyId, ex) : undefined;
    if (!policy || policy.projectId !== caller.projectId) throw new NotFound('policy', policyId, `backup policy ${policyId} does not exist in this project`);
    return policy;
  }

  /** Runs the policy now (whatever its status); refused while a run of it is in progress. */
  async executeNow(caller: Caller, policyId: string): Promise<PolicyRun> {
    const found = await this.ownPolicy(caller, policyId);
    const run = await this.d.db.transaction().execute(async (tx) => {
      // The lock is the transaction's first statement: a write, so SQLite takes its write lock at once.
      await this.d.runs.lock(found.id, initialCursor(found), tx);
      const policy = await this.ownPolicy(caller, policyId, tx);
      const active = await this.d.runs.activeRun(policy.id, tx);
      if (active) {
        throw new Conflict(`a run of policy ${policy.id} started at ${active.createdAt.toISOString()} is in progress`, 'policy.running');
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
    const job = await this.d.jobs.create({ projectId: policy.projectId, type: POLICY_RUN_JOB, payload: { ...payload }, entities: { policy_id: policy.id }, maxAttempts: TAKEOVER_ATTEMPTS }, tx);
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

  /** The policy's tasks that meet the query, and how many meet it in all. */
  async listTasks(caller: Caller, policyId: string, query: TaskQuery): Promise<{ count: number; tasks: PolicyTask[] }> {
    const policy = await this.ownPolicy(caller, policyId);
    const { markerId, ...page } = query;
    if (markerId === undefined) return this.d.runs.listTasks(policy.id, page);
    const marker = await this.d.runs.getTask(policy.id, markerId);
    if (!marker) throw new InvalidInput(`marker ${markerId} is not a task of backup policy ${policy.id}`);
    return this.d.runs.listTasks(policy.id, { ...page, marker });
  }
}
