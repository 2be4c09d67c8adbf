import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import type { AttachVolume, CreateVolume, EditVolume, ResetVolume, VolumeAction } from '../../services/volumes/volume-commands.js';
import { RESETTABLE_VOLUME_STATUSES, VOLUME_MIGRATION_STATUSES, VOLUME_STATUSES } from '../../services/volumes/volume-state.js';
import { CreateVolumeBody, UpdateVolumeBody } from '../schemas/cinder-volumes.js';
import { bad, bodyObject, booleanOf, metadataOf, nameAndDescription, positiveSize, refuseUnknownCinderKeys } from './common.js';

function optional<T>(raw: unknown, read: (v: unknown) => T): T | undefined {
  return raw === undefined || raw === null ? undefined : read(raw);
}

function optionalId(spec: Record<string, unknown>, field: string): string | null {
  const v = spec[field];
  if (v === undefined || v === null) return null;
  return String(v);
}

/** POST /volumes: Cinder's body; `backup_id` only from microversion 3.47, only known fields in `volume` from 3.53. */
export function parseCreateVolume(body: unknown, features: { fromBackup: boolean; onlyKnownFields: boolean }): CreateVolume {
  const spec = bodyObject(body, 'volume');
  refuseUnknownCinderKeys(body, CreateVolumeBody, 'volume', features.onlyKnownFields);
  const text = nameAndDescription(spec);
  const snapshotId = optionalId(spec, 'snapshot_id');
  const sourceVolid = optionalId(spec, 'source_volid');
  const backupId = optionalId(spec, 'backup_id');
  if (snapshotId !== null && sourceVolid !== null) throw bad('give snapshot_id or source_volid, not both.');
  if (backupId !== null && !features.fromBackup) {
    throw bad('backup_id needs microversion 3.47 or later (OpenStack-API-Version: volume 3.47); or restore the backup (POST .../backups/{backup_id}/restore).');
  }
  if (backupId !== null && (snapshotId !== null || sourceVolid !== null)) throw bad('give only one of snapshot_id, source_volid and backup_id.');
  if (spec.imageRef !== undefined && spec.imageRef !== null) throw bad('this service has no image service: imageRef is not supported.');
  const size = optional(spec.size, (v) => positiveSize(v));
  if (size === undefined && snapshotId === null && sourceVolid === null && backupId === null) throw bad('size is required.');
  const az = spec.availability_zone;
  return {
    name: text.name ?? null,
    description: text.description ?? null,
    size,
    volumeType: optional(spec.volume_type, String),
    availabilityZone: az === undefined || az === null ? null : String(az),
    metadata: optional(spec.metadata, (v) => metadataOf(v)) ?? {},
    bootable: optional(spec.bootable, (v) => booleanOf(v, 'bootable')),
    multiattach: optional(spec.multiattach, (v) => booleanOf(v, 'multiattach')) ?? false,
    snapshotId,
    sourceVolid,
    backupId,
  };
}

/** PUT /volumes/{id}: name, description (also under their v1 names) and metadata. */
export function parseVolumeChanges(body: unknown): EditVolume {
  const spec = bodyObject(body, 'volume');
  refuseUnknownCinderKeys(body, UpdateVolumeBody, 'volume');
  const changes: EditVolume = { ...nameAndDescription(spec) };
  if (spec.metadata !== undefined) changes.metadata = metadataOf(spec.metadata);
  return changes;
}

export function bodyField(body: unknown, key: string): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !(key in body)) throw new ApiError('common.0400', `Missing required element '${key}' in request body.`);
  return (body as Record<string, unknown>)[key];
}

/** The body of POST/PUT .../metadata: `{"metadata": {...}}`. */
export function parseMetadataBody(body: unknown): Record<string, string> {
  return metadataOf(bodyField(body, 'metadata'));
}

/** The body of PUT .../metadata/{key}: `{"meta": {key: value}}`, naming the URI's key only. */
export function parseMetaItem(body: unknown, key: string): Record<string, string> {
  const meta = metadataOf(bodyField(body, 'meta'), 'meta');
  if (Object.keys(meta).length !== 1) throw bad('meta must hold exactly one key.');
  if (!(key in meta)) throw bad(`Request body and URI mismatch: the body does not set key ${key}.`);
  return meta;
}

/** The one action named by the body's only key, with its arguments checked. */
export function actionOf(body: unknown, example: string): [string, Record<string, unknown>] {
  if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) {
    throw new ApiError('common.0400', `The action body must hold exactly one action, e.g. ${example}.`);
  }
  const [name, args] = Object.entries(body as Record<string, unknown>)[0];
  return [name, (args && typeof args === 'object' && !Array.isArray(args) ? args : {}) as Record<string, unknown>];
}

/** os-attach as Cinder's schema takes it: a mountpoint, and an instance UUID or a host name. */
function parseAttach(arg: Record<string, unknown>): AttachVolume {
  const unknown = Object.keys(arg).filter((k) => !['instance_uuid', 'host_name', 'mountpoint', 'mode'].includes(k));
  if (unknown.length) throw bad(`Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} was unexpected).`);
  const server = arg.instance_uuid ?? null;
  const host = arg.host_name ?? null;
  if (server === null && host === null) throw bad('os-attach needs instance_uuid or host_name.');
  if (server !== null && !isUuid(server)) throw bad('instance_uuid must be a UUID.');
  if (host !== null && (typeof host !== 'string' || host.length > 255)) throw bad('host_name must be a string of at most 255 characters.');
  const mode = arg.mode ?? 'rw';
  if (mode !== 'rw' && mode !== 'ro') throw bad(`mode must be rw or ro, got ${JSON.stringify(mode)}.`);
  const mountpoint = arg.mountpoint;
  if (typeof mountpoint !== 'string' || mountpoint.length < 1 || mountpoint.length > 255) throw bad("os-attach needs 'mountpoint', a string of 1 to 255 characters.");
  return { serverId: server, hostName: host, mode, mountpoint };
}

/** os-detach: the attachment to end, a UUID, or none (null) for the only one. */
function parseDetach(arg: Record<string, unknown>): string | null {
  const id = arg.attachment_id ?? null;
  if (id !== null && !isUuid(id)) throw bad('attachment_id must be a UUID or null.');
  return id;
}

/** One of the given values, compared without case as Cinder does; absent for null or "". */
function oneOf<T extends string>(arg: Record<string, unknown>, field: string, allowed: readonly T[]): T | undefined {
  const raw = arg[field];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !allowed.includes(raw.toLowerCase() as T)) throw bad(`Invalid ${field} ${JSON.stringify(raw)}; valid values are: ${allowed.join(', ')}.`);
  return raw.toLowerCase() as T;
}

/** os-reset_status: status, attach_status and migration_status ("none" clears it), at least one. */
function parseResetStatus(arg: Record<string, unknown>): ResetVolume {
  const unknown = Object.keys(arg).filter((k) => !['status', 'attach_status', 'migration_status'].includes(k));
  if (unknown.length) throw bad(`Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} was unexpected).`);
  const status = oneOf(arg, 'status', [...VOLUME_STATUSES]);
  if (status !== undefined && !RESETTABLE_VOLUME_STATUSES.includes(status)) throw bad(`Cannot reset-state to ${status}.`);
  const attachStatus = oneOf(arg, 'attach_status', ['attached', 'detached'] as const);
  const migration = oneOf(arg, 'migration_status', [...VOLUME_MIGRATION_STATUSES, 'none'] as const);
  if (status === undefined && attachStatus === undefined && migration === undefined) throw bad("Must specify 'status', 'attach_status' or 'migration_status' for update.");
  return {
    ...(status !== undefined ? { status } : {}),
    ...(attachStatus !== undefined ? { attachStatus } : {}),
    ...(migration !== undefined ? { migrationStatus: migration === 'none' ? null : migration } : {}),
  };
}

/** POST /volumes/{id}/action. */
export function parseVolumeAction(body: unknown): VolumeAction {
  const [name, arg] = actionOf(body, '{"os-extend": {"new_size": 2}}');
  switch (name) {
    case 'os-extend':
      if (!('new_size' in arg)) throw bad('os-extend needs "new_size".');
      return { kind: 'extend', newSize: positiveSize(arg.new_size, 'new_size') };
    case 'os-reserve':
      return { kind: 'reserve' };
    case 'os-unreserve':
      return { kind: 'unreserve' };
    case 'os-begin_detaching':
      return { kind: 'begin-detaching' };
    case 'os-roll_detaching':
      return { kind: 'roll-detaching' };
    case 'os-attach':
      return { kind: 'attach', attach: parseAttach(arg) };
    case 'os-detach':
      return { kind: 'detach', attachmentId: parseDetach(arg) };
    case 'os-set_bootable':
      if (!('bootable' in arg)) throw bad('os-set_bootable needs "bootable".');
      return { kind: 'set-bootable', bootable: booleanOf(arg.bootable, 'bootable') };
    case 'os-update_readonly_flag':
      if (!('readonly' in arg)) throw bad('os-update_readonly_flag needs "readonly".');
      return { kind: 'set-readonly', readonly: booleanOf(arg.readonly, 'readonly') };
    case 'os-force_delete':
      return { kind: 'force-delete' };
    case 'os-reset_status':
      return { kind: 'reset-status', reset: parseResetStatus(arg) };
    case 'os-retype': {
      const newType = arg.new_type;
      if (typeof newType !== 'string' || newType.length === 0 || newType.length > 255) throw bad("os-retype needs 'new_type', a volume type's id or name.");
      oneOf(arg, 'migration_policy', ['never', 'on-demand'] as const);
      return { kind: 'retype', newType };
    }
    default:
      throw new ApiError('common.0400', `There is no such action: ${name}.`);
  }
}

/** Cinder answers these actions with 200 and a body-less reply; the others with 202. */
export const VOLUME_ACTION_STATUS: Record<VolumeAction['kind'], 200 | 202> = {
  extend: 202,
  reserve: 202,
  unreserve: 202,
  'begin-detaching': 202,
  'roll-detaching': 202,
  attach: 202,
  detach: 202,
  'set-bootable': 200,
  'set-readonly': 202,
  'force-delete': 202,
  'reset-status': 202,
  retype: 202,
};
