import type { ExpressionBuilder, UpdateObject } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Database, JobTable } from '../db/schema.js';
import type { Clock } from '../common/clock.js';
import { newHexId } from '../common/ids.js';
import { JOB_MACHINE, type JobStatus } from './job-state.js';

export interface Job {
  id: string;
  projectId: string;
  type: string;
  status: JobStatus;
  parentId: string | null;
  payload: Record<string, unknown>;
  entities: Record<string, unknown>;
  errorCode: string | null;
  failReason: string | null;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  beginTime: Date | null;
  endTime: Date | null;
  /** 0-100 for the kinds that report progress, once they have started; null otherwise. */
  progress: number | null;
}

export interface NewJob {
  projectId: string;
  type: string;
  payload?: Record<string, unknown>;
  entities?: Record<string, unknown>;
  parentId?: string;
  /** Attempts allowed when a lease runs out; 1 = an interrupted run fails instead of retrying. */
  maxAttempts?: number;
  runAfter?: Date;
}

/**
 * Runs of a job whose handler can start over: a worker that dies leaves the job to any node
 * after its lease, which runs it again from the start, up to this many runs in all.
 */
export const TAKEOVER_ATTEMPTS = 3;

type Executor = Pick<Db, 'insertInto' | 'selectFrom' | 'updateTable'>;

/** Columns written together with a job's status (values, or expressions of the row's columns). */
export type JobChanges = Omit<UpdateObject<Database, 'jobs'>, 'status'> & { status?: never };

/** Further conditions of a status change: the job is still this worker's, or its lease is still the one that ran out. */
export interface JobFence {
  leaseOwner?: string;
  leaseExpiresAt?: string | null;
}

function toJob(row: JobTable): Job {
  return {
    id: row.id,
    projectId: row.project_id,
    type: row.job_type,
    status: row.status as JobStatus,
    parentId: row.parent_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    entities: JSON.parse(row.entities) as Record<string, unknown>,
    errorCode: row.error_code,
    failReason: row.fail_reason,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at ? new Date(row.lease_expires_at) : null,
    createdAt: new Date(row.created_at),
    beginTime: row.begin_time ? new Date(row.begin_time) : null,
    endTime: row.end_time ? new Date(row.end_time) : null,
    progress: row.progress ?? null,
  };
}

/**
 * Durable job records. Every change of a running job is fenced by its lease owner, so a worker
 * whose lease was taken over can no longer write the job's outcome.
 */
export class JobRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Inserts a job in INIT; pass a transaction to create it together with the records it acts on. */
  async create(job: NewJob, executor: Executor = this.db): Promise<Job> {
    const now = this.clock.now().toISOString();
    const row: JobTable = {
      id: newHexId(),
      project_id: job.projectId,
      job_type: job.type,
      status: 'INIT',
      parent_id: job.parentId ?? null,
      payload: JSON.stringify(job.payload ?? {}),
      entities: JSON.stringify(job.entities ?? {}),
      error_code: null,
      fail_reason: null,
      attempts: 0,
      max_attempts: job.maxAttempts ?? 1,
      lease_owner: null,
      lease_expires_at: null,
      run_after: (job.runAfter ?? this.clock.now()).toISOString(),
      created_at: now,
      begin_time: null,
      end_time: null,
      progress: null,
    };
    await executor.insertInto('jobs').values(row).execute();
    return toJob(row);
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toJob(row);
  }

  async children(parentId: string): Promise<Job[]> {
    const rows = await this.db.selectFrom('jobs').selectAll().where('parent_id', '=', parentId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toJob);
  }

  /**
   * The one writer of a job's status: moves it to `to` (with `changes`) if its status is still one
   * of `from` and the fence holds; false otherwise. Throws IllegalTransition, writing nothing,
   * unless the job state machine allows the move from every one of `from`.
   */
  async moveJob(
    id: string,
    from: JobStatus | readonly JobStatus[],
    to: JobStatus,
    changes: JobChanges | ((eb: ExpressionBuilder<Database, 'jobs'>) => JobChanges) = {},
    fence: JobFence = {},
  ): Promise<boolean> {
    const move = JOB_MACHINE.check(from, to);
    let update = this.db
      .updateTable('jobs')
      .set((eb) => ({ ...(typeof changes === 'function' ? changes(eb) : changes), status: move.to }))
      .where('id', '=', id)
      .where('status', 'in', move.from);
    if (fence.leaseOwner !== undefined) update = update.where('lease_owner', '=', fence.leaseOwner);
    if (fence.leaseExpiresAt !== undefined) update = update.where('lease_expires_at', '=', fence.leaseExpiresAt);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Takes the oldest runnable job of the given types for `owner`. The conditional update is the
   * claim: of several processes racing for one job exactly one sees its row updated.
   * `reportsProgress`: whether a kind reports progress (its job then shows 0 once claimed).
   */
  async claim(owner: string, types: readonly string[], leaseMs: number, reportsProgress: (type: string) => boolean = () => false): Promise<Job | undefined> {
    if (types.length === 0) return undefined;
    for (let tries = 0; tries < 5; tries++) {
      const now = this.clock.now();
      const candidate = await this.db
        .selectFrom('jobs')
        .select(['id', 'job_type'])
        .where('status', '=', 'INIT')
        .where('run_after', '<=', now.toISOString())
        .where('job_type', 'in', types)
        .orderBy('run_after')
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return undefined;
      const claimed = await this.moveJob(candidate.id, 'INIT', 'RUNNING', (eb) => ({
        lease_owner: owner,
        lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(),
        attempts: eb('attempts', '+', 1),
        begin_time: eb.fn.coalesce('begin_time', eb.val(now.toISOString())),
        // A kind that reports progress shows 0 from its start (again from 0 when a retry starts over).
        progress: reportsProgress(candidate.job_type) ? 0 : null,
      }));
      if (claimed) return this.get(candidate.id);
    }
    return undefined;
  }

  /** Extends the lease; false when the job is no longer this owner's. */
  async heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_expires_at: new Date(this.clock.now().getTime() + leaseMs).toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'RUNNING')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Gives a running job back to the queue (a node draining for a stop): any node may claim it at
   * once, without waiting for the lease to run out. The attempt is not counted, since the job
   * did not fail; fenced like every write.
   */
  async release(id: string, owner: string): Promise<boolean> {
    return this.moveJob(id, 'RUNNING', 'INIT', (eb) => ({ lease_owner: null, lease_expires_at: null, attempts: eb('attempts', '-', 1) }), { leaseOwner: owner });
  }

  /** Merges entities into a job (e.g. the backup id once known); fenced like every write. */
  async updateEntities(id: string, owner: string, entities: Record<string, unknown>): Promise<boolean> {
    const job = await this.get(id);
    if (!job || job.leaseOwner !== owner || job.status !== 'RUNNING') return false;
    const result = await this.db
      .updateTable('jobs')
      .set({ entities: JSON.stringify({ ...job.entities, ...entities }) })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Records how far a running job has come (0-100); fenced like every write. */
  async setProgress(id: string, owner: string, percent: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ progress: percent })
      .where('id', '=', id)
      .where('status', '=', 'RUNNING')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** `progress`: 100 for a kind that reports progress, so a job that ends shows it complete. */
  async succeed(id: string, owner: string, entities: Record<string, unknown> = {}, progress?: number): Promise<boolean> {
    return this.finish(id, owner, 'SUCCESS', entities, null, null, progress);
  }

  async fail(id: string, owner: string, errorCode: string, reason: string, entities: Record<string, unknown> = {}): Promise<boolean> {
    return this.finish(id, owner, 'FAIL', entities, errorCode, reason);
  }

  /** Fails a job that never started (e.g. its parent was cancelled). */
  async failQueued(id: string, errorCode: string, reason: string): Promise<boolean> {
    return this.moveJob(id, 'INIT', 'FAIL', { error_code: errorCode, fail_reason: reason, end_time: this.clock.now().toISOString() });
  }

  private async finish(
    id: string,
    owner: string,
    status: 'SUCCESS' | 'FAIL',
    entities: Record<string, unknown>,
    errorCode: string | null,
    reason: string | null,
    progress?: number,
  ): Promise<boolean> {
    const job = await this.get(id);
    if (!job || job.leaseOwner !== owner || job.status !== 'RUNNING') return false;
    return this.moveJob(
      id,
      'RUNNING',
      status,
      {
        entities: JSON.stringify({ ...job.entities, ...entities }),
        error_code: errorCode,
        fail_reason: reason,
        end_time: this.clock.now().toISOString(),
        lease_owner: null,
        lease_expires_at: null,
        ...(progress === undefined ? {} : { progress }),
      },
      { leaseOwner: owner },
    );
  }

  /**
   * Jobs whose lease ran out (their worker died or hung): back to INIT while attempts remain,
   * otherwise FAIL with the reason. Returns the jobs it failed, so their owners' records can be
   * put right (e.g. a backup left `creating`).
   */
  async recoverExpired(failureCode: (type: string) => string): Promise<{ requeued: Job[]; failed: Job[] }> {
    const now = this.clock.now().toISOString();
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', '=', 'RUNNING')
      .where('lease_expires_at', '<', now)
      .execute();
    const requeued: Job[] = [];
    const failed: Job[] = [];
    for (const row of rows) {
      const retry = row.attempts < row.max_attempts;
      const fence = { leaseExpiresAt: row.lease_expires_at };
      const moved = retry
        ? await this.moveJob(row.id, 'RUNNING', 'INIT', { lease_owner: null, lease_expires_at: null }, fence)
        : await this.moveJob(
            row.id,
            'RUNNING',
            'FAIL',
            {
              error_code: failureCode(row.job_type),
              fail_reason: `the job was interrupted (its worker stopped after ${row.attempts} attempt${row.attempts === 1 ? '' : 's'}); submit it again`,
              end_time: now,
              lease_owner: null,
              lease_expires_at: null,
            },
            fence,
          );
      if (!moved) continue;
      const job = await this.get(row.id);
      if (job) (retry ? requeued : failed).push(job);
    }
    return { requeued, failed };
  }
}
