/**
 * This service's additions to the VBS API for administrators and dashboards: store verify and
 * gc as jobs (their results in the job's entities), and a project's backup statistics.
 */
import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp } from './common.js';
import { vbsErrors } from './vbs-backups.js';

export const StoreProjectParams = Type.Object({ project_id: Type.String() });

export const StoreVerifyBody = Type.Object({
  backup_id: Type.Optional(Type.String({ description: 'one backup of the project (a UUID); without it, every available backup of the project' })),
});

export const StoreGcBody = Type.Object({
  grace_seconds: Type.Optional(Type.Integer({ minimum: 0, description: 'leave packs written less than this long ago (default 3600)' })),
});

const Count = Type.Integer({ minimum: 0 });

const QuotaUse = Type.Object({ used: Count, limit: Type.Integer({ description: '-1: unlimited' }) });

const VolumeState = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  size: Type.Integer({ description: 'GiB' }),
  status: Type.String(),
  protected: Type.Boolean({ description: 'bound to a backup policy that is ON' }),
  policy_id: Nullable(Type.String()),
  backups: Count,
  last_backup_at: Nullable(Timestamp),
  last_backup_age_seconds: Nullable(Count),
});

export const BackupStatisticsView = Type.Object({
  statistics: Type.Object({
    project_id: Type.String(),
    generated_at: Timestamp,
    backups: Type.Object({
      total: Count,
      by_status: Type.Record(Type.String(), Count),
      logical_bytes: Type.Integer({ minimum: 0, description: 'bytes of the volume images the good (available, restoring) backups hold' }),
      stored_bytes: Type.Integer({ minimum: 0, description: 'bytes those backups added to the block store, after dedup and compression' }),
      saving_percent: Nullable(Type.Number({ description: 'how much less the store took than the volumes: 100 * (1 - stored / logical); null without figures' })),
      without_figures: Type.Integer({ minimum: 0, description: 'good backups made before figures were recorded, in neither sum (vbs admin reindex fills them)' }),
    }),
    volumes: Type.Array(VolumeState),
    quota: Type.Object({ backups: QuotaUse, backup_gigabytes: QuotaUse }),
  }),
});

const JobAccepted = Type.Object({ job_id: Type.String({ description: 'follow it at GET /v1/{project_id}/jobs/{job_id}' }) });

export const StoreReplies = {
  job: { 200: JobAccepted, ...vbsErrors },
  statistics: { 200: BackupStatisticsView, ...vbsErrors },
};
