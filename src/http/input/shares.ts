import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import { SHARE_FILTERS, SHARE_SORT_KEYS, type ShareQuery } from '../../services/sharing/share-query.js';
import type { CancelShare, ShareBackup } from '../../services/sharing/sharing-service.js';
import { MAX_RECIPIENTS, ShareBody, ShareSpec } from '../schemas/sharing.js';
import { refuseUnknownFields } from './common.js';
import { parseBoolean, parseResourceQuery } from './listing-query.js';

/** Image attributes the reference lists as sort keys: no backup has them, so they order nothing. */
const IMAGE_SORT_KEYS = new Set(['container_format', 'disk_format']);

function malformed(detail: string): ApiError {
  return new ApiError('VolumeBackup.0002', `api request parameter instance null: ${detail}`);
}

function one(raw: unknown): string | undefined {
  if (Array.isArray(raw)) return raw.length ? String(raw[raw.length - 1]) : undefined;
  return raw === undefined ? undefined : String(raw);
}

/** POST /v2/{project_id}/os-vendor-backup-sharing: the VBS rules and codes of the reference. */
export function shareRequest(body: unknown): ShareBackup {
  const shared = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).shared : undefined;
  if (!shared || typeof shared !== 'object' || Array.isArray(shared)) throw malformed('the body needs a "shared" object with backup_id and to_project_ids');
  // A misspelled field (to_project_id for to_project_ids) is refused, not silently ignored.
  refuseUnknownFields(body as Record<string, unknown>, ShareBody, 'VolumeBackup.0002', 'The body');
  const spec = shared as Record<string, unknown>;
  refuseUnknownFields(spec, ShareSpec, 'VolumeBackup.0002', 'shared');
  const backupId = spec.backup_id;
  if (backupId === undefined || backupId === null || backupId === '') throw new ApiError('VolumeBackup.0203', 'api request parameter backup_id null');
  if (!isUuid(backupId)) throw new ApiError('VolumeBackup.0204', `api request parameter backup_id invalid UUID pattern: ${JSON.stringify(backupId)}`);
  const to = spec.to_project_ids;
  if (!Array.isArray(to) || to.length === 0) throw malformed('to_project_ids must be a list of 1 or more project ids');
  if (to.length > MAX_RECIPIENTS) throw malformed(`to_project_ids may list at most ${MAX_RECIPIENTS} projects, got ${to.length}`);
  const seen = new Set<string>();
  for (const id of to) {
    if (typeof id !== 'string' || id === '') throw malformed(`every entry of to_project_ids must be a project id, got ${JSON.stringify(id)}`);
    if (seen.has(id)) throw malformed(`project ${id} is listed twice in to_project_ids`);
    seen.add(id);
  }
  return { backupId: backupId.toLowerCase(), toProjectIds: to as string[] };
}

/** The query of GET .../os-vendor-backup-sharing/detail and /count; each failure is 400 common.0400. */
export function shareQuery(raw: Record<string, unknown>): ShareQuery {
  const params: Record<string, unknown> = { ...raw };
  // The reference spells it avalilability_zone; both spellings filter the same.
  if (params.availability_zone === undefined && params.avalilability_zone !== undefined) params.availability_zone = params.avalilability_zone;
  const sortKey = one(params.sort_key);
  if (sortKey !== undefined) {
    // Each direction belongs to the key at its place: an image key drops out with its direction.
    const dirs = one(params.sort_dir)?.split(',');
    const kept = sortKey.split(',').flatMap((k, i) => (IMAGE_SORT_KEYS.has(k.trim()) ? [] : [{ key: k, dir: dirs?.[i] }]));
    params.sort_key = kept.length ? kept.map((k) => k.key).join(',') : undefined;
    if (dirs && dirs.length > 1) {
      const keptDirs = kept.map((k) => k.dir).filter((d): d is string => d !== undefined);
      params.sort_dir = keptDirs.length ? keptDirs.join(',') : undefined;
    }
  }
  const page = parseResourceQuery(params, { filters: SHARE_FILTERS, sortKeys: [...SHARE_SORT_KEYS], fuzzy: false, withCount: false, admin: false });
  const shareToMe = one(params.share_to_me);
  const { name, ...exact } = page.exact;
  return {
    side: shareToMe !== undefined && parseBoolean('share_to_me', shareToMe) ? 'to' : 'from',
    exact,
    name: name?.toLowerCase(),
    page,
  };
}

/** DELETE .../os-vendor-backup-sharing/{id}: one share, or with is_backup_id=true every share of the backup {id}. */
export function cancelShareRequest(id: string, query: Record<string, unknown>): CancelShare {
  const byBackup = one(query.is_backup_id);
  return byBackup !== undefined && parseBoolean('is_backup_id', byBackup) ? { backupId: id } : { shareId: id };
}
