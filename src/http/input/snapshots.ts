import { ApiError } from '../../common/errors.js';
import type { CreateSnapshot, SnapshotAction } from '../../services/volumes/snapshot-service.js';
import { CreateSnapshotBody, UpdateSnapshotBody } from '../schemas/cinder-snapshots.js';
import { bad, bodyObject, booleanOf, metadataOf, nameAndDescription, refuseUnknownCinderKeys } from './common.js';
import { actionOf } from './volumes.js';

/** POST /snapshots. */
export function parseCreateSnapshot(body: unknown): CreateSnapshot {
  const spec = bodyObject(body, 'snapshot');
  refuseUnknownCinderKeys(body, CreateSnapshotBody, 'snapshot');
  const volumeId = spec.volume_id;
  if (volumeId === undefined || volumeId === null || volumeId === '') throw bad('volume_id is required.');
  if (typeof volumeId !== 'string') throw bad('volume_id must be a string.');
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

/** POST /snapshots/{id}/action: os-reset_status and os-force_delete. */
export function parseSnapshotAction(body: unknown): SnapshotAction {
  const [name, arg] = actionOf(body, '{"os-reset_status": {"status": "available"}}');
  if (name === 'os-force_delete') return { kind: 'force-delete' };
  if (name !== 'os-reset_status') throw new ApiError('common.0400', `There is no such action: ${name}.`);
  const status = arg.status;
  if (status !== 'available' && status !== 'error') throw bad('status must be available or error.');
  return { kind: 'reset-status', status };
}
