import type { Job } from '../../jobs/job-repository.js';

/** A job as GET /v1/{project_id}/jobs/{job_id} shows it, sub-jobs nested the same way. */
export function jobView(job: Job, subJobs: Job[] = []): Record<string, unknown> {
  return {
    status: job.status,
    entities: job.entities,
    job_id: job.id,
    job_type: job.type,
    begin_time: job.beginTime?.toISOString() ?? null,
    end_time: job.endTime?.toISOString() ?? null,
    error_code: job.errorCode,
    fail_reason: job.failReason,
    progress: job.progress,
    sub_jobs: subJobs.map((s) => jobView(s)),
  };
}
