/**
 * The VBS API's backup, restore and job bodies and replies (the VBS API reference): every change
 * is a job, answered with its job_id and followed at /v1/{project_id}/jobs/{job_id}.
 */
import { Type } from '@sinclair/typebox';
import { JOB_STATUSES } from '../../jobs/job-state.js';
import { Nullable, Timestamp, errorResponses } from './common.js';
import { GcReport, VerifyReport } from './store-reports.js';

export const vbsErrors = errorResponses('vbs');

export const CloudBackupProjectParams = Type.Object({ project_id: Type.String() });
export const CloudBackupParams = Type.Object({ project_id: Type.String(), backup_id: Type.String({ description: 'a UUID' }) });
export const JobParams = Type.Object({ project_id: Type.String(), job_id: Type.String() });

const TAG_TEXT = '^[A-Za-z0-9_-]*$';

/** The reference's fields, and no others: the edge refuses any other with VolumeBackup.0002. */
export const CreateCloudBackupBody = Type.Object({
  backup: Type.Object({
    volume_id: Type.String({ description: 'the disk to back up (a UUID)' }),
    snapshot_id: Type.Optional(Nullable(Type.String({ description: 'a snapshot of that disk to back up instead (a UUID)' }))),
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'letters, digits, "_" and "-", not starting with "auto"' }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 64, pattern: '^[^<>]*$' }))),
    tags: Type.Optional(
      Nullable(
        Type.Array(
          Type.Object({
            key: Type.String({ minLength: 1, maxLength: 36, pattern: TAG_TEXT }),
            value: Type.Optional(Type.String({ maxLength: 43, pattern: TAG_TEXT })),
          }),
          { maxItems: 10, description: 'keys unique' },
        ),
      ),
    ),
  }),
});

/** The reference's fields, and no others: the edge refuses any other with VolumeBackup.0002. */
export const RestoreCloudBackupBody = Type.Object({
  restore: Type.Object({ volume_id: Type.String({ description: 'the existing disk to restore into (a UUID)' }) }),
});

const JobAccepted = Type.Object({ job_id: Type.String({ description: 'follow it at GET /v1/{project_id}/jobs/{job_id}' }) });

const QuotaResource = Type.Object({
  type: Type.Union([Type.Literal('backups'), Type.Literal('backup_gigabytes')]),
  used: Type.Integer(),
  reserved: Type.Integer(),
  quota: Type.Integer({ description: '-1: unlimited' }),
});

const JobFields = {
  status: Type.Union(JOB_STATUSES.map((s) => Type.Literal(s))),
  entities: Type.Object(
    { verify: Type.Optional(VerifyReport), gc: Type.Optional(GcReport) },
    {
      additionalProperties: Nullable(Type.String()),
      description: 'what the job acts on and made: backup_id, volume_id, snapshot_id (null when none) ...; a store job its result (verify, gc)',
    },
  ),
  job_id: Type.String(),
  job_type: Type.String({ description: 'bksCreateBackup, bksDeleteBackup, bksRestoreBackup ...' }),
  begin_time: Nullable(Timestamp),
  end_time: Nullable(Timestamp),
  error_code: Nullable(Type.String()),
  fail_reason: Nullable(Type.String()),
};

/** Sub-jobs are shown like their parent, one level deep: theirs are not listed. */
const SubJob = Type.Object({ ...JobFields, sub_jobs: Type.Array(Type.Object({}), { maxItems: 0 }) });

export const JobView = Type.Object({ ...JobFields, sub_jobs: Type.Array(SubJob) });

export const CloudBackupReplies = {
  job: { 200: JobAccepted, ...vbsErrors },
  quota: { 200: Type.Object({ quotas: Type.Object({ resources: Type.Array(QuotaResource) }) }), ...vbsErrors },
};

export const JobReplies = {
  one: { 200: JobView, ...vbsErrors },
};
