/** Cinder's os-quota-sets, os-quota-class-sets and limits at /v2 and /v3, and the compute quota set openstackclient reads. */
import { Type, type TSchema } from '@sinclair/typebox';
import { GLOBAL_RESOURCES } from '../../services/volumes/quota-service.js';
import { NoBody, errorResponses } from './common.js';

export const QuotaParams = Type.Object({ project_id: Type.String(), target_id: Type.String({ description: 'the project whose quotas these are' }) });
export const QuotaClassParams = Type.Object({ project_id: Type.String(), class_name: Type.String({ description: "a quota class; 'default' holds every project's defaults" }) });
/** The compute quota paths carry no project of their own: the target is the one asked about. */
export const ComputeQuotaParams = Type.Object({ target_id: Type.String() });

export const QuotaShowQuery = Type.Object({
  usage: Type.Optional(Type.Boolean({ description: 'true: each resource as {limit, in_use, reserved}' })),
});

/** The totals a project has a quota for; volumes, gigabytes and snapshots of each volume type follow as `<resource>_<type>`. */
const totals = <T extends TSchema>(value: () => T) => Object.fromEntries(GLOBAL_RESOURCES.map((r) => [r, value()])) as Record<string, T>;

const Limit = () => Type.Integer({ minimum: -1, description: '-1 is unlimited' });
const Usage = () =>
  Type.Object({ limit: Type.Integer({ minimum: -1, description: '-1 is unlimited' }), in_use: Type.Integer({ minimum: 0 }), reserved: Type.Integer({ minimum: 0, description: 'always 0: nothing is reserved ahead' }) });

/** The id is the target project's, left out of the answer to an update as Cinder leaves it out. */
const QuotaId = Type.Optional(Type.String({ description: 'the project; not in the answer to an update' }));
const PER_TYPE = 'volumes_<type>, gigabytes_<type> and snapshots_<type> of each volume type';
const QuotaLimits = Type.Object({ id: QuotaId, ...totals(Limit) }, { additionalProperties: Limit(), description: PER_TYPE });
const QuotaUsages = Type.Object({ id: QuotaId, ...totals(Usage) }, { additionalProperties: Usage(), description: PER_TYPE });
const ClassLimits = Type.Object({ id: Type.Optional(Type.String({ description: 'the class; not in the answer to an update' })), ...totals(Limit) }, { additionalProperties: Limit(), description: PER_TYPE });

const NewLimit = () => Type.Optional(Type.Union([Type.Integer({ minimum: -1 }), Type.String({ pattern: '^\\s*-?\\d+\\s*$' })], { description: 'the new limit; -1 is unlimited' }));
export const UpdateQuotaSetBody = Type.Object({
  quota_set: Type.Object(
    {
      ...totals(NewLimit),
      // Clients echo these back from a show; they change nothing.
      id: Type.Optional(Type.String({ description: 'ignored' })),
      tenant_id: Type.Optional(Type.String({ description: 'ignored' })),
      skip_validation: Type.Optional(Type.Union([Type.Boolean(), Type.String()], { description: 'ignored' })),
    },
    { additionalProperties: NewLimit(), description: `also ${PER_TYPE}; a key that names no resource is refused` },
  ),
});
export const UpdateQuotaClassBody = Type.Object({
  quota_class_set: Type.Object({ ...totals(NewLimit) }, { additionalProperties: true, description: `also ${PER_TYPE}; keys that name no resource are passed over` }),
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

const cinderErrors = errorResponses('cinder');

export const QuotaReplies = {
  show: { 200: Type.Object({ quota_set: Type.Union([QuotaLimits, QuotaUsages], { description: 'limits, or with usage=true limit, use and reservation of each resource' }) }), ...cinderErrors },
  limits: { 200: Type.Object({ quota_set: QuotaLimits }), ...cinderErrors },
  quotaClass: { 200: Type.Object({ quota_class_set: ClassLimits }), ...cinderErrors },
  reset: { 200: NoBody, ...cinderErrors },
  absolute: { 200: Limits, ...cinderErrors },
  // Outside /v2 and /v3, the compute paths answer errors in the plain envelope.
  compute: { 200: Type.Object({ quota_set: Type.Object({ id: Type.String() }, { description: 'empty: this service runs no servers' }) }), ...errorResponses('plain') },
};

