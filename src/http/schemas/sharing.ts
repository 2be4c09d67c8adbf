/** Backup sharing between projects (VBS family, seed 002): the share body, the listing query and the share views. */
import { Type } from '@sinclair/typebox';
import { BackupFields } from './cinder-backups.js';
import { NoBody, Nullable, Timestamp, errorResponses } from './common.js';

/** More recipients in one request than any real use needs; it bounds the work of one request. */
export const MAX_RECIPIENTS = 100;

export const ShareParams = Type.Object({ project_id: Type.String(), share_id: Type.String({ description: 'a share id, or a backup id with is_backup_id=true' }) });

/**
 * The fields of `shared` in a share request, and the only ones: the parser refuses any other
 * field by this object's properties.
 */
export const ShareSpec = Type.Object(
  {
    backup_id: Type.String({ format: 'uuid', description: 'an available backup of the project' }),
    to_project_ids: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: MAX_RECIPIENTS, uniqueItems: true, description: 'the projects to share with, not the own one' }),
  },
  { additionalProperties: false },
);

export const ShareBody = Type.Object({ shared: ShareSpec }, { additionalProperties: false });

/** The filters, order and page of the share listing and count (count ignores the page). */
export const ShareListQuery = Type.Object({
  share_to_me: Type.Optional(Type.Boolean({ description: 'true: shares made with this project; otherwise those it made' })),
  volume_id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String({ description: "part of the backup's name, any case" })),
  status: Type.Optional(Type.String({ description: "the backup's status" })),
  backup_id: Type.Optional(Type.String()),
  from_project_id: Type.Optional(Type.String()),
  to_project_id: Type.Optional(Type.String()),
  availability_zone: Type.Optional(Type.String()),
  avalilability_zone: Type.Optional(Type.String({ description: 'availability_zone as the reference spells it' })),
  sort_key: Type.Optional(Type.String({ description: 'name, status, size, id, created_at or updated_at, comma-separated; container_format and disk_format order nothing' })),
  sort_dir: Type.Optional(Type.String({ description: 'asc or desc, one per key' })),
  limit: Type.Optional(Type.Integer({ minimum: 0, description: 'page size; more than 1000 reads as 1000' })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const CancelShareQuery = Type.Object({
  is_backup_id: Type.Optional(Type.Boolean({ description: 'true: the path names a backup, and every share of it is cancelled' })),
});

const ShareFields = {
  id: Type.String(),
  backup_id: Type.String(),
  from_project_id: Type.String(),
  to_project_id: Type.String(),
  created_at: Timestamp,
  updated_at: Nullable(Timestamp),
};

/** A share just made: it also says that it is live. */
const NewShare = Type.Object({ ...ShareFields, deleted: Type.Boolean(), deleted_at: Type.Null() });


/** A share with the source backup's own fields (nothing of the owner's project or links into it). */
const ShareDetail = Type.Object({ ...ShareFields, backup: Type.Object(BackupFields) });

const vbsErrors = errorResponses('vbs');

export const ShareReplies = {
  created: { 200: Type.Object({ shared: Type.Array(NewShare, { description: 'one share per recipient' }) }), ...vbsErrors },
  list: { 200: Type.Object({ shared: Type.Array(ShareDetail) }), ...vbsErrors },
  count: { 200: Type.Object({ count: Type.Integer() }), ...vbsErrors },
  one: { 200: Type.Object({ shared: ShareDetail }), ...vbsErrors },
  cancelled: { 200: NoBody, ...vbsErrors },
};
