import type { Kysely } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { Database, PolicyRunTable, PolicyTaskTable } from '../../db/schema.js';
import { newUuid } from '../../common/ids.js';
import { RUN_MACHINE, TASK_MACHINE, type RunStatus, type TaskStatus } from './policy-run-state.js';

export { FINAL_TASK_STATUSES, TASK_STATUSES, type RunStatus, type TaskStatus } from './policy-run-state.js';

export interface PolicyRun {
  id: string;
  policyId: string;
  projectId: string;
  slot: string;
  status: RunStatus;
  jobId: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface PolicyTask {
  id: string;
  runId: string;
  policyId: string;
  projectId: string;
  resourceId: string;
  resourceType: string;
  backupName: string | null;
  backupId: string | null;
  vbsJobId: string | null;
  backupJobId: string | null;
  status: TaskStatus;
  message: string | null;
  code: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface TaskPage {
  status?: TaskStatus;
  taskId?: string;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** Tasks after this one in the chosen order. */
  marker?: PolicyTask;
}

type Ex = Kysely<Database>;

/** Columns written together with a run's status; the status itself is moveRun's argument. */
export type RunChanges = Partial<Omit<PolicyRunTable, 'id' | 'status'>> & { status?: never };

/** The fields of a task that change without its status: its status changes through moveTask only. */
export type TaskChanges = Partial<Pick<PolicyTask, 'message' | 'code' | 'backupId' | 'backupJobId' | 'finishedAt'>> & { status?: never };

/** A new task of the run for one volume; `over` sets what is already known (name, status ...). */
export function newTask(run: Pick<PolicyRun, 'id' | 'policyId' | 'projectId'>, resourceId: string, at: Date, over: Partial<PolicyTask>): PolicyTask {
  return {
    id: newUuid(),
    runId: run.id,
    policyId: run.policyId,
    projectId: run.projectId,
    resourceId,
    resourceType: 'volume',
    backupName: null,
    backupId: null,
    vbsJobId: null,
    backupJobId: null,
    status: 'WAITING',
    message: null,
    code: null,
    createdAt: at,
    finishedAt: null,
    ...over,
  };
}

function toRun(r: PolicyRunTable): PolicyRun {
  return {
    id: r.id,
    policyId: r.policy_id,
    projectId: r.project_id,
    slot: r.slot,
    status: r.status as RunStatus,
    jobId: r.job_id,
    createdAt: new Date(r.created_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  };
}

function toTask(r: PolicyTaskTable): PolicyTask {
  return {
    id: r.id,
    runId: r.run_id,
    policyId: r.policy_id,
    projectId: r.project_id,
    resourceId: r.resource_id,
    resourceType: r.resource_type,
    backupName: r.backup_name,
    backupId: r.backup_id,
    vbsJobId: r.vbs_job_id,
    backupJobId: r.backup_job_id,
    status: r.status as TaskStatus,
    message: r.message,
    code: r.code,
    createdAt: new Date(r.created_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  };
}

function taskRow(t: PolicyTask): PolicyTaskTable {
  return {
    id: t.id,
    run_id: t.runId,
    policy_id: t.policyId,
    project_id: t.projectId,
    resource_id: t.resourceId,
    resource_type: t.resourceType,
    backup_name: t.backupName,
    backup_id: t.backupId,
    vbs_job_id: t.vbsJobId,
    backup_job_id: t.backupJobId,
    status: t.status,
    message: t.message,
    code: t.code,
    created_at: t.createdAt.toISOString(),
    finished_at: t.finishedAt?.toISOString() ?? null,
  };
}

/** The columns of the changed fields; a status is never among them. */
function taskColumns(changes: TaskChanges): Partial<PolicyTaskTable> {
  const set: Partial<PolicyTaskTable> = {};
  if (changes.message !== undefined) set.message = changes.message;
  if (changes.code !== undefined) set.code = changes.code;
  if (changes.backupId !== undefined) set.backup_id = changes.backupId;
  if (changes.backupJobId !== undefined) set.backup_job_id = changes.backupJobId;
  if (changes.finishedAt !== undefined) set.finished_at = changes.finishedAt?.toISOString() ?? null;
  return set;
}

/** Runs of policies, their tasks, and the per-policy scheduler state. */
export class PolicyRunRepository {
  constructor(private readonly db: Db) {}

  // ---- scheduler state ----

  /** Every scheduled policy's cursor: slots up to it are handled. */
  async cursors(): Promise<Map<string, Date>> {
    const rows = await this.db.selectFrom('policy_schedules').select(['policy_id', 'checked_until']).execute();
    return new Map(rows.map((r) => [r.policy_id, new Date(r.checked_until)]));
  }

  /**
   * Takes the policy's lock for the rest of the transaction (made with `initial` as its cursor
   * when new) and returns the cursor. Writing first also makes SQLite take its write lock here.
   */
  async lock(policyId: string, initial: Date, tx: Ex): Promise<Date> {
    await tx
      .insertInto('policy_schedules')
      .values({ policy_id: policyId, checked_until: initial.toISOString(), generation: 0 })
      .onConflict((oc) => oc.column('policy_id').doNothing())
      .execute();
    await tx.updateTable('policy_schedules').set((eb) => ({ generation: eb('generation', '+', 1) })).where('policy_id', '=', policyId).execute();
    const row = await tx.selectFrom('policy_schedules').select('checked_until').where('policy_id', '=', policyId).executeTakeFirstOrThrow();
    return new Date(row.checked_until);
  }

  async advance(policyId: string, to: Date, tx: Ex): Promise<void> {
    await tx.updateTable('policy_schedules').set({ checked_until: to.toISOString() }).where('policy_id', '=', policyId).where('checked_until', '<', to.toISOString()).execute();
  }

  /**
   * Moves the cursors of policies with nothing due up to `to`, so a policy turned on, or given
   * new start times, never runs slots that passed before. A cursor is only written once it lags
   * by `lagMs`, which keeps this to a write per policy and minute.
   */
  async advanceIdle(to: Date, busy: readonly string[], lagMs: number): Promise<void> {
    let q = this.db
      .updateTable('policy_schedules')
      .set({ checked_until: to.toISOString() })
      .where('checked_until', '<', new Date(to.getTime() - lagMs).toISOString());
    if (busy.length > 0) q = q.where('policy_id', 'not in', busy);
    await q.execute();
  }

  // ---- runs ----

  async insertRun(run: PolicyRun, tx: Ex): Promise<void> {
    await tx
      .insertInto('policy_runs')
      .values({
        id: run.id,
        policy_id: run.policyId,
        project_id: run.projectId,
        slot: run.slot,
        status: run.status,
        job_id: run.jobId,
        created_at: run.createdAt.toISOString(),
        finished_at: run.finishedAt?.toISOString() ?? null,
      })
      .execute();
  }

  async getRun(id: string, ex: Ex = this.db): Promise<PolicyRun | undefined> {
    const row = await ex.selectFrom('policy_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRun(row);
  }

  async runsOf(policyId: string): Promise<PolicyRun[]> {
    const rows = await this.db.selectFrom('policy_runs').selectAll().where('policy_id', '=', policyId).orderBy('created_at').orderBy('slot').execute();
    return rows.map(toRun);
  }

  /** The policy's run in progress: RUNNING, and its job not finished (a job that ended without it counts as over). */
  async activeRun(policyId: string, ex: Ex = this.db): Promise<PolicyRun | undefined> {
    const row = await ex
      .selectFrom('policy_runs as r')
      .innerJoin('jobs as j', 'j.id', 'r.job_id')
      .selectAll('r')
      .where('r.policy_id', '=', policyId)
      .where('r.status', '=', 'RUNNING')
      .where('j.status', 'in', ['INIT', 'RUNNING'])
      .executeTakeFirst();
    return row && toRun(row);
  }

  /** RUNNING runs whose job has finished or vanished: the job ended without closing its run. */
  async orphanedRuns(): Promise<PolicyRun[]> {
    const rows = await this.db
      .selectFrom('policy_runs as r')
      .leftJoin('jobs as j', 'j.id', 'r.job_id')
      .selectAll('r')
      .where('r.status', '=', 'RUNNING')
      .where((eb) => eb.or([eb('j.id', 'is', null), eb('j.status', 'in', ['SUCCESS', 'FAIL'])]))
      .execute();
    return rows.map(toRun);
  }

  /**
   * The one writer of a run's status: moves it to `to` (with `changes`) if its status is still one
   * of `from`; false otherwise. Throws IllegalTransition, writing nothing, unless the run state
   * machine allows the move from every one of `from`.
   */
  async moveRun(id: string, from: RunStatus | readonly RunStatus[], to: RunStatus, changes: RunChanges = {}): Promise<boolean> {
    const move = RUN_MACHINE.check(from, to);
    const r = await this.db.updateTable('policy_runs').set({ ...changes, status: move.to }).where('id', '=', id).where('status', 'in', move.from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Closes a run once; false when it was already closed. */
  async finishRun(id: string, at: Date): Promise<boolean> {
    return this.moveRun(id, 'RUNNING', 'DONE', { finished_at: at.toISOString() });
  }

  /** Makes a job a sub-job of the run's job, so the run's job shows it. */
  async adoptJob(jobId: string, parentJobId: string): Promise<void> {
    await this.db.updateTable('jobs').set({ parent_id: parentJobId }).where('id', '=', jobId).where('parent_id', 'is', null).execute();
  }

  // ---- tasks ----

  async insertTask(task: PolicyTask, ex: Ex = this.db): Promise<void> {
    await ex.insertInto('policy_tasks').values(taskRow(task)).execute();
  }

  /**
   * The one writer of a task's status: moves it to `to` (with `changes`) if its status is still
   * one of `from`; false otherwise. Throws IllegalTransition, writing nothing, unless the task
   * state machine allows the move from every one of `from`.
   */
  async moveTask(id: string, from: TaskStatus | readonly TaskStatus[], to: TaskStatus, changes: TaskChanges = {}): Promise<boolean> {
    const move = TASK_MACHINE.check(from, to);
    const r = await this.db.updateTable('policy_tasks').set({ ...taskColumns(changes), status: move.to }).where('id', '=', id).where('status', 'in', move.from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async updateTask(id: string, changes: TaskChanges): Promise<void> {
    await this.db.updateTable('policy_tasks').set(taskColumns(changes)).where('id', '=', id).execute();
  }

  async tasksOfRun(runId: string): Promise<PolicyTask[]> {
    const rows = await this.db.selectFrom('policy_tasks').selectAll().where('run_id', '=', runId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toTask);
  }

  async getTask(policyId: string, id: string): Promise<PolicyTask | undefined> {
    const row = await this.db.selectFrom('policy_tasks').selectAll().where('policy_id', '=', policyId).where('id', '=', id).executeTakeFirst();
    return row && toTask(row);
  }

  /** A page of the policy's tasks and how many match the filters in all. */
  async listTasks(policyId: string, q: TaskPage): Promise<{ count: number; tasks: PolicyTask[] }> {
    let base = this.db.selectFrom('policy_tasks').where('policy_id', '=', policyId);
    if (q.status) base = base.where('status', '=', q.status);
    if (q.taskId) base = base.where('id', '=', q.taskId);
    const total = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    let page = base.selectAll();
    const m = q.marker;
    if (m) {
      const cmp = q.order === 'desc' ? '<' : '>';
      const at = m.createdAt.toISOString();
      page = page.where((eb) => eb.or([eb('created_at', cmp, at), eb.and([eb('created_at', '=', at), eb('id', cmp, m.id)])]));
    }
    const rows = await page.orderBy('created_at', q.order).orderBy('id', q.order).limit(q.limit).offset(q.offset).execute();
    return { count: Number(total.n), tasks: rows.map(toTask) };
  }
}
