import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { noEvents, type JobDetails, type OpsEvents } from '../common/ops-events.js';
import { DomainError, OperationFailed, type Rule } from '../services/common/errors.js';
import type { Job, JobRepository } from './job-repository.js';

/** Thrown by a handler to fail its job under a rule (the mapping gives its code) with a reason the user reads. */
export class JobFailure extends OperationFailed {
  constructor(rule: Rule, reason: string) {
    super(reason, rule);
  }
}

export interface JobContext {
  job: Job;
  /** Aborted when the lease is lost or the runner stops: stop work, the job is not yours. */
  signal: AbortSignal;
  setEntities(entities: Record<string, unknown>): Promise<void>;
  /**
   * How far the job has come (0-100), for kinds that report it: written to the job's record at
   * most about once a second (and at 100), so a handler may call it as often as it likes.
   */
  progress(percent: number): void;
  /** Facts of this run for its end (or failure) event: bytes moved, what it made. */
  report(details: JobDetails): void;
}

export interface JobHandler {
  /** Does the work; the entities it returns are merged into the job's on success. */
  run(ctx: JobContext): Promise<Record<string, unknown> | void>;
  /** Puts the job's records right after it failed without its handler finishing (a crash). */
  onAbandoned?(job: Job): Promise<void>;
  /**
   * The rule of this kind of job's failures that its handler did not report: an unexpected
   * error, or a worker that stopped (default job.failed).
   */
  failureRule?: Rule;
  /** This kind reports progress: it shows 0 once claimed and 100 on success (null otherwise). */
  reportsProgress?: boolean;
}

export interface RunnerOptions {
  workers: number;
  leaseMs?: number;
  pollMs?: number;
  log?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** The code a job's record keeps for a domain failure: the HTTP layer's mapping, given by the composition root. */
  codeOf: (failure: DomainError) => string;
  /** Told every job's start, end and failure (the log and the metrics observe them). */
  events?: OpsEvents;
  /** This node's name, in every job event and in the owner of its leases (default: the host name). */
  node?: string;
}

/** Progress is written at most this often (and at 100): a job's record is not a progress bar's every tick. */
const PROGRESS_WRITE_MS = 1000;

const silent = { error: () => undefined, warn: () => undefined };

/** How long a stop waits, after aborting what did not finish in its drain, for handlers to put their work away. */
const UNWIND_MS = 15_000;

/**
 * Runs queued jobs with up to `workers` at once. Each claimed job holds a lease that a
 * heartbeat renews; a process that dies leaves leases that run out, and any runner then
 * re-queues or fails those jobs (recovery), so no job stays RUNNING. A runner that stops
 * drains: it claims nothing more, lets its jobs finish for a while, and gives back to the
 * queue those that did not, for another node to run at once.
 */
export class JobRunner {
  readonly node: string;
  readonly owner: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly controllers = new Set<AbortController>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly log: NonNullable<RunnerOptions['log']>;
  private readonly events: OpsEvents;
  private timer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private lastRecovery = 0;
  private stopped = true;
  private polling = false;
  /** A kick came while a poll ran: that poll may have looked before the new job was there. */
  private kickedWhilePolling = false;
  /** When the poll loop last came round: a loop that stopped coming round has died or hangs. */
  private lastPollAt = 0;

  constructor(
    private readonly repo: JobRepository,
    private readonly options: RunnerOptions,
  ) {
    this.node = options.node ?? hostname();
    this.owner = `${this.node}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 500;
    this.log = options.log ?? silent;
    this.events = options.events ?? noEvents;
  }

  register(type: string, handler: JobHandler): void {
    this.handlers.set(type, handler);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.draining = undefined;
    this.lastPollAt = Date.now();
    this.schedule(0);
  }

  /** Whether the workers run: started, not stopped, and polling (for readiness). */
  health(): { running: boolean; workers: number; quietMs: number } {
    return { running: !this.stopped, workers: this.options.workers, quietMs: Date.now() - this.lastPollAt };
  }

  /**
   * Asks for a poll now, e.g. right after a job was queued: a new job is claimed at once, not
   * at the next poll. A poll under way may have looked before the job was committed, so a kick
   * during it makes another poll follow at once.
   */
  kick(): void {
    if (this.stopped) return;
    if (this.polling) this.kickedWhilePolling = true;
    else this.schedule(0);
  }

  /**
   * Drains: stops claiming, waits up to `drainMs` for the running jobs, then tells the rest to
   * stop and gives each back to the queue once its handler has put its work away (a backup
   * removes what it wrote, a restore its unfinished image), so that another node takes it over
   * at once. A handler that does not return in time keeps its lease until it runs out.
   */
  stop(drainMs = 10_000): Promise<void> {
    // A second stop (the service's close after the signal's drain) waits for the first.
    this.draining ??= this.drain(drainMs);
    return this.draining;
  }

  private async drain(drainMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const all = Promise.allSettled([...this.running.values()]);
    const within = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
    const finished = await Promise.race([all.then(() => true), within(drainMs)]);
    if (finished) return;
    for (const c of this.controllers) c.abort(new Error('the service is stopping'));
    await Promise.race([all, within(UNWIND_MS)]);
  }

  private failureCode(type: string): string {
    return this.options.codeOf(new JobFailure(this.handlers.get(type)?.failureRule ?? 'job.failed', 'the job failed'));
  }

  /** Runs recovery now; for start-up and tests. */
  async recover(): Promise<void> {
    this.recovering ??= (async () => {
      try {
        const { failed } = await this.repo.recoverExpired((type) => this.failureCode(type));
        for (const job of failed) {
          // Its worker's end was never seen: the failure is known only now, its duration not at all.
          this.emitFail(job, null, job.errorCode ?? this.failureCode(job.type), job.failReason ?? 'interrupted', {});
          await this.handlers.get(job.type)?.onAbandoned?.(job).catch((err: unknown) => {
            this.log.error({ err, job: job.id }, 'could not put an abandoned job\'s records right');
          });
        }
      } finally {
        this.recovering = undefined;
        this.lastRecovery = Date.now();
      }
    })();
    return this.recovering;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    this.kickedWhilePolling = false;
    try {
      if (Date.now() - this.lastRecovery > Math.min(10_000, this.leaseMs / 3)) await this.recover();
      while (!this.stopped && this.running.size < this.options.workers) {
        const job = await this.repo.claim(this.owner, [...this.handlers.keys()], this.leaseMs, (type) => !!this.handlers.get(type)?.reportsProgress);
        if (!job) break;
        const done = this.execute(job).finally(() => {
          this.running.delete(job.id);
          this.kick();
        });
        this.running.set(job.id, done);
      }
    } catch (err) {
      this.log.error({ err }, 'job poll failed');
    } finally {
      this.polling = false;
      this.lastPollAt = Date.now();
      this.schedule(this.kickedWhilePolling ? 0 : this.pollMs);
    }
  }

  private jobFields(job: Job) {
    return { kind: job.type, job_id: job.id, project_id: job.projectId, entities: job.entities, node: this.node };
  }

  private emitFail(job: Job, durationMs: number | null, errorCode: string, reason: string, details: JobDetails): void {
    this.events.emit({ event: 'job.fail', ...this.jobFields(job), outcome: 'FAIL', duration_ms: durationMs, error_code: errorCode, reason, details });
  }

  /**
   * The handler's progress reports, written in order and throttled: at once when a second has
   * passed since the last write (or at 100), else the latest is written when the second is up.
   * `settled` cancels what is still to come and waits for the writes under way.
   */
  private progressWriter(job: Job) {
    let lastAt = 0;
    let written = -1;
    let latest = -1;
    let trailing: NodeJS.Timeout | undefined;
    let writes: Promise<unknown> = Promise.resolve();
    const write = () => {
      trailing = undefined;
      if (latest === written) return;
      const p = latest;
      lastAt = Date.now();
      written = p;
      writes = writes
        .then(() => this.repo.setProgress(job.id, this.owner, p))
        .catch((err: unknown) => this.log.warn({ err, job: job.id }, 'job progress write failed'));
    };
    return {
      report: (percent: number) => {
        latest = Math.max(0, Math.min(100, Math.floor(percent)));
        const wait = lastAt + PROGRESS_WRITE_MS - Date.now();
        if (latest === 100 || wait <= 0) {
          clearTimeout(trailing);
          write();
        } else trailing ??= setTimeout(write, wait).unref();
      },
      settled: () => {
        clearTimeout(trailing);
        return writes;
      },
    };
  }

  private async execute(job: Job): Promise<void> {
    const handler = this.handlers.get(job.type);
    if (!handler) return;
    const controller = new AbortController();
    this.controllers.add(controller);
    const beat = setInterval(() => {
      void this.repo.heartbeat(job.id, this.owner, this.leaseMs).then(
        (ok) => {
          if (!ok) controller.abort(new Error('the job lease was lost'));
        },
        (err: unknown) => this.log.warn({ err, job: job.id }, 'job heartbeat failed'),
      );
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    beat.unref();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const details: JobDetails = {};
    const progress = this.progressWriter(job);
    this.events.emit({ event: 'job.start', ...this.jobFields(job), attempt: job.attempts });
    try {
      const entities = await handler.run({
        job,
        signal: controller.signal,
        setEntities: async (e) => {
          await this.repo.updateEntities(job.id, this.owner, e);
        },
        progress: (percent) => {
          if (handler.reportsProgress) progress.report(percent);
        },
        report: (facts) => Object.assign(details, facts),
      });
      await progress.settled();
      const done = await this.repo.succeed(job.id, this.owner, entities ?? {}, handler.reportsProgress ? 100 : undefined);
      if (done) this.events.emit({ event: 'job.end', ...this.jobFields(job), entities: { ...job.entities, ...entities }, outcome: 'SUCCESS', duration_ms: elapsed(), details });
    } catch (err) {
      await progress.settled();
      if (err instanceof DomainError) {
        const code = this.options.codeOf(err);
        if (await this.repo.fail(job.id, this.owner, code, err.message)) this.emitFail(job, elapsed(), code, err.message, details);
      } else if (!controller.signal.aborted || !this.stopped) {
        this.log.error({ err, job: job.id }, 'job failed unexpectedly');
        const code = this.failureCode(job.type);
        const reason = `internal error: ${(err as Error)?.message ?? String(err)}`;
        if (await this.repo.fail(job.id, this.owner, code, reason)) this.emitFail(job, elapsed(), code, reason, details);
      }
      else if (await this.repo.release(job.id, this.owner).catch(() => false)) {
        this.events.emit({ event: 'job.release', ...this.jobFields(job), duration_ms: elapsed() });
      }
    } finally {
      clearInterval(beat);
      this.controllers.delete(controller);
    }
  }
}
