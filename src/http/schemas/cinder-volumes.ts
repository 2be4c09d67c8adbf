/** Cinder's volume bodies, requests and replies, at /v2 and /v3 (fields of later microversions optional). */
import { Type } from '@sinclair/typebox';
import { Link, NoBody, Nullable, StringMap, Timestamp } from './common.js';
import { cinderErrors, cinderList } from './cinder-common.js';

export const VolumeParams = Type.Object({ project_id: Type.String(), volume_id: Type.String() });
export const VolumeItemParams = Type.Object({ project_id: Type.String(), volume_id: Type.String(), key: Type.String() });

const Attachment = Type.Object({
  id: Type.String(),
  attachment_id: Type.String(),
  volume_id: Type.String(),
  server_id: Nullable(Type.String()),
  host_name: Nullable(Type.String()),
  device: Nullable(Type.String()),
  attached_at: Timestamp,
});

export const VolumeSummary = Type.Object({ id: Type.String(), name: Nullable(Type.String()), links: Type.Array(Link) });

export const VolumeDetail = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  description: Nullable(Type.String()),
  status: Type.String(),
  size: Type.Integer(),
  availability_zone: Type.String(),
  created_at: Timestamp,
  updated_at: Nullable(Timestamp),
  attachments: Type.Array(Attachment),
  links: Type.Array(Link),
  volume_type: Type.String(),
  snapshot_id: Nullable(Type.String()),
  source_volid: Nullable(Type.String()),
  metadata: StringMap,
  bootable: Type.String({ description: '"true" or "false", a string as in Cinder' }),
  encrypted: Type.Boolean(),
  multiattach: Type.Boolean(),
  user_id: Nullable(Type.String()),
  consistencygroup_id: Type.Null(),
  replication_status: Type.String(),
  migration_status: Type.Optional(Nullable(Type.String({ description: 'administrators only' }))),
  'os-vol-host-attr:host': Type.Optional(Type.String({ description: 'administrators only, on show and detailed listing' })),
  'os-vol-tenant-attr:tenant_id': Type.Optional(Type.String({ description: 'on show and detailed listing' })),
  'os-vol-mig-status-attr:migstat': Type.Optional(Nullable(Type.String({ description: 'administrators only, on show and detailed listing' }))),
  'os-vol-mig-status-attr:name_id': Type.Optional(Type.Null({ description: 'administrators only, on show and detailed listing' })),
  group_id: Type.Optional(Type.Null({ description: '3.13' })),
  provider_id: Type.Optional(Type.Null({ description: '3.21, administrators only' })),
  service_uuid: Type.Optional(Type.String({ description: '3.48' })),
  shared_targets: Type.Optional(Type.Boolean({ description: '3.48' })),
});


const VolumeFields = {
  name: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  display_name: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  display_description: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  metadata: Type.Optional(Nullable(StringMap)),
};

export const CreateVolumeBody = Type.Object({
  'OS-SCH-HNT:scheduler_hints': Type.Optional(Nullable(Type.Object({}, { description: 'accepted and ignored: one backend' }))),
  volume: Type.Object({
    ...VolumeFields,
    size: Type.Optional(Nullable(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*\\d+\\s*$' })]))),
    volume_type: Type.Optional(Nullable(Type.String())),
    availability_zone: Type.Optional(Nullable(Type.String())),
    snapshot_id: Type.Optional(Nullable(Type.String())),
    source_volid: Type.Optional(Nullable(Type.String())),
    backup_id: Type.Optional(Nullable(Type.String({ description: 'restore a backup into the new volume (3.47)' }))),
    imageRef: Type.Optional(Nullable(Type.String({ description: 'refused: this service has no image service' }))),
    image_id: Type.Optional(Nullable(Type.String({ description: 'ignored: this service has no image service' }))),
    consistencygroup_id: Type.Optional(Nullable(Type.String({ description: 'ignored' }))),
    group_id: Type.Optional(Nullable(Type.String({ description: 'ignored (3.13)' }))),
    bootable: Type.Optional(Nullable(Type.Union([Type.Boolean(), Type.String()]))),
    multiattach: Type.Optional(Nullable(Type.Union([Type.Boolean(), Type.String()]))),
  }),
});

export const UpdateVolumeBody = Type.Object({ volume: Type.Object(VolumeFields) });

/** One action a call: the body's only key names it. */
export const VolumeActionBody = Type.Union(
  [
    Type.Object({ 'os-extend': Type.Object({ new_size: Type.Union([Type.Integer({ minimum: 1 }), Type.String()]) }) }),
    Type.Object({ 'os-reserve': Nullable(Type.Object({})) }),
    Type.Object({ 'os-unreserve': Nullable(Type.Object({})) }),
    Type.Object({ 'os-begin_detaching': Nullable(Type.Object({})) }),
    Type.Object({ 'os-roll_detaching': Nullable(Type.Object({})) }),
    Type.Object({
      'os-attach': Type.Object({
        instance_uuid: Type.Optional(Type.String({ format: 'uuid', description: 'this or host_name' })),
        host_name: Type.Optional(Type.String({ maxLength: 255 })),
        mountpoint: Type.String({ minLength: 1, maxLength: 255 }),
        mode: Type.Optional(Type.Union([Type.Literal('rw'), Type.Literal('ro')])),
      }),
    }),
    Type.Object({ 'os-detach': Nullable(Type.Object({ attachment_id: Type.Optional(Nullable(Type.String({ format: 'uuid' }))) })) }),
    Type.Object({ 'os-set_bootable': Type.Object({ bootable: Type.Union([Type.Boolean(), Type.String()]) }) }),
    Type.Object({ 'os-update_readonly_flag': Type.Object({ readonly: Type.Union([Type.Boolean(), Type.String()]) }) }),
    Type.Object({ 'os-force_delete': Nullable(Type.Object({})) }),
    Type.Object({
      'os-reset_status': Type.Object({
        status: Type.Optional(Nullable(Type.String({ description: "any of Cinder's volume statuses but deleting" }))),
        attach_status: Type.Optional(Nullable(Type.Union([Type.Literal('attached'), Type.Literal('detached')]))),
        migration_status: Type.Optional(Nullable(Type.String({ description: 'migrating, error, success, completing, starting, or none to clear it' }))),
      }),
    }),
    Type.Object({
      'os-retype': Type.Object({
        new_type: Type.String({ description: "a volume type's id or name" }),
        migration_policy: Type.Optional(Nullable(Type.Union([Type.Literal('never'), Type.Literal('on-demand')]))),
      }),
    }),
  ],
  { description: 'exactly one action' },
);


export const SummaryQuery = Type.Object({ all_tenants: Type.Optional(Type.String({ description: 'every project (administrators)' })) });

export const VolumeSummaryReply = Type.Object({
  'volume-summary': Type.Object({
    total_count: Type.Integer(),
    total_size: Type.Integer({ description: 'GiB' }),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'each key with its distinct values (3.36)' })),
  }),
});

export const VolumeReplies = {
  summary: { 200: VolumeSummaryReply, ...cinderErrors },
  list: { 200: cinderList('volumes', VolumeSummary), ...cinderErrors },
  detail: { 200: cinderList('volumes', VolumeDetail), ...cinderErrors },
  created: { 202: Type.Object({ volume: VolumeDetail }), ...cinderErrors },
  one: { 200: Type.Object({ volume: VolumeDetail }), ...cinderErrors },
  accepted: { 202: NoBody, ...cinderErrors },
  action: { 200: NoBody, 202: NoBody, ...cinderErrors },
  metadata: { 200: Type.Object({ metadata: StringMap }), ...cinderErrors },
  metaItem: { 200: Type.Object({ meta: StringMap }), ...cinderErrors },
  deleted: { 200: NoBody, ...cinderErrors },
};
