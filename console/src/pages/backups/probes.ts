/**
 * How the backup pages follow running work, once a second (components/Progress.tsx polls):
 * a job where the API answered one, else the backup or volume the work changes.
 */
import type { Api } from '../../api/api.js';
import { backupProgress, getBackup } from '../../api/backups.js';
import { ApiError } from '../../api/errors.js';
import { getJob, type Job } from '../../api/jobs.js';
import { getVolume } from '../../api/volumes.js';
import type { Probe, Progress } from '../../components/Progress.js';

/**
 * A job: its `progress` (0-100) where the server reports it; for a backup create on a server
 * that does not, the backup's service_metadata progress (the figure the job writes there).
 */
export function jobProbe(api: Api, jobId: string): Probe {
  return async (): Promise<Progress> => {
    const job = await getJob(api, jobId);
    let percent = typeof job.progress === 'number' ? job.progress : null;
    if (percent === null && job.job_type === 'bksCreateBackup' && job.entities.backup_id && !done(job)) {
      percent = backupProgress(await getBackup(api, job.entities.backup_id));
    }
    if (job.status === 'SUCCESS') return { state: 'succeeded', percent: 100, status: job.status };
    if (job.status === 'FAIL') return { state: 'failed', percent, status: job.status, errorCode: job.error_code, failReason: job.fail_reason };
    return { state: 'running', percent, status: job.status };
  };
}

const done = (j: Job) => j.status === 'SUCCESS' || j.status === 'FAIL';

/** A backup being made: creating, then available or error. */
export function backupCreateProbe(api: Api, backupId: string): Probe {
  return async (): Promise<Progress> => {
    const b = await getBackup(api, backupId);
    if (b.status === 'creating') return { state: 'running', percent: backupProgress(b), status: b.status };
    if (b.status === 'available') return { state: 'succeeded', percent: 100, status: b.status };
    return { state: 'failed', percent: backupProgress(b), status: b.status, failReason: b.fail_reason };
  };
}

/** A backup being deleted: deleting, then gone (404) or error_deleting. */
export function backupDeleteProbe(api: Api, backupId: string): Probe {
  return async (): Promise<Progress> => {
    try {
      const b = await getBackup(api, backupId);
      if (b.status === 'deleting') return { state: 'running', percent: null, status: b.status };
      return { state: 'failed', percent: null, status: b.status, failReason: b.fail_reason };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return { state: 'succeeded', percent: 100, status: 'deleted' };
      throw e;
    }
  };
}

/** A restore into a new volume: the volume is restoring-backup, then available or error_restoring. */
export function newVolumeRestoreProbe(api: Api, backupId: string, volumeId: string): Probe {
  return async (): Promise<Progress> => {
    const v = await getVolume(api, volumeId);
    if (v.status === 'available') return { state: 'succeeded', percent: 100, status: `volume ${v.status}` };
    if (/error/.test(v.status)) {
      const b = await getBackup(api, backupId);
      return { state: 'failed', percent: null, status: `volume ${v.status}`, failReason: b.fail_reason };
    }
    return { state: 'running', percent: null, status: `volume ${v.status}` };
  };
}
