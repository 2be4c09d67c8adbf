/**
 * Following work the service does in the background until it ends: a VBS job, or where an API
 * gives no job (Cinder's), the status of the backup or volume itself.
 */
import { ApiFailure, JobFailure } from './errors.js';
import type { ProgressDisplay } from './progress.js';
import type { Session } from './session.js';

/** A job as GET /v1/{project_id}/jobs/{job_id} answers it (`progress` once the service sends it). */
export interface JobView {
  job_id: string;
  job_type: string;
  status: 'INIT' | 'RUNNING' | 'SUCCESS' | 'FAIL';
  entities: Record<string, string | null>;
  begin_time: string | null;
  end_time: string | null;
  error_code: string | null;
  fail_reason: string | null;
  progress?: number | null;
  sub_jobs: unknown[];
}

export interface BackupView {
  id: string;
  name: string | null;
  status: string;
  fail_reason: string | null;
  volume_id: string;
  service_metadata?: string;
  [field: string]: unknown;
}

export interface VolumeView {
  id: string;
  name: string | null;
  status: string;
  [field: string]: unknown;
}

/** Between two polls: short enough that a quick job feels quick, long enough to stay cheap. */
export const POLL_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function jobPath(jobId: string): string {
  return `/jobs/${encodeURIComponent(jobId)}`;
}

/** The engine's progress of a backup, kept in its service_metadata text (seed: "progress"). */
export function backupProgress(b: Pick<BackupView, 'service_metadata'>): number | null {
  if (!b.service_metadata) return null;
  try {
    const p = (JSON.parse(b.service_metadata) as { progress?: unknown }).progress;
    return typeof p === 'number' ? p : null;
  } catch {
    return null;
  }
}

/** The job's progress; for a backup being made, the backup's own when the job tells none. */
async function progressOf(session: Session, job: JobView): Promise<number | null> {
  if (job.status === 'SUCCESS') return 100;
  if (typeof job.progress === 'number') return job.progress;
  const backupId = job.entities.backup_id;
  if (job.job_type !== 'bksCreateBackup' || !backupId || job.status !== 'RUNNING') return null;
  try {
    // service_metadata is shown at /v2: the v3 view leaves it out.
    return backupProgress(await session.request<{ backup: BackupView }>('GET', 'volumev2', `/backups/${backupId}`).then((r) => r.backup));
  } catch {
    return null;
  }
}

export function jobFailure(job: JobView): JobFailure {
  return new JobFailure(`job ${job.job_id} (${job.job_type}) failed: ${job.error_code ?? 'no error code'}: ${job.fail_reason ?? 'no reason given'}`);
}

/** Polls the job until it succeeds or fails; returns it either way. */
export async function followJob(session: Session, jobId: string, display?: ProgressDisplay): Promise<JobView> {
  for (;;) {
    const job = await session.request<JobView>('GET', 'jobs', jobPath(jobId));
    display?.update({ percent: await progressOf(session, job), status: job.status });
    if (job.status === 'SUCCESS' || job.status === 'FAIL') return job;
    await sleep(POLL_MS);
  }
}

export type Outcome = 'running' | 'done' | 'failed';

/**
 * Polls a resource until `judge` calls it done or failed. A 404 ends the wait when `goneIsDone`
 * (a delete), and is an error otherwise.
 */
export async function followResource<T extends { status: string }>(
  load: () => Promise<T>,
  judge: (r: T) => Outcome,
  options: { display?: ProgressDisplay; percent?: (r: T) => number | null; goneIsDone?: boolean },
): Promise<{ outcome: Exclude<Outcome, 'running'>; last: T | null }> {
  let last: T | null = null;
  for (;;) {
    try {
      last = await load();
    } catch (err) {
      if (options.goneIsDone && err instanceof ApiFailure && err.status === 404) {
        options.display?.update({ percent: 100, status: 'deleted' });
        return { outcome: 'done', last };
      }
      throw err;
    }
    const outcome = judge(last);
    options.display?.update({ percent: outcome === 'done' ? 100 : (options.percent?.(last) ?? null), status: last.status });
    if (outcome !== 'running') return { outcome, last };
    await sleep(POLL_MS);
  }
}
