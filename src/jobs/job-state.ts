/** The job state machine of the VBS job API: INIT -> RUNNING -> SUCCESS | FAIL. */
export const JOB_STATUSES = ['INIT', 'RUNNING', 'SUCCESS', 'FAIL'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  INIT: ['RUNNING', 'FAIL'],
  // RUNNING -> INIT: a lease that ran out on an idempotent job puts it back in the queue.
  RUNNING: ['SUCCESS', 'FAIL', 'INIT'],
  SUCCESS: [],
  FAIL: [],
};

export function canMove(from: JobStatus, to: JobStatus): boolean {
  return NEXT[from].includes(to);
}

export function isFinished(status: string): boolean {
  return status === 'SUCCESS' || status === 'FAIL';
}
