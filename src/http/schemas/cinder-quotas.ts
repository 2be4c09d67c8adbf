/** Cinder's os-quota-sets, limits and volume types at /v2 and /v3, and the compute quota set openstackclient reads. */
import { Type, type TSchema } from '@sinclair/typebox';
import { QUOTA_RESOURCES } from '../../services/volumes/quota-service.js';
import { NoBody, StringMap, errorResponses } from './common.js';

export const QuotaParams = Type.Object({ project_id: Type.String(), target_id: Type.String({ description: 'the project whose quotas these are' }) });
export const TypeParams = Type.Object({ project_id: Type.String(), type_id: Type.String({ description: 'a type id or name' }) });
/** The compute quota paths carry no project of their own: the target is the one asked about. */
export const ComputeQuotaParams = Type.Object({ target_id: Type.String() });

export const QuotaShowQuery = Type.Object({
  usage: Type.Optional(Type.Boolean({ description: 'true: each resource as {limit, in_use, reserved}' })),
});

/** Every resource a project has a quota for: the totals, and volumes, gigabytes and snapshots per volume type. */
const perResource = <T extends TSchema>(value: () => T) => Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, value()])) as Record<string, T>;

const Limit = () => Type.Integer({ minimum: -1, description: '-1 is unlimited' });
const Usage = () =>
  Type.Object({ limit: Type.Integer({ minimum: -1, description: '-1 is unlimited' }), in_use: Type.Integer({ minimum: 0 }), reserved: Type.Integer({ minimum: 0, description: 'always 0: nothing is reserved ahead' }) });

/** The id is the target project's, left out of the answer to an update as Cinder leaves it out. */
const QuotaId = Type.Optional(Type.String({ description: 'the project; not in the answer to an update' }));
const QuotaLimits = Type.Object({ id: QuotaId, ...perResource(Limit) });
const QuotaUsages = Type.Object({ id: QuotaId, ...perResource(Usage) });

export const UpdateQuotaSetBody = Type.Object({
  quota_set: Type.Object(
    {
      ...perResource(() => Type.Optional(Type.Union([Type.Integer({ minimum: -1 }), Type.String({ pattern: '^\\s*-?\\d+\\s*$' })], { description: 'the new limit; -1 is unlimited' }))),
      // Clients echo these back from a show; they change nothing.
      id: Type.Optional(Type.String({ description: 'ignored' })),
      tenant_id: Type.Optional(Type.String({ description: 'ignored' })),
      skip_validation: Type.Optional(Type.Union([Type.Boolean(), Type.String()], { description: 'ignored' })),
    },
    { additionalProperties: false, description: 'a key that names no resource is refused' },
  ),
});

/** What GET /limits shows: the absolute limits of the caller's project and its usage. */
const Absolute = Type.Object({
  maxTotalVolumes: Type.Integer(),
  maxTotalSnapshots: Type.Integer(),
  maxTotalVolumeGigabytes: Type.Integer(),
  maxTotalBackups: Type.Integer(),
  maxTotalBackupGigabytes: Type.Integer(),
  totalVolumesUsed: Type.Integer(),
  totalSnapshotsUsed: Type.Integer(),
  totalGigabytesUsed: Type.Integer(),
  totalBackupsUsed: Type.Integer(),
  totalBackupGigabytesUsed: Type.Integer(),
});

const Limits = Type.Object({
  limits: Type.Object({
    rate: Type.Array(Type.Object({}), { maxItems: 0, description: 'always empty: requests are not rate-limited' }),
    absolute: Absolute,
  }),
});

export const VolumeType = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'SATA, SAS or SSD' }),
  description: Type.String(),
  is_public: Type.Boolean(),
  'os-volume-type-access:is_public': Type.Boolean(),
  qos_specs_id: Type.Null(),
  extra_specs: StringMap,
});

const cinderErrors = errorResponses('cinder');

export const QuotaReplies = {
  show: { 200: Type.Object({ quota_set: Type.Union([QuotaLimits, QuotaUsages], { description: 'limits, or with usage=true limit, use and reservation of each resource' }) }), ...cinderErrors },
  limits: { 200: Type.Object({ quota_set: QuotaLimits }), ...cinderErrors },
  reset: { 200: NoBody, ...cinderErrors },
  absolute: { 200: Limits, ...cinderErrors },
  // Outside /v2 and /v3, the compute paths answer errors in the plain envelope.
  compute: { 200: Type.Object({ quota_set: Type.Object({ id: Type.String() }, { description: 'empty: this service runs no servers' }) }), ...errorResponses('plain') },
};

export const VolumeTypeReplies = {
  list: { 200: Type.Object({ volume_types: Type.Array(VolumeType) }), ...cinderErrors },
  one: { 200: Type.Object({ volume_type: VolumeType }), ...cinderErrors },
};
