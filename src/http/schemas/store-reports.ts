/** The results a store verify or gc job keeps in its entities (GET /v1/{project_id}/jobs/{job_id}). */
import { Type } from '@sinclair/typebox';
import { Nullable } from './common.js';

const Count = Type.Integer({ minimum: 0 });

/** entities.verify of a store verify job. */
export const VerifyReport = Type.Object({
  backups_total: Count,
  backups_checked: Count,
  backups_intact: Count,
  bytes_checked: Count,
  damaged: Type.Array(Type.Object({ backup_id: Type.String(), reason: Type.String() })),
});

/** entities.gc of a store gc job. */
export const GcReport = Type.Object({
  grace_seconds: Count,
  manifests: Count,
  live_blocks: Count,
  packs_deleted: Count,
  packs_rewritten: Count,
  orphan_packs_deleted: Count,
  bytes_freed: Count,
  bytes_rewritten: Count,
  interrupted_backups: Type.Array(Type.String()),
  problems: Type.Array(Type.String()),
  deferred: Nullable(Type.String({ description: 'why nothing was swept (a backup of the project is running); null when it ran' })),
});
