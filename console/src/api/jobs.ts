import type { Static } from '@sinclair/typebox';
import type { JobView } from '../../../src/http/schemas/vbs-backups.js';
import type { Api } from './api.js';

type JobReply = Static<typeof JobView>;
/**
 * A job as the server's reply schema declares it: one contract for the server and the console.
 * The ids a job acts on are the schema's additional entities, which Static leaves out: named here.
 */
export type Job = Omit<JobReply, 'entities'> & {
  entities: JobReply['entities'] & Partial<Record<'backup_id' | 'volume_id' | 'snapshot_id', string | null>>;
};
export type JobStatus = Job['status'];

export async function getJob(api: Api, jobId: string): Promise<Job> {
  return api.client.get<Job>(`/v1/${api.projectId}/jobs/${encodeURIComponent(jobId)}`);
}

export const jobDone = (j: Job) => j.status === 'SUCCESS' || j.status === 'FAIL';
