import type { Snapshot } from '../../services/volumes/volume-records.js';
import { atLeast } from '../microversion.js';
import type { CinderViewContext } from './cinder-links.js';
import { cinderTime } from './cinder-time.js';

/** What GET /snapshots shows of each snapshot (Cinder gives snapshots no links of their own). */
export function snapshotSummary(s: Snapshot) {
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
  };
}

/** A snapshot as create and update answer it: the summary and the fields of later microversions. */
export function snapshotDetail(s: Snapshot, ctx: CinderViewContext) {
  const v3 = ctx.version.major === 3;
  return {
    ...snapshotSummary(s),
    ...(v3 && atLeast(ctx.version, '3.14') ? { group_snapshot_id: null } : {}),
    ...(v3 && atLeast(ctx.version, '3.41') ? { user_id: s.userId } : {}),
  };
}

/**
 * Show and the detailed listing add the extended attributes, owner project and progress: Cinder's
 * extension adds them there only, for the snapshot's project and administrators (the only ones
 * who see a snapshot here).
 */
export function snapshotExtended(s: Snapshot, ctx: CinderViewContext) {
  return {
    ...snapshotDetail(s, ctx),
    'os-extended-snapshot-attributes:project_id': s.projectId,
    'os-extended-snapshot-attributes:progress': s.progress ?? (s.status === 'available' ? '100%' : '0%'),
  };
}
