import { createHash } from 'node:crypto';
import type { Manifest } from '../../engine/index.js';
import { isUuid } from '../../common/ids.js';
import { InvalidInput } from '../common/errors.js';
import type { Backup } from './backup-repository.js';

/**
 * The `backup_url` of an exported backup: what this service needs to re-create the backup's
 * record and find its data, as base64 of a JSON object, as Cinder's is. Clients treat it as
 * opaque; Cinder's clients (Tempest among them) may change its top-level `id` to import the
 * record under another id, so the checksum covers everything but `id`. A record altered
 * anywhere else, or of another format or version, is refused.
 */
export const BACKUP_RECORD_FORMAT = 'vbs-backup-record';
export const BACKUP_RECORD_VERSION = 1;

/** The backup service name export gives and import requires, in the form of Cinder's driver names. */
export const BACKUP_SERVICE = 'cinder.backup.drivers.vbs';

/** What the record keeps of the backup itself. */
export interface ExportedFields {
  name: string | null;
  description: string | null;
  volume_id: string;
  snapshot_id: string | null;
  size: number;
  object_count: number | null;
  container: string | null;
  availability_zone: string | null;
  metadata: Record<string, string>;
  is_incremental: boolean;
  volume_bootable: boolean;
  volume_type: string | null;
  volume_metadata: Record<string, string>;
  data_timestamp: string | null;
  created_at: string;
}

/** Where the data is: the manifest of a backup in a project's namespace of the block store, and its digest. */
export interface DataReference {
  project: string;
  backup: string;
  manifest_sha256: string;
}

export interface BackupRecord {
  id: string;
  record: ExportedFields;
  data: DataReference;
}

/** A manifest's identity: its header and its block list. */
export function manifestDigest(m: Manifest): string {
  return createHash('sha256').update(JSON.stringify(m.header)).update(m.ids).digest('hex');
}

/** JSON with object keys sorted at every level, so the checksum does not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function checksumOf(body: Record<string, unknown>): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

export function encodeBackupUrl(backup: Backup, manifest: Manifest): string {
  const record: ExportedFields = {
    name: backup.name,
    description: backup.description,
    volume_id: backup.volumeId,
    snapshot_id: backup.snapshotId,
    size: backup.size,
    object_count: backup.objectCount,
    container: backup.container,
    availability_zone: backup.availabilityZone,
    metadata: backup.metadata,
    is_incremental: backup.isIncremental,
    volume_bootable: backup.volumeBootable,
    volume_type: backup.volumeType,
    volume_metadata: backup.volumeMetadata,
    data_timestamp: backup.dataTimestamp?.toISOString() ?? null,
    created_at: backup.createdAt.toISOString(),
  };
  const data: DataReference = { project: backup.projectId, backup: backup.id, manifest_sha256: manifestDigest(manifest) };
  const body = { format: BACKUP_RECORD_FORMAT, version: BACKUP_RECORD_VERSION, record, data };
  return Buffer.from(JSON.stringify({ id: backup.id, ...body, checksum: checksumOf(body) })).toString('base64');
}

function invalid(why: string): InvalidInput {
  return new InvalidInput(`Invalid input received: the backup_url is not a backup record of this service: ${why}.`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function decodeBackupUrl(url: string): BackupRecord {
  let parsed: unknown;
  try {
    const text = Buffer.from(url, 'base64').toString('utf8');
    parsed = JSON.parse(text);
  } catch {
    throw invalid('it is not base64 of a JSON object');
  }
  if (!isObject(parsed)) throw invalid('it is not base64 of a JSON object');
  const { id, checksum, ...body } = parsed;
  if (body.format !== BACKUP_RECORD_FORMAT) throw invalid(`its format is not ${BACKUP_RECORD_FORMAT}`);
  if (body.version !== BACKUP_RECORD_VERSION) throw invalid(`version ${String(body.version)} is not one this service reads (${BACKUP_RECORD_VERSION})`);
  if (typeof checksum !== 'string' || checksum !== checksumOf(body)) throw invalid('its checksum does not match: it was altered or damaged');
  if (id === undefined) throw new InvalidInput('Invalid input received: Provided backup record is missing an id.');
  if (!isUuid(id)) throw new InvalidInput(`Invalid input received: the backup record's id ${JSON.stringify(id)} is not a UUID.`);
  // The checksum vouches against damage, not against a record written by hand: check its shape.
  const record = body.record;
  const data = body.data;
  if (!isObject(record) || !isObject(data)) throw invalid('it lacks the record or the data reference');
  const strings = (o: Record<string, unknown>, keys: string[]) => keys.every((k) => typeof o[k] === 'string');
  const maybe = (v: unknown, type: string) => v === null || typeof v === type;
  const shaped =
    isUuid(record.volume_id) && Number.isInteger(record.size) && (record.size as number) > 0 && strings(record, ['created_at']) &&
    ['name', 'description', 'snapshot_id', 'container', 'availability_zone', 'volume_type', 'data_timestamp'].every((k) => maybe(record[k], 'string')) &&
    maybe(record.object_count, 'number') && typeof record.is_incremental === 'boolean' && typeof record.volume_bootable === 'boolean' &&
    isObject(record.metadata) && isObject(record.volume_metadata) && strings(data, ['project', 'backup', 'manifest_sha256']);
  if (!shaped) throw invalid('its fields are not of the types an export writes');
  return { id: id.toLowerCase(), record: record as unknown as ExportedFields, data: data as unknown as DataReference };
}
