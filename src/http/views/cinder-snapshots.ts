import type { Snapshot } from '../../services/volumes/volume-records.js';
import { atLeast } from '../microversion.js';
import type { CinderViewContext } from './cinder-links.js';
import { cinderTime } from './cinder-time.js';

/** What GET /snapshots shows of each snapshot (Cinder gives snapshots no links of their own). */
export function snapshotSummary(s: Snapshot, ctx: CinderViewContext) {
  const v3 = ctx.version.major === 3;
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    status: s.status,
    size: s.size,
    volume_id: s.volumeId,
    metadata: s.metadata,
    created_at: cinderTime(s.createdAt),
    updated_at: cinderTime(s.updatedAt),
    ...(v3 && atLeast(ctx.version, '3.14') ? { group_snapshot_id: null } : {}),
    ...(v3 && atLeast(ctx.version, '3.41') ? { user_id: s.userId } : {}),
  };
}

/** Detail adds the extended attributes: owner project and progress. */
export function snapshotDetail(s: Snapshot, ctx: CinderViewContext) {
  return {
    ...snapshotSummary(s, ctx),
    'os-extended-snapshot-attributes:project_id': s.projectId,
    'os-extended-snapshot-attributes:progress': s.status === 'available' ? '100%' : '0%',
  };
}
