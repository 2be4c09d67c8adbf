import { defineMachine } from '../../common/state-machine.js';

/** A policy run: RUNNING until its job has followed every task, or SKIPPED from the start. */
export const RUN_STATUSES = ['RUNNING', 'DONE', 'SKIPPED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_MACHINE = defineMachine<RunStatus>({
  name: 'policy run',
  statuses: RUN_STATUSES,
  next: {
    RUNNING: ['DONE'],
    DONE: [],
    SKIPPED: [],
  },
});

/** A run's task for one volume follows that volume's backup job (WAITING while it is queued). */
export const TASK_STATUSES = ['RUNNING', 'EXECUTE_TIMEOUT', 'WAITING', 'EXECUTE_FAIL', 'EXECUTE_SUCCESS', 'SKIP'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_MACHINE = defineMachine<TaskStatus>({
  name: 'policy task',
  statuses: TASK_STATUSES,
  next: {
    // SKIP: the volume was busy when its backup was asked for.
    WAITING: ['RUNNING', 'EXECUTE_SUCCESS', 'EXECUTE_FAIL', 'EXECUTE_TIMEOUT', 'SKIP'],
    // RUNNING -> WAITING: the backup job's lease ran out and it went back to the queue.
    RUNNING: ['WAITING', 'EXECUTE_SUCCESS', 'EXECUTE_FAIL', 'EXECUTE_TIMEOUT'],
    EXECUTE_SUCCESS: [],
    EXECUTE_FAIL: [],
    EXECUTE_TIMEOUT: [],
    SKIP: [],
  },
});

/** The statuses a task keeps for good. */
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter((s) => TASK_MACHINE.next(s).length === 0);
