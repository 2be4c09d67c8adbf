import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import type { CreateSnapshot, SnapshotAction } from '../../services/volumes/snapshot-service.js';
import { SNAPSHOT_STATUSES, type SnapshotStatus } from '../../services/volumes/volume-state.js';
import { CreateSnapshotBody, UpdateSnapshotBody } from '../schemas/cinder-snapshots.js';
import { bad, bodyObject, booleanOf, metadataOf, nameAndDescription, refuseUnknownCinderKeys } from './common.js';
import { actionOf } from './volumes.js';

/** POST /snapshots. */
export function parseCreateSnapshot(body: unknown): CreateSnapshot {
  const spec = bodyObject(body, 'snapshot');
  refuseUnknownCinderKeys(body, CreateSnapshotBody, 'snapshot');
  // As Cinder: volume_id must be there, a UUID or null; a null one names no volume (404).
  if (!('volume_id' in spec)) throw bad("'volume_id' is a required property.");
  const volumeId = spec.volume_id;
  if (volumeId === null) throw new ApiError('common.0404', 'Volume None could not be found.');
  if (typeof volumeId !== 'string' || !isUuid(volumeId)) throw bad(`volume_id ${JSON.stringify(volumeId)} is not a UUID.`);
  const text = nameAndDescription(spec);
  return {
    volumeId,
    force: spec.force === undefined || spec.force === null ? false : booleanOf(spec.force, 'force'),
    name: text.name ?? null,
    description: text.description ?? null,
    metadata: spec.metadata === undefined || spec.metadata === null ? {} : metadataOf(spec.metadata),
  };
}

/** PUT /snapshots/{id}: name and description, at least one. */
export function parseSnapshotChanges(body: unknown): { name?: string | null; description?: string | null } {
  const spec = bodyObject(body, 'snapshot');
  refuseUnknownCinderKeys(body, UpdateSnapshotBody, 'snapshot');
  const changes = nameAndDescription(spec);
  if (changes.name === undefined && changes.description === undefined) throw bad('give name or description to change.');
  return changes;
}

const PROGRESS = /^(\d{1,3})%$/;

/** POST /snapshots/{id}/action: os-reset_status, os-force_delete and os-update_snapshot_status. */
export function parseSnapshotAction(body: unknown): SnapshotAction {
  const [name, arg] = actionOf(body, '{"os-reset_status": {"status": "available"}}');
  if (name === 'os-force_delete') return { kind: 'force-delete' };
  if (name === 'os-reset_status') {
    const status = typeof arg.status === 'string' ? arg.status.toLowerCase() : '';
    if (!(SNAPSHOT_STATUSES as readonly string[]).includes(status)) {
      throw bad(`Snapshot status: ${String(arg.status)} is invalid, valid statuses are: ${SNAPSHOT_STATUSES.join(', ')}.`);
    }
    return { kind: 'reset-status', status: status as SnapshotStatus };
  }
  if (name === 'os-update_snapshot_status') {
    if (typeof arg.status !== 'string') throw bad("'status' is a required property and must be a string.");
    const progress = arg.progress ?? null;
    if (progress !== null && progress !== '') {
      const m = typeof progress === 'string' ? PROGRESS.exec(progress) : null;
      if (!m || Number(m[1]) > 100) throw bad('progress must be an integer percentage between 0 and 100, e.g. "80%".');
    }
    return { kind: 'update-status', status: arg.status, progress: progress === '' ? null : (progress as string | null) };
  }
  throw new ApiError('common.0400', `There is no such action: ${name}.`);
}
