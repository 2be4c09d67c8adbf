import { defineMachine } from '../common/state-machine.js';

/** The job state machine of the VBS job API: INIT -> RUNNING -> SUCCESS | FAIL. */
export const JOB_STATUSES = ['INIT', 'RUNNING', 'SUCCESS', 'FAIL'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_MACHINE = defineMachine<JobStatus>({
  name: 'job',
  statuses: JOB_STATUSES,
  next: {
    INIT: ['RUNNING', 'FAIL'],
    // RUNNING -> INIT: a lease that ran out on an idempotent job puts it back in the queue.
    RUNNING: ['SUCCESS', 'FAIL', 'INIT'],
    SUCCESS: [],
    FAIL: [],
  },
});
