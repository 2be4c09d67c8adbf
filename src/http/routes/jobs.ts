import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import { jobView } from '../views/jobs.js';
import { JobParams, JobReplies as R } from '../schemas/vbs-backups.js';

export function jobRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { project_id: string; job_id: string } }>(
      '/v1/:project_id/jobs/:job_id',
      { schema: { tags: ['vbs'], summary: 'Query the status of a job', params: JobParams, response: R.one } },
      async (request) => {
        const { job, subJobs } = await services.jobQueries.show(request.params.project_id, request.params.job_id);
        return jobView(job, subJobs);
      },
    );
  };
}
