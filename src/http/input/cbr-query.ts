import { ApiError } from '../../common/errors.js';
import { CBR_OWN_TYPES, CBR_SORT_KEYS, CBR_STATUSES, type CbrQuery, type CbrSortKey } from '../../services/backups/cbr-listing.js';

/** Share states CBR documents; a filter on one is accepted although every share here is accepted at once. */
const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'];

function bad(message: string): ApiError {
  return new ApiError('common.0400', message);
}

function all(raw: unknown): string[] {
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

function one(raw: unknown): string | undefined {
  const v = all(raw);
  return v.length ? v[v.length - 1] : undefined;
}

function time(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const d = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(raw) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw bad(`${name} must look like 2018-02-01T12:00:00Z, got "${raw}".`);
  return d;
}

function positive(name: string, raw: string | undefined, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw bad(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  return Number(raw);
}

/** The query parameters of GET /cbr/v3/{project_id}/backups, checked; each failure is 400 naming the parameter. */
export function parseCbrQuery(params: Record<string, unknown>): CbrQuery {
  const statuses = all(params.status);
  for (const s of statuses) if (!(CBR_STATUSES as readonly string[]).includes(s)) throw bad(`status must be one of ${CBR_STATUSES.join(', ')}, got "${s}".`);
  const ownType = one(params.own_type) ?? 'private';
  if (!(CBR_OWN_TYPES as readonly string[]).includes(ownType)) throw bad(`own_type must be private, shared or all_granted, got "${ownType}".`);
  const memberStatus = one(params.member_status);
  if (memberStatus !== undefined && !MEMBER_STATUSES.includes(memberStatus)) throw bad(`member_status must be one of ${MEMBER_STATUSES.join(', ')}, got "${memberStatus}".`);
  // Checked as CBR checks it, though no listing here filters on it.
  const usedPercent = one(params.used_percent);
  if (usedPercent !== undefined) positive('used_percent', usedPercent, 1, 100, 1);
  const sortRaw = one(params.sort);
  if (sortRaw !== undefined && sortRaw.length > 255) throw bad('sort may have at most 255 characters.');
  const sort = (sortRaw ?? 'created_at:desc').split(',').filter(Boolean).map((part) => {
    const [key, dir = 'desc'] = part.split(':').map((x) => x.trim());
    if (!(CBR_SORT_KEYS as readonly string[]).includes(key)) throw bad(`Invalid sort key "${key}"; use one of ${CBR_SORT_KEYS.join(', ')}.`);
    if (dir !== 'asc' && dir !== 'desc') throw bad(`Invalid sort direction "${dir}"; use asc or desc.`);
    return { key: key as CbrSortKey, dir: dir as 'asc' | 'desc' };
  });
  return {
    checkpointId: one(params.checkpoint_id),
    startTime: time('start_time', one(params.start_time)),
    endTime: time('end_time', one(params.end_time)),
    imageType: one(params.image_type),
    limit: positive('limit', one(params.limit), 1, 1000, 1000),
    offset: positive('offset', one(params.offset), 0, Number.MAX_SAFE_INTEGER, 0),
    marker: one(params.marker),
    memberStatus,
    name: one(params.name),
    ownType: ownType as CbrQuery['ownType'],
    parentId: one(params.parent_id),
    resourceAz: one(params.resource_az),
    resourceId: one(params.resource_id),
    resourceName: one(params.resource_name),
    resourceType: one(params.resource_type),
    statuses,
    sort,
    vaultId: one(params.vault_id),
  };
}
