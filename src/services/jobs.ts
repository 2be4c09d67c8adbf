import { isHexId } from '../common/ids.js';
import type { Job, JobRepository } from '../jobs/job-repository.js';
import { NotFound } from './common/errors.js';

/** The job query use case: a project sees its own jobs only; any other job does not exist for it. */
export class JobQueryService {
  constructor(private readonly jobs: JobRepository) {}

  async show(projectId: string, jobId: string): Promise<{ job: Job; subJobs: Job[] }> {
    const job = isHexId(jobId) ? await this.jobs.get(jobId) : undefined;
    // Sub-jobs are jobs of their own: the ids a parent lists in sub_jobs can be followed.
    if (!job || job.projectId !== projectId) throw new NotFound('job', jobId, `job ${jobId} does not exist in this project`);
    return { job, subJobs: await this.jobs.children(job.id) };
  }
}
