import type { OpsEvent, OpsObserver } from './ops-events.js';

/** The levels the event log writes at (pino's logger has them). */
export interface EventLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const seconds = (ms: number | null) => (ms === null ? 'unknown time' : `${(ms / 1000).toFixed(1)} s`);

/** One line of text beside the event's fields, for a reader without a JSON filter. */
function summary(e: OpsEvent): string {
  switch (e.event) {
    case 'job.start':
      return `job ${e.kind} ${e.job_id} started on ${e.node}`;
    case 'job.end':
      return `job ${e.kind} ${e.job_id} succeeded on ${e.node} in ${seconds(e.duration_ms)}`;
    case 'job.fail':
      return `job ${e.kind} ${e.job_id} failed on ${e.node} after ${seconds(e.duration_ms)}: ${e.error_code} ${e.reason}`;
    case 'job.release':
      return `job ${e.kind} ${e.job_id} given back to the queue by ${e.node} after ${seconds(e.duration_ms)}: the node is stopping`;
    case 'policy.start':
      return `policy ${e.policy_id} run for slot ${e.slot} started${e.catch_up ? ' (catch-up)' : ''}`;
    case 'policy.skip':
      return `policy ${e.policy_id}: ${e.slots} slot(s) skipped (${e.reason})`;
    case 'policy.run':
      return `policy ${e.policy_id} run for slot ${e.slot} ended ${e.outcome} over ${e.volumes} volume(s)`;
    case 'gc.end':
      return e.deferred ? `gc of project ${e.project_id} deferred: ${e.deferred}` : `gc of project ${e.project_id} freed ${e.bytes_freed} bytes`;
    case 'verify.end':
      return e.outcome === 'intact' ? `backup ${e.backup_id} is intact` : `verify of backup ${e.backup_id}: ${e.outcome}, ${e.reason}`;
    case 'store.error':
      return `block store ${e.operation} failed: ${e.reason}`;
  }
}

function levelOf(e: OpsEvent): keyof EventLogger {
  if (e.event === 'job.fail' || e.event === 'store.error' || (e.event === 'verify.end' && e.outcome !== 'intact')) return 'error';
  if (e.event === 'job.release' || (e.event === 'gc.end' && e.problems.length > 0) || (e.event === 'policy.run' && e.outcome === 'FAIL')) return 'warn';
  return 'info';
}

/** Writes every event as one JSON line (through the process's logger), a job's details among its fields. */
export function logEvents(log: EventLogger): OpsObserver {
  return (e) => {
    const fields = e.event === 'job.end' || e.event === 'job.fail' ? (({ details, ...rest }) => ({ ...rest, ...details }))(e) : e;
    log[levelOf(e)](fields, summary(e));
  };
}
