/**
 * What operators follow: typed events of jobs, policy runs, garbage collection, verification and
 * the block store. The code that knows an event emits it once; observers (the log, the
 * Prometheus metrics) subscribe at the composition root. The fields are the log line's, so
 * their names are stable: operators filter on `event`.
 */

/** Extra facts a job kind knows about its run (bytes moved, what it made); numbers are bytes unless named otherwise. */
export interface JobDetails {
  /** A backup: bytes read from the volume image (0 when an unchanged source was not read). */
  bytes_read?: number;
  /** A backup: bytes it added to the store, after deduplication and compression. */
  bytes_stored?: number;
  /** A backup: bytes of non-zero blocks the store already held, so not stored again. */
  bytes_deduplicated?: number;
  /** A restore: bytes of the image it restored (the volume's size). */
  bytes_written?: number;
  /** A restore: bytes it fetched from the store. */
  bytes_fetched?: number;
  /** A restore over an existing volume: bytes of the backup's data the volume already held, neither fetched nor written. */
  bytes_unchanged?: number;
  [fact: string]: string | number | boolean | null | string[] | undefined;
}

interface JobFields {
  kind: string;
  job_id: string;
  project_id: string;
  entities: Record<string, unknown>;
  /** The node that ran it (VBS_NODE_NAME; the host name by default). */
  node: string;
}

export interface JobStartEvent extends JobFields {
  event: 'job.start';
  attempt: number;
}

export interface JobEndEvent extends JobFields {
  event: 'job.end';
  details: JobDetails;
  outcome: 'SUCCESS';
  duration_ms: number;
}

export interface JobFailEvent extends JobFields {
  event: 'job.fail';
  details: JobDetails;
  outcome: 'FAIL';
  /** Null when the job's worker died: its end was not seen, only its lease running out. */
  duration_ms: number | null;
  error_code: string;
  reason: string;
}

/** A draining node gave a job it had not finished back to the queue, for another node to take over. */
export interface JobReleaseEvent extends JobFields {
  event: 'job.release';
  duration_ms: number;
}

/** The scheduler began a policy's run for a slot. */
export interface PolicyStartEvent {
  event: 'policy.start';
  policy_id: string;
  project_id: string;
  slot: string;
  /** The slot passed well before the run began (the service was down, or busy). */
  catch_up: boolean;
  /** Earlier slots not run, recorded SKIP. */
  missed: number;
}

/** Slots the scheduler recorded SKIP instead of running. */
export interface PolicySkipEvent {
  event: 'policy.skip';
  policy_id: string;
  project_id: string;
  slots: number;
  first_slot: string;
  last_slot: string;
  reason: 'missed' | 'previous-run-in-progress';
}

/** A policy run ended: each volume's task outcome. */
export interface PolicyRunEvent {
  event: 'policy.run';
  policy_id: string;
  project_id: string;
  run_id: string;
  slot: string;
  volumes: number;
  /** Tasks by final status (EXECUTE_SUCCESS, EXECUTE_FAIL, SKIP, EXECUTE_TIMEOUT). */
  tasks: Record<string, number>;
  outcome: 'SUCCESS' | 'FAIL';
}

/** A garbage collection of one project's blocks ended (or could not run now: `deferred`). */
export interface GcEndEvent {
  event: 'gc.end';
  project_id: string;
  /** Who asked: a backup delete job, a store gc job, or the `vbs gc` command. */
  trigger: 'backup-delete' | 'job' | 'cli';
  /** Why nothing was swept now (a backup runs, the store failed); a later gc finishes. Null when it ran. */
  deferred: string | null;
  backups: number;
  packs_deleted: number;
  packs_rewritten: number;
  bytes_freed: number;
  bytes_rewritten: number;
  /** Backups that had ended without a manifest, cleared. */
  interrupted: string[];
  problems: string[];
  duration_ms: number;
}

/** A verify read a backup: intact, damaged (the reason names the block), missing, or failed (the store, say, could not be read). */
export interface VerifyEndEvent {
  event: 'verify.end';
  backup_id: string;
  project_id: string;
  /** Who asked: a store verify job, or the `vbs verify` command. */
  trigger: 'job' | 'cli';
  outcome: 'intact' | 'damaged' | 'missing' | 'failed';
  blocks: number | null;
  bytes_checked: number | null;
  reason: string | null;
  duration_ms: number;
}

/** A block store operation failed (after any retries); absent objects are no error. */
export interface StoreErrorEvent {
  event: 'store.error';
  operation: string;
  reason: string;
}

export type OpsEvent =
  | JobStartEvent
  | JobEndEvent
  | JobFailEvent
  | JobReleaseEvent
  | PolicyStartEvent
  | PolicySkipEvent
  | PolicyRunEvent
  | GcEndEvent
  | VerifyEndEvent
  | StoreErrorEvent;

export type OpsObserver = (event: OpsEvent) => void;

/** Where the code that knows an event tells it. */
export interface OpsEvents {
  emit(event: OpsEvent): void;
}

export const noEvents: OpsEvents = { emit: () => undefined };

/** Hands every event to its observers; an observer that throws neither stops the others nor the work. */
export class EventHub implements OpsEvents {
  private readonly observers = new Set<OpsObserver>();

  /** Returns the unsubscribe. */
  subscribe(observer: OpsObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  emit(event: OpsEvent): void {
    for (const observe of this.observers) {
      try {
        observe(event);
      } catch {
        // Logging and counting must never fail the job they describe.
      }
    }
  }
}
