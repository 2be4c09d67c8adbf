import type { Clock } from '../../common/clock.js';
import type { OpsEvents } from '../../common/ops-events.js';
import type { Db } from '../../db/connect.js';
import { JobRunner } from '../../jobs/job-runner.js';
import type { DomainError } from '../common/errors.js';
import type { BackupService } from '../backups/backup-service.js';
import { PolicyRepository } from './policy-repository.js';
import { registerPolicyRunJob } from './policy-runs-job.js';
import { PolicyRunRepository } from './policy-runs-repository.js';
import { PolicyRunService } from './policy-runs-service.js';
import { PolicyScheduler, RunJobRepository, type SchedulerLog } from './scheduler.js';

export interface PolicySchedulingOptions {
  db: Db;
  clock: Clock;
  backupService: BackupService;
  leaseMs: number;
  log?: SchedulerLog;
  /** Runs in progress at once per process: each mostly waits for its backup jobs. */
  runWorkers?: number;
  taskTimeoutMs?: number;
  /** The code a run's job or task records for a domain failure. */
  codeOf: (failure: DomainError) => string;
  /** Told policy runs and skipped slots, and the run jobs' starts and ends. */
  events?: OpsEvents;
}

export interface PolicyScheduling {
  policyRuns: PolicyRunService;
  policyRunRecords: PolicyRunRepository;
  scheduler: PolicyScheduler;
  /** The workers of policy runs; the scheduler starts and stops them. */
  runRunner: JobRunner;
}

const TWELVE_HOURS = 12 * 3600_000;

/**
 * Policy runs get workers of their own: a run waits for its volumes' backup jobs, and would
 * starve them if it took one of the backup workers.
 */
export function createPolicyScheduling(o: PolicySchedulingOptions): PolicyScheduling {
  const policies = new PolicyRepository(o.db);
  const runs = new PolicyRunRepository(o.db);
  const runJobs = new RunJobRepository(o.db, o.clock);
  const runRunner = new JobRunner(runJobs, { workers: o.runWorkers ?? 16, leaseMs: o.leaseMs, pollMs: 250, log: o.log, codeOf: o.codeOf, events: o.events });
  const policyRuns = new PolicyRunService({ db: o.db, runs, policies, jobs: runJobs, clock: o.clock, kick: () => runRunner.kick() });
  registerPolicyRunJob(runRunner, {
    db: o.db,
    runs,
    policies,
    jobs: runJobs,
    backupService: o.backupService,
    clock: o.clock,
    taskTimeoutMs: o.taskTimeoutMs ?? TWELVE_HOURS,
    pollMs: 250,
    codeOf: o.codeOf,
    events: o.events,
  });
  const scheduler = new PolicyScheduler({ db: o.db, clock: o.clock, policies, runs, service: policyRuns, jobs: runJobs, runner: runRunner, log: o.log, events: o.events });
  return { policyRuns, policyRunRecords: runs, scheduler, runRunner };
}
