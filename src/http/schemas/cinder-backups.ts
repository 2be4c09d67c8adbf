/**
 * Cinder's ("native OpenStack") backup bodies, requests and replies, at /v2 and /v3: the v2 views
 * of the VBS API reference, fields of later microversions optional.
 */
import { Type } from '@sinclair/typebox';
import { Link, NoBody, Nullable, Timestamp } from './common.js';
import { ListingQuery, cinderErrors, cinderList } from './cinder-common.js';

/** A backup's metadata: string pairs, from microversion 3.43. */
const Metadata = Type.Record(Type.String(), Type.String(), { description: '3.43' });

export const BackupParams = Type.Object({ project_id: Type.String(), backup_id: Type.String() });

/** The listing query with the filters backups take: exact, or fuzzy (`name~`) from 3.31. */
export const BackupListingQuery = Type.Object(
  {
    ...ListingQuery.properties,
    name: Type.Optional(Type.String()),
    display_name: Type.Optional(Type.String({ description: 'name, as older clients say it' })),
    status: Type.Optional(Type.String()),
    volume_id: Type.Optional(Type.String()),
    'name~': Type.Optional(Type.String({ description: 'part of the name (3.31)' })),
    'status~': Type.Optional(Type.String({ description: 'part of the status (3.31)' })),
    'volume_id~': Type.Optional(Type.String({ description: 'part of the volume id (3.31)' })),
    metadata: Type.Optional(Type.String({ description: 'a JSON object of metadata pairs to match' })),
    project_id: Type.Optional(Type.String({ description: 'with all_tenants: one project' })),
  },
  { additionalProperties: true },
);

export const BackupSummary = Type.Object({ id: Type.String(), name: Nullable(Type.String()), links: Type.Array(Link) });

/** The fields of a backup itself, as every backup view shows them (src/http/views/cinder-backups.ts backupFields, with service_metadata). */
export const BackupFields = {
  id: Type.String(),
  name: Nullable(Type.String()),
  status: Type.String(),
  description: Nullable(Type.String()),
  availability_zone: Nullable(Type.String()),
  volume_id: Type.String(),
  snapshot_id: Nullable(Type.String()),
  fail_reason: Nullable(Type.String()),
  size: Type.Integer({ description: 'GiB' }),
  object_count: Nullable(Type.Integer()),
  container: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Nullable(Timestamp),
  data_timestamp: Timestamp,
  has_dependent_backups: Type.Boolean({ description: 'always false: no backup depends on another' }),
  is_incremental: Type.Boolean(),
  service_metadata: Type.String({ description: 'a JSON object as text (DL, Type, progress, backupurl, AT, SS, CS ...)' }),
};

export const BackupDetail = Type.Object({
  ...BackupFields,
  service_metadata: Type.Optional(Type.String({ description: 'at /v2 only: a JSON object as text (DL, Type, progress, backupurl, AT, SS, CS ...)' })),
  links: Type.Array(Link),
  'os-bak-tenant-attr:tenant_id': Type.Optional(Type.String({ description: 'the owner project, at /v2' })),
  'os-backup-project-attr:project_id': Type.Optional(Type.String({ description: 'the owner project, at /v3' })),
  metadata: Type.Optional(Metadata),
});

const Text = Type.Optional(Nullable(Type.String({ maxLength: 255 })));
/** true/false, also as the strings Cinder accepts ("true", "False", "1" ...). */
const flag = (description: string) => Type.Optional(Nullable(Type.Union([Type.Boolean(), Type.String()], { description })));

export const CreateBackupBody = Type.Object({
  backup: Type.Object({
    volume_id: Type.String(),
    snapshot_id: Type.Optional(Nullable(Type.String())),
    name: Text,
    description: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'without "<" or ">"' }))),
    container: Text,
    incremental: flag('accepted; the first backup of a volume is full, every later one incremental'),
    force: flag('also of an attached (in-use) volume'),
    availability_zone: Type.Optional(Nullable(Type.String())),
    metadata: Type.Optional(Nullable(Metadata)),
  }),
});

export const UpdateBackupBody = Type.Object({
  backup: Type.Object(
    {
      name: Text,
      description: Text,
      display_name: Text,
      display_description: Text,
      metadata: Type.Optional(Metadata),
    },
    { description: 'at least one field' },
  ),
});

export const RestoreBackupBody = Type.Object({
  restore: Type.Object({
    volume_id: Type.Optional(Nullable(Type.String({ description: 'an existing volume to restore into; without it, a new volume' }))),
    name: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'the new volume name' }))),
  }),
});

/** One action a call: the body's only key names it (administrators). */
export const BackupActionBody = Type.Union(
  [
    Type.Object({ 'os-reset_status': Type.Object({ status: Type.Union([Type.Literal('available'), Type.Literal('error')], { description: 'any case' }) }) }),
    Type.Object({ 'os-force_delete': Nullable(Type.Object({})) }, { description: 'a delete of any project\'s backup that no job holds' }),
  ],
  { description: 'exactly one action (administrators)' },
);

export const ImportRecordBody = Type.Object({
  'backup-record': Type.Object({
    backup_service: Type.String({ maxLength: 255, description: 'as export_record gave it' }),
    backup_url: Type.String({ minLength: 1, description: 'as export_record gave it; its top-level id may name the new backup' }),
  }),
});

const BackupRecordReply = Type.Object({ 'backup-record': Type.Object({ backup_service: Type.String(), backup_url: Type.String({ description: 'base64 of a versioned, checksummed JSON record' }) }) });

export const BackupReplies = {
  list: { 200: cinderList('backups', BackupSummary), ...cinderErrors },
  detail: { 200: cinderList('backups', BackupDetail), ...cinderErrors },
  one: { 200: Type.Object({ backup: BackupDetail }), ...cinderErrors },
  created: { 202: Type.Object({ backup: BackupSummary }), ...cinderErrors },
  updated: { 200: Type.Object({ backup: BackupSummary }), ...cinderErrors },
  exported: { 200: BackupRecordReply, ...cinderErrors },
  imported: { 201: Type.Object({ backup: BackupSummary }), ...cinderErrors },
  accepted: { 202: NoBody, ...cinderErrors },
  restore: { 202: Type.Object({ restore: Type.Object({ backup_id: Type.String(), volume_id: Type.String(), volume_name: Nullable(Type.String()) }) }), ...cinderErrors },
};
