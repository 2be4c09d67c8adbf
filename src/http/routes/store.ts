import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import { storeGcRequest, storeVerifyRequest } from '../input/store.js';
import { StoreGcBody, StoreProjectParams, StoreReplies as R, StoreVerifyBody } from '../schemas/store.js';
import { backupStatisticsView } from '../views/backup-statistics.js';
import { callerOf } from './cinder-context.js';

/**
 * Store verify and gc of a project's namespace of the block store, as jobs (cloud
 * administrators), and a project's backup statistics (its members and readers; any project for
 * an administrator). All in the VBS envelope.
 */
export function storeRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    const tags = ['vbs'];
    app.post('/v1/:project_id/store/verify', { schema: { tags, summary: 'Verify backups of the project in the block store (a job; administrators)', params: StoreProjectParams, body: StoreVerifyBody, response: R.job } }, async (request) => {
      const job = await services.storeJobs.verify(callerOf(request), storeVerifyRequest(request.body));
      return { job_id: job.id };
    });
    app.post('/v1/:project_id/store/gc', { schema: { tags, summary: "Collect the project's unreferenced blocks in the block store (a job; administrators)", params: StoreProjectParams, body: StoreGcBody, response: R.job } }, async (request) => {
      const job = await services.storeJobs.gc(callerOf(request), storeGcRequest(request.body));
      return { job_id: job.id };
    });
    app.get('/v2/:project_id/cloudbackups/statistics', { schema: { tags, summary: "The project's backup statistics: counts, bytes, volumes' last backups, quota", params: StoreProjectParams, response: R.statistics } }, async (request) => {
      return backupStatisticsView(await services.backupStatistics.project(callerOf(request)));
    });
  };
}
