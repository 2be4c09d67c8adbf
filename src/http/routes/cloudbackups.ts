import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import type { Services } from '../../container.js';
import { vbsRestoreTarget, vbsBackupRequest } from '../input/backups.js';
import { callerOf } from './cinder-context.js';
import { CloudBackupParams, CloudBackupProjectParams, CloudBackupReplies as R, CreateCloudBackupBody, RestoreCloudBackupBody } from '../schemas/vbs-backups.js';

type Params = { project_id: string; backup_id: string };

function backupIdOf(raw: string): string {
  if (!raw) throw new ApiError('VolumeBackup.0203', 'api request parameter backup_id null');
  if (!isUuid(raw)) throw new ApiError('VolumeBackup.0204', `api request parameter backup_id invalid UUID pattern: "${raw}"`);
  return raw;
}

/** The VBS backup API: every change is a job, answered with its job_id. */
export function cloudBackupRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    const base = '/v2/:project_id/cloudbackups';
    app.post(base, { schema: { tags: ['vbs'], summary: 'Create a VBS backup', params: CloudBackupProjectParams, body: CreateCloudBackupBody, response: R.job } }, async (request) => {
      const { job } = await services.backupService.create(callerOf(request), vbsBackupRequest(request.body));
      return { job_id: job.id };
    });
    app.get(`${base}/quota`, { schema: { tags: ['vbs'], summary: 'Backup quotas of the project', params: CloudBackupProjectParams, response: R.quota } }, async (request) => {
      const usage = await services.quotaSets.showWithUsage(callerOf(request), (request.params as Params).project_id);
      return {
        quotas: {
          resources: (['backups', 'backup_gigabytes'] as const).map((type) => ({ type, used: usage[type].in_use, reserved: usage[type].reserved, quota: usage[type].limit })),
        },
      };
    });
    app.post<{ Params: Params }>(`${base}/:backup_id`, { schema: { tags: ['vbs'], summary: 'Delete a VBS backup (deprecated)', params: CloudBackupParams, response: R.job } }, async (request) => {
      const job = await services.backupService.delete(callerOf(request), backupIdOf(request.params.backup_id));
      return { job_id: job.id };
    });
    app.post<{ Params: Params }>(`${base}/:backup_id/restore`, { schema: { tags: ['vbs'], summary: 'Restore a disk from a VBS backup', params: CloudBackupParams, body: RestoreCloudBackupBody, response: R.job } }, async (request) => {
      const backupId = backupIdOf(request.params.backup_id);
      const { job } = await services.backupService.restore(callerOf(request), backupId, vbsRestoreTarget(request.body));
      return { job_id: job.id };
    });
  };
}
