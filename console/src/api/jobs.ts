import type { Api } from './api.js';

export type JobStatus = 'INIT' | 'RUNNING' | 'SUCCESS' | 'FAIL';

export interface Job {
  job_id: string;
  job_type: string;
  status: JobStatus;
  entities: Record<string, string | null>;
  begin_time: string | null;
  end_time: string | null;
  error_code: string | null;
  fail_reason: string | null;
  /** 0-100 while a create or restore runs; absent on servers that do not report it, null when the kind has none. */
  progress?: number | null;
}

export async function getJob(api: Api, jobId: string): Promise<Job> {
  return api.client.get<Job>(`/v1/${api.projectId}/jobs/${encodeURIComponent(jobId)}`);
}

export const jobDone = (j: Job) => j.status === 'SUCCESS' || j.status === 'FAIL';
