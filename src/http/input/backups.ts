import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import type { BackupRequest, RestoreTarget } from '../../services/backups/backup-service.js';
import { CreateBackupBody, ImportRecordBody, RestoreBackupBody, UpdateBackupBody } from '../schemas/cinder-backups.js';
import { CreateCloudBackupBody, RestoreCloudBackupBody } from '../schemas/vbs-backups.js';
import { actionOf } from './volumes.js';
import { bad, bodyObject, booleanOf, metadataOf, nameAndDescription, refuseUnknownCinderKeys, refuseUnknownFields } from './common.js';

const VBS_NAME = /^[A-Za-z0-9_-]+$/;
const TAG_TEXT = /^[A-Za-z0-9_-]*$/;
const MAX_TAGS = 10;

function vbsTags(raw: unknown): Array<{ key: string; value: string }> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ApiError('VolumeBackup.0049', 'api request tag parameter is invalid: tags must be a list of {"key", "value"}');
  if (raw.length > MAX_TAGS) throw new ApiError('VolumeBackup.0050', `The number of tags exceeded: at most ${MAX_TAGS}`);
  const seen = new Set<string>();
  return raw.map((t: unknown) => {
    const tag = t as { key?: unknown; value?: unknown } | null;
    const key = tag?.key;
    const value = tag?.value ?? '';
    if (typeof key !== 'string' || key.length < 1 || key.length > 36 || !TAG_TEXT.test(key) || typeof value !== 'string' || value.length > 43 || !TAG_TEXT.test(value) || seen.has(key)) {
      throw new ApiError('VolumeBackup.0049', 'api request tag parameter is invalid: keys are 1-36 and values 0-43 letters, digits, "_" or "-", keys unique');
    }
    seen.add(key);
    return { key, value };
  });
}

/** A plain JSON object (not null, not an array). */
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** POST /v2/{project_id}/cloudbackups: the VBS rules and codes of the API reference. */
export function vbsBackupRequest(body: unknown): BackupRequest {
  // A field the reference does not define is refused, so a misspelled one is not silently dropped.
  if (isRecord(body)) refuseUnknownFields(body, CreateCloudBackupBody, 'VolumeBackup.0002', 'the body');
  const b = isRecord(body) ? body.backup : undefined;
  if (!isRecord(b)) throw new ApiError('VolumeBackup.0002', 'api request parameter instance null: the body needs a "backup" object');
  refuseUnknownFields(b, CreateCloudBackupBody.properties.backup, 'VolumeBackup.0002', 'backup');
  const spec = b;
  const volumeId = spec.volume_id;
  if (volumeId === undefined || volumeId === null || volumeId === '') throw new ApiError('VolumeBackup.0010', 'api request parameter volume_id null');
  if (!isUuid(volumeId)) throw new ApiError('VolumeBackup.0011', `api request parameter volume_id invalid UUID pattern: "${String(volumeId)}"`);
  const snapshotId = spec.snapshot_id ?? null;
  if (snapshotId !== null && !isUuid(snapshotId)) throw new ApiError('VolumeBackup.0002', `api request parameter snapshot_id is not a UUID: "${String(snapshotId)}"`);
  const name = spec.name;
  if (name === undefined || name === null) throw new ApiError('VolumeBackup.0007', 'api request parameter name is null');
  if (typeof name !== 'string') throw new ApiError('VolumeBackup.0004', 'api request parameter name invalid character: name must be a string');
  if (name.length === 0) throw new ApiError('VolumeBackup.0026', 'api request parameter name length is too short: 1 to 64 characters');
  if (name.length > 64) throw new ApiError('VolumeBackup.0003', 'api request parameter name over length: at most 64 characters');
  if (!VBS_NAME.test(name)) throw new ApiError('VolumeBackup.0004', 'api request parameter name invalid character: use letters, digits, "_" and "-"');
  if (name.toLowerCase().startsWith('auto')) throw new ApiError('VolumeBackup.0005', 'api request parameter name invalid prefix: names starting with "auto" are kept for automatic backups');
  const description = spec.description ?? null;
  if (description !== null && (typeof description !== 'string' || description.length > 64 || /[<>]/.test(description))) {
    throw new ApiError('VolumeBackup.0006', 'api request parameter description is invalid: at most 64 characters, without "<" or ">"');
  }
  return {
    volumeId,
    snapshotId: snapshotId as string | null,
    name,
    description: description as string | null,
    container: null,
    // The VBS API backs up attached disks as they are: through a temporary snapshot.
    force: true,
    metadata: {},
    tags: vbsTags(spec.tags),
    availabilityZone: null,
  };
}

function cinderText(spec: Record<string, unknown>, field: string): string | null {
  const v = spec[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(`${field} must be a string.`);
  if (v.length > 255) throw bad(`${field} must be at most 255 characters, got ${v.length}.`);
  if (field === 'description' && /[<>]/.test(v)) throw bad('description must not contain "<" or ">".');
  return v;
}

/** POST /v2|v3/{project_id}/backups: Cinder's rules (400 badRequest, 404 itemNotFound). */
export function cinderBackupRequest(body: unknown, allowMetadata: boolean): BackupRequest {
  const spec = bodyObject(body, 'backup');
  refuseUnknownCinderKeys(body, CreateBackupBody, 'backup');
  const volumeId = spec.volume_id;
  if (volumeId === undefined || volumeId === null) throw bad("'volume_id' is a required property.");
  if (!isUuid(volumeId)) throw new ApiError('VolumeBackup.0021', `Volume ${String(volumeId)} could not be found.`);
  const snapshotId = spec.snapshot_id ?? null;
  if (snapshotId !== null && !isUuid(snapshotId)) throw new ApiError('common.0404', `Snapshot ${String(snapshotId)} could not be found.`);
  const container = cinderText(spec, 'container');
  // `incremental` is accepted and needs no action: the first backup of a volume is full, every later one incremental.
  if (spec.incremental !== undefined && spec.incremental !== null) booleanOf(spec.incremental, 'incremental');
  const az = spec.availability_zone ?? null;
  if (az !== null && typeof az !== 'string') throw bad('availability_zone must be a string.');
  return {
    volumeId,
    snapshotId: snapshotId as string | null,
    name: cinderText(spec, 'name'),
    description: cinderText(spec, 'description'),
    container,
    force: spec.force === undefined || spec.force === null ? false : booleanOf(spec.force, 'force'),
    metadata: allowMetadata && spec.metadata !== undefined && spec.metadata !== null ? metadataOf(spec.metadata) : {},
    tags: [],
    availabilityZone: az as string | null,
  };
}

/** POST /v2/{project_id}/cloudbackups/{backup_id}/restore: always into an existing volume. */
export function vbsRestoreTarget(body: unknown): RestoreTarget {
  if (isRecord(body)) refuseUnknownFields(body, RestoreCloudBackupBody, 'VolumeBackup.0002', 'the body');
  const inner = isRecord(body) ? body.restore : undefined;
  if (!inner || typeof inner !== 'object') throw new ApiError('VolumeBackup.0210', 'body in request is empty: send {"restore": {"volume_id": ...}}');
  if (isRecord(inner)) refuseUnknownFields(inner, RestoreCloudBackupBody.properties.restore, 'VolumeBackup.0002', 'restore');
  const volumeId = (inner as Record<string, unknown>).volume_id;
  if (typeof volumeId !== 'string' || volumeId === '') throw new ApiError('VolumeBackup.0208', 'volumeID in body is null or empty');
  if (!isUuid(volumeId)) throw new ApiError('VolumeBackup.0111', `the volume info or backup detail is not exist: volume ${volumeId}`);
  return { volumeId, name: null };
}

/** POST /backups/{backup_id}/restore: into an existing volume, or without one into a new volume. */
export function cinderRestoreTarget(body: unknown): RestoreTarget {
  const spec = bodyObject(body, 'restore');
  refuseUnknownCinderKeys(body, RestoreBackupBody, 'restore');
  const volumeId = spec.volume_id ?? null;
  if (volumeId !== null && !isUuid(volumeId)) throw new ApiError('VolumeBackup.0021', `Volume ${String(volumeId)} could not be found.`);
  const name = spec.name ?? null;
  if (name !== null && (typeof name !== 'string' || name.length > 255)) throw bad('name must be a string of at most 255 characters.');
  return { volumeId: volumeId as string | null, name: name as string | null };
}

/** PUT /backups/{backup_id}: name, description and (3.43) metadata, at least one. */
export function parseBackupChanges(body: unknown, allowMetadata: boolean): { name?: string | null; description?: string | null; metadata?: Record<string, string> } {
  const spec = bodyObject(body, 'backup');
  refuseUnknownCinderKeys(body, UpdateBackupBody, 'backup');
  const changes: { name?: string | null; description?: string | null; metadata?: Record<string, string> } = nameAndDescription(spec);
  if (typeof changes.description === 'string' && /[<>]/.test(changes.description)) throw bad('description must not contain "<" or ">".');
  if (spec.metadata !== undefined && allowMetadata) changes.metadata = metadataOf(spec.metadata);
  if (Object.keys(changes).length === 0) throw bad('give at least one of name, description or metadata.');
  return changes;
}

export type BackupAction = { kind: 'reset-status'; status: 'available' | 'error' } | { kind: 'force-delete' };

/** POST /backups/{backup_id}/action: os-reset_status (available or error, any case) and os-force_delete. */
export function parseBackupAction(body: unknown): BackupAction {
  const [name, arg] = actionOf(body, '{"os-reset_status": {"status": "available"}}');
  if (name === 'os-force_delete') return { kind: 'force-delete' };
  if (name !== 'os-reset_status') throw new ApiError('common.0400', `There is no such action: ${name}.`);
  const status = typeof arg.status === 'string' ? arg.status.toLowerCase() : '';
  if (status !== 'available' && status !== 'error') throw bad(`Backup status: ${String(arg.status)} is invalid, valid statuses are: available, error.`);
  return { kind: 'reset-status', status };
}

/** POST /backups/import_record. */
export function parseImportRecord(body: unknown): { backupService: string; backupUrl: string } {
  const spec = bodyObject(body, 'backup-record');
  refuseUnknownCinderKeys(body, ImportRecordBody, 'backup-record');
  const { backup_service: service, backup_url: url } = spec;
  if (typeof service !== 'string' || service.length > 255) throw bad("'backup_service' is a required property: a string of at most 255 characters.");
  if (typeof url !== 'string' || url.length === 0) throw bad("'backup_url' is a required property: the string export_record gave.");
  return { backupService: service, backupUrl: url };
}
