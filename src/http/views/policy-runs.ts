import type { PolicyTask } from '../../services/policies/policy-runs-repository.js';
import type { TaskView } from '../schemas/policies.js';

/** The reference's task times: UTC with milliseconds and no zone letter, e.g. 2016-12-02T09:06:46.706. */
function taskTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '');
}

/** A task as GET backuppolicy/{id}/backuptasks shows it; finished_at, vbs_job_id, message and code only once known. */
export function taskView(t: PolicyTask): TaskView {
  return {
    status: t.status,
    job_id: t.id,
    created_at: taskTime(t.createdAt),
    ...(t.finishedAt ? { finished_at: taskTime(t.finishedAt) } : {}),
    backup_name: t.backupName,
    resource_id: t.resourceId,
    resource_type: t.resourceType,
    ...(t.vbsJobId ? { vbs_job_id: t.vbsJobId } : {}),
    ...(t.message ? { message: t.message } : {}),
    ...(t.code ? { code: t.code } : {}),
  };
}
