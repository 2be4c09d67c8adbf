/**
 * Runs every ON backup policy at its slots. Each tick looks at the slots since the policy's
 * cursor: the newest runs (late after a downtime: the catch-up run), older ones are recorded as
 * skipped. Claiming slots and moving the cursor happen under the policy's lock in one
 * transaction, so processes sharing a database never run one slot twice.
 */
import type { Clock } from '../../common/clock.js';
import { noEvents, type OpsEvents } from '../../common/ops-events.js';
import type { Db } from '../../db/connect.js';
import { JobRepository } from '../../jobs/job-repository.js';
import { JobRunner } from '../../jobs/job-runner.js';
import type { Policy, PolicyRepository } from './policy-repository.js';
import { closeRun } from './policy-runs-job.js';
import type { PolicyRunRepository } from './policy-runs-repository.js';
import { initialCursor, type PolicyRunService } from './policy-runs-service.js';
import { scheduleOf, slotsBetween } from './schedule.js';

/** After a long downtime only this many missed slots per policy are recorded one by one. */
export const MAX_MISSED_SLOTS = 100;
/** How far behind "now" the cursor of a policy with nothing due may fall before it is moved. */
const CURSOR_LAG_MS = 60_000;

export interface SchedulerLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  policies: PolicyRepository;
  runs: PolicyRunRepository;
  service: PolicyRunService;
  jobs: JobRepository;
  /** Runs the policy-run jobs (and only them). */
  runner: JobRunner;
  /** Real time between ticks. */
  tickMs?: number;
  log?: SchedulerLog;
  /** Told each run begun and each slot skipped. */
  events?: OpsEvents;
}

/**
 * Job records for the policy-run workers. Recovery of expired leases is left to the main job
 * runner, which knows the handlers that put abandoned backups right.
 */
export class RunJobRepository extends JobRepository {
  override async recoverExpired(): Promise<{ requeued: never[]; failed: never[] }> {
    return { requeued: [], failed: [] };
  }
}

const silent: SchedulerLog = { error: () => undefined, warn: () => undefined };

export class PolicyScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = true;
  private readonly tickMs: number;
  private readonly log: SchedulerLog;

  constructor(private readonly d: SchedulerDeps) {
    this.tickMs = d.tickMs ?? 1000;
    this.log = d.log ?? silent;
  }

  /** Starts ticking and the policy-run workers. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.d.runner.start();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking.catch(() => undefined);
    // A run mostly waits for backup jobs; cut short, its job is taken up again after its lease.
    await this.d.runner.stop(1000);
  }

  /** One pass over every policy at the clock's "now"; ticks never overlap within a process. */
  tick(): Promise<void> {
    const next = this.ticking.catch(() => undefined).then(() => this.pass());
    this.ticking = next;
    return next;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick()
        .catch((err: unknown) => this.log.error({ err }, 'policy scheduling failed'))
        .finally(() => this.schedule(this.tickMs));
    }, ms);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const now = this.d.clock.now();
    for (const run of await this.d.runs.orphanedRuns()) await closeRun(this.d, run.id);
    const cursors = await this.d.runs.cursors();
    const due: string[] = [];
    let started = false;
    for (const policy of await this.d.policies.listEnabled()) {
      const cursor = cursors.get(policy.id);
      // Most ticks have nothing due: decide that without a transaction.
      if (cursor && slotsBetween(scheduleOf(policy), cursor, now).length === 0) continue;
      due.push(policy.id);
      try {
        started = (await this.claim(policy, now)) || started;
      } catch (err) {
        this.log.error({ err, policy: policy.id }, 'could not start a backup policy run');
      }
    }
    // Every other policy had no slot up to "now", whatever its cursor says.
    await this.d.runs.advanceIdle(now, due, CURSOR_LAG_MS);
    if (started) this.d.runner.kick();
  }

  /** Handles the policy's due slots under its lock; true when a run was started. */
  private async claim(policy: Policy, now: Date): Promise<boolean> {
    const claimed = await this.d.db.transaction().execute(async (tx) => {
      const cursor = await this.d.runs.lock(policy.id, initialCursor(policy), tx);
      const due = slotsBetween(scheduleOf(policy), cursor, now);
      if (due.length === 0) return undefined;
      const newest = due[due.length - 1];
      const missed = due.slice(0, -1);
      if (missed.length > MAX_MISSED_SLOTS) {
        this.log.warn({ policy: policy.id, missed: missed.length }, 'many backup policy slots were missed; recording the newest only');
      }
      const recorded = missed.slice(-MAX_MISSED_SLOTS);
      for (const slot of recorded) {
        await this.d.service.skipSlot(policy, slot, `missed: the service was not running at ${slot.toISOString()}`, tx);
      }
      const active = await this.d.runs.activeRun(policy.id, tx);
      let started = false;
      if (active) {
        await this.d.service.skipSlot(policy, newest, `skipped: the run started at ${active.createdAt.toISOString()} was still in progress`, tx);
      } else {
        await this.d.service.beginRun(policy, newest.toISOString(), tx);
        started = true;
      }
      await this.d.runs.advance(policy.id, now, tx);
      return { started, recorded, missed: missed.length, newest, busy: !!active };
    });
    if (!claimed) return false;
    // Told once the transaction holds: a slot rolled back was neither run nor skipped.
    this.tellSlots(policy, now, claimed);
    return claimed.started;
  }

  private tellSlots(policy: Policy, now: Date, o: { started: boolean; recorded: Date[]; missed: number; newest: Date; busy: boolean }): void {
    const events = this.d.events ?? noEvents;
    const slots = (reason: 'missed' | 'previous-run-in-progress', list: Date[]) =>
      events.emit({
        event: 'policy.skip',
        policy_id: policy.id,
        project_id: policy.projectId,
        slots: reason === 'missed' ? o.missed : list.length,
        first_slot: list[0]!.toISOString(),
        last_slot: list[list.length - 1]!.toISOString(),
        reason,
      });
    if (o.recorded.length > 0) slots('missed', o.recorded);
    if (o.busy) slots('previous-run-in-progress', [o.newest]);
    if (o.started) {
      const slot = o.newest.toISOString();
      events.emit({ event: 'policy.start', policy_id: policy.id, project_id: policy.projectId, slot, catch_up: now.getTime() - o.newest.getTime() > CURSOR_LAG_MS, missed: o.missed });
    }
  }
}
