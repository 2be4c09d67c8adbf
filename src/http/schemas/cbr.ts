/** The CBR-style backup listing (seed 003), at /cbr/v3/{project_id}/backups. */
import { Type } from '@sinclair/typebox';
import { CBR_OWN_TYPES, CBR_STATUSES } from '../../services/backups/cbr-listing.js';
import { Nullable, errorResponses } from './common.js';

/** A string of a fixed set, as one `enum` (a union of literals would document one schema per value). */
const oneOf = <T extends string>(values: readonly T[], description?: string) => Type.Unsafe<T>(Type.String({ enum: [...values], ...(description ? { description } : {}) }));

/** CBR writes times with their zone offset, e.g. 2020-02-21T07:00:54.065+00:00. */
const CbrTime = Type.String({ description: 'ISO 8601 date and time with its zone offset, e.g. 2020-02-21T07:00:54.065+00:00' });
const QueryTime = Type.String({ description: 'UTC, e.g. 2018-02-01T12:00:00Z' });

/** The filters, order and page of the listing; each is checked by src/http/input/cbr-query.ts. */
export const CbrListQuery = Type.Object({
  checkpoint_id: Type.Optional(Type.String()),
  start_time: Type.Optional(QueryTime),
  end_time: Type.Optional(QueryTime),
  image_type: Type.Optional(Type.String({ description: 'backup' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  marker: Type.Optional(Type.String({ description: 'id of the last backup of the previous page' })),
  member_status: Type.Optional(oneOf(['pending', 'accepted', 'rejected'], 'every share here is accepted')),
  name: Type.Optional(Type.String()),
  own_type: Type.Optional(oneOf(CBR_OWN_TYPES, 'private (the default), shared, or all_granted (both)')),
  parent_id: Type.Optional(Type.String()),
  resource_az: Type.Optional(Type.String()),
  resource_id: Type.Optional(Type.String()),
  resource_name: Type.Optional(Type.String()),
  resource_type: Type.Optional(Type.String()),
  sort: Type.Optional(Type.String({ maxLength: 255, description: 'key[:asc|desc][,key...]; keys created_at, updated_at, name, status, protected_at, id, resource_size; desc by default' })),
  status: Type.Optional(Type.Array(oneOf(CBR_STATUSES), { description: 'repeat for several: status=available&status=error' })),
  used_percent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'checked, filters nothing: vaults here have no capacity' })),
  vault_id: Type.Optional(Type.String()),
});

const ExtendInfo = Type.Object({
  auto_trigger: Type.Boolean({ description: 'made by a backup policy' }),
  bootable: Type.Boolean(),
  incremental: Type.Boolean(),
  snapshot_id: Nullable(Type.String()),
  encrypted: Type.Boolean(),
  system_disk: Type.Boolean(),
  support_lld: Type.Boolean(),
  supported_restore_mode: oneOf(['na', 'backup', 'snapshot']),
});

/** A disk backup as CBR's BackupResp shows it. */
export const CbrBackup = Type.Object({
  id: Type.String(),
  checkpoint_id: Type.String(),
  name: Nullable(Type.String()),
  description: Type.String(),
  status: oneOf(CBR_STATUSES),
  image_type: Type.Literal('backup'),
  project_id: Type.String(),
  provider_id: Type.String({ description: 'd1603440-187d-4516-af25-121250c7cc97: cloud disks' }),
  vault_id: Type.String(),
  parent_id: Type.Null(),
  resource_id: Type.String(),
  resource_name: Type.String(),
  resource_type: Type.Literal('OS::Cinder::Volume'),
  resource_size: Type.Integer({ description: 'GiB' }),
  resource_az: Nullable(Type.String()),
  created_at: CbrTime,
  updated_at: CbrTime,
  protected_at: CbrTime,
  expired_at: Type.Null({ description: 'backups here do not expire' }),
  children: Type.Array(Type.Object({}), { maxItems: 0, description: 'always empty: a disk backup has no child backups' }),
  extend_info: ExtendInfo,
});

export const CbrReplies = {
  list: {
    200: Type.Object({
      backups: Type.Array(CbrBackup),
      count: Type.Integer({ description: 'every match, whatever the page' }),
      offset: Type.Integer({ minimum: 0 }),
      limit: Type.Integer({ minimum: 1, maximum: 1000 }),
    }),
    ...errorResponses('cbr'),
  },
};
