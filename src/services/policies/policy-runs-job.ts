/**
 * The job of one policy run: a backup of every associated volume (each a sub-job), one task per
 * volume that follows its backup job, then the policy's retention on each of those volumes.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../common/clock.js';
import { noEvents, type OpsEvents } from '../../common/ops-events.js';
import type { Db } from '../../db/connect.js';
import type { Job, JobRepository } from '../../jobs/job-repository.js';
import { JobFailure, type JobHandler, type JobRunner } from '../../jobs/job-runner.js';
import type { BackupService } from '../backups/backup-service.js';
import type { Caller } from '../common/caller.js';
import { DomainError, LimitExceeded, QuotaExceeded, type Rule } from '../common/errors.js';
import type { Policy, PolicyRepository } from './policy-repository.js';
import { FINAL_TASK_STATUSES, newTask, type PolicyRun, type PolicyRunRepository, type PolicyTask, type TaskStatus } from './policy-runs-repository.js';
import { backupsToPrune, retentionOf } from './retention.js';

export const POLICY_RUN_JOB = 'bksPolicyRun';

/** Refusals that mean "the volume is busy now": the task is skipped, not failed. */
const BUSY: ReadonlySet<Rule | undefined> = new Set<Rule>(['backup.volume-not-backupable', 'backup.volume-busy']);

/** Backup quota refusals: a policy run reports them under a rule of its own. */
function asRunFailure(err: DomainError): DomainError {
  const quota = err instanceof QuotaExceeded && (err.resource === 'backups' || err.resource === 'backup_gigabytes');
  return quota ? new LimitExceeded(`Backup number quota is not enough (${err.message})`, 'policy.backup-quota') : err;
}

export interface PolicyRunJobDeps {
  db: Db;
  runs: PolicyRunRepository;
  policies: PolicyRepository;
  jobs: JobRepository;
  backupService: BackupService;
  clock: Clock;
  /** A backup job not finished this long after its task began is EXECUTE_TIMEOUT (injected clock). */
  taskTimeoutMs: number;
  /** How often a run looks at its backup jobs (real time). */
  pollMs: number;
  /** The code a task records for a failure: the same mapping as jobs'. */
  codeOf: (failure: DomainError) => string;
  /** Told each run's end: its slot, volumes and task outcomes. */
  events?: OpsEvents;
}

export interface RunPayload {
  runId: string;
}

/** Policy runs act as the policy's project; no user is behind them. */
export function policyCaller(policy: Pick<Policy, 'projectId'>): Caller {
  return { projectId: policy.projectId, userId: null, admin: false };
}

export function autoBackupName(): string {
  return `autobk_${randomBytes(2).toString('hex')}`;
}

function taskStatusOf(job: Job | undefined): TaskStatus {
  if (!job) return 'EXECUTE_FAIL';
  return ({ INIT: 'WAITING', RUNNING: 'RUNNING', SUCCESS: 'EXECUTE_SUCCESS', FAIL: 'EXECUTE_FAIL' } as const)[job.status];
}

function isFinal(status: TaskStatus): boolean {
  return FINAL_TASK_STATUSES.includes(status);
}

export function registerPolicyRunJob(runner: JobRunner, d: PolicyRunJobDeps): void {
  /** Starts the backup of one volume and records its task. */
  async function backUpVolume(policy: Policy, run: PolicyRun, runJobId: string, volumeId: string): Promise<void> {
    const task = newTask(run, volumeId, d.clock.now(), { backupName: autoBackupName(), vbsJobId: runJobId });
    await d.runs.insertTask(task);
    try {
      const { backup, job } = await d.backupService.create(
        policyCaller(policy),
        { volumeId, snapshotId: null, name: task.backupName, description: null, container: null, force: true, metadata: {}, tags: [], availabilityZone: null },
        { policyId: policy.id },
      );
      await d.runs.adoptJob(job.id, runJobId);
      await d.runs.updateTask(task.id, { backupId: backup.id, backupJobId: job.id });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const status: TaskStatus = BUSY.has(err.rule) ? 'SKIP' : 'EXECUTE_FAIL';
      const failure = asRunFailure(err);
      const code = d.codeOf(failure);
      await d.runs.moveTask(task.id, task.status, status, { message: `${code}: ${failure.message}`, code, finishedAt: d.clock.now() });
    }
  }

  /** Brings each open task up to date with its backup job; true when every task is final. */
  async function follow(tasks: PolicyTask[]): Promise<boolean> {
    let open = 0;
    const now = d.clock.now();
    for (const task of tasks) {
      if (isFinal(task.status)) continue;
      const job = task.backupJobId ? await d.jobs.get(task.backupJobId) : undefined;
      let status = taskStatusOf(job);
      let message = job?.failReason ?? (job ? null : 'the run stopped before the backup was queued');
      let code = job?.errorCode ?? null;
      let finishedAt = job?.endTime ?? now;
      if (!isFinal(status) && now.getTime() - task.createdAt.getTime() >= d.taskTimeoutMs) {
        status = 'EXECUTE_TIMEOUT';
        message = `the backup did not finish within ${Math.round(d.taskTimeoutMs / 60_000)} minutes`;
        code = null;
        finishedAt = now;
      }
      if (isFinal(status)) await d.runs.moveTask(task.id, task.status, status, { message, code, finishedAt });
      else {
        open++;
        if (status !== task.status) await d.runs.moveTask(task.id, task.status, status);
      }
    }
    return open === 0;
  }

  async function applyRetention(policy: Policy, volumeIds: string[], runJobId: string): Promise<void> {
    const rule = retentionOf(policy);
    for (const volumeId of volumeIds) {
      const rows = await d.db
        .selectFrom('backups')
        .select(['id', 'created_at'])
        .where('policy_id', '=', policy.id)
        .where('volume_id', '=', volumeId)
        .where('status', '=', 'available')
        .execute();
      const prune = backupsToPrune(rows.map((r) => ({ id: r.id, createdAt: new Date(r.created_at) })), rule, d.clock.now());
      for (const b of prune) {
        try {
          const job = await d.backupService.delete(policyCaller(policy), b.id);
          await d.runs.adoptJob(job.id, runJobId);
        } catch (err) {
          // A backup being restored right now is pruned by a later run.
          if (!(err instanceof DomainError)) throw err;
        }
      }
    }
  }

  /** Tells the run's end: how each volume's task ended. */
  function tellRun(policy: Policy, run: PolicyRun, tasks: PolicyTask[], failed: number): void {
    const byStatus: Record<string, number> = {};
    for (const t of tasks) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
    (d.events ?? noEvents).emit({
      event: 'policy.run',
      policy_id: policy.id,
      project_id: policy.projectId,
      run_id: run.id,
      slot: run.slot,
      volumes: new Set(tasks.map((t) => t.resourceId)).size,
      tasks: byStatus,
      outcome: failed > 0 ? 'FAIL' : 'SUCCESS',
    });
  }

  const handler: JobHandler = {
    async run({ job, signal, report }) {
      const { runId } = job.payload as unknown as RunPayload;
      const run = await d.runs.getRun(runId);
      if (!run || run.status !== 'RUNNING') return { run_id: runId };
      const policy = await d.policies.get(run.policyId);
      if (!policy) {
        await d.runs.finishRun(run.id, d.clock.now());
        return { run_id: runId };
      }
      // A retried run keeps the tasks it already made.
      const started = new Set((await d.runs.tasksOfRun(run.id)).map((t) => t.resourceId));
      for (const volumeId of await d.policies.volumeIds(policy.id)) {
        if (signal.aborted) throw signal.reason;
        if (!started.has(volumeId)) await backUpVolume(policy, run, job.id, volumeId);
      }
      let tasks = await d.runs.tasksOfRun(run.id);
      while (!(await follow(tasks))) {
        await sleep(d.pollMs, undefined, { signal });
        tasks = await d.runs.tasksOfRun(run.id);
      }
      tasks = await d.runs.tasksOfRun(run.id);
      await applyRetention(policy, [...new Set(tasks.map((t) => t.resourceId))], job.id);
      await d.runs.finishRun(run.id, d.clock.now());
      const failed = tasks.filter((t) => t.status === 'EXECUTE_FAIL' || t.status === 'EXECUTE_TIMEOUT');
      tellRun(policy, run, tasks, failed.length);
      report({ policy_id: policy.id, run_id: run.id, slot: run.slot, volumes: tasks.length });
      if (failed.length > 0) {
        const quotaCode = d.codeOf(new LimitExceeded('', 'policy.backup-quota'));
        const quota = failed.some((t) => t.code === quotaCode);
        throw new JobFailure(
          quota ? 'policy.backup-quota' : 'backup.create-failed',
          `${quota ? 'Backup number quota is not enough' : 'fsp cinder or ebackup create backup exception'}: ${failed.length} of ${tasks.length} volumes were not backed up (${failed.map((t) => `${t.resourceId}: ${t.status}`).join(', ')})`,
        );
      }
      return { policy_id: policy.id, run_id: run.id };
    },
    onAbandoned: (job: Job) => closeRun(d, (job.payload as unknown as RunPayload).runId),
  };
  runner.register(POLICY_RUN_JOB, handler);
}

/**
 * Closes a run whose job ended without it (its process died): a task whose backup job finished
 * takes that outcome, the others failed with the run.
 */
export async function closeRun(d: Pick<PolicyRunJobDeps, 'runs' | 'clock' | 'jobs'>, runId: string): Promise<void> {
  const now = d.clock.now();
  for (const task of await d.runs.tasksOfRun(runId)) {
    if (isFinal(task.status)) continue;
    const job = task.backupJobId ? await d.jobs.get(task.backupJobId) : undefined;
    const status = taskStatusOf(job);
    if (job && isFinal(status)) await d.runs.moveTask(task.id, task.status, status, { message: job.failReason, code: job.errorCode, finishedAt: job.endTime ?? now });
    else await d.runs.moveTask(task.id, task.status, 'EXECUTE_FAIL', { message: 'the policy run was interrupted', finishedAt: now });
  }
  await d.runs.finishRun(runId, now);
}
