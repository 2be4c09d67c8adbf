import { type ResourceQuery } from '../common/listing.js';
import { parseBoolean, parseResourceQuery } from '../../http/input/listing-query.js';
import type { ShareFilter, SharedBackup } from './share-repository.js';

/** Exact filters of the share listings (seed 002); `name` matches anywhere, case-insensitively. */
const FILTERS = ['name', 'status', 'volume_id', 'backup_id', 'from_project_id', 'to_project_id', 'availability_zone'] as const;
const SORT_KEYS = ['name', 'status', 'size', 'id', 'created_at', 'updated_at'] as const;
/** Image attributes the reference lists as sort keys: no backup has them, so they order nothing. */
const IMAGE_SORT_KEYS = new Set(['container_format', 'disk_format']);

export interface ShareQuery {
  filter: ShareFilter;
  name: string | undefined;
  page: ResourceQuery;
}

function one(raw: unknown): string | undefined {
  if (Array.isArray(raw)) return raw.length ? String(raw[raw.length - 1]) : undefined;
  return raw === undefined ? undefined : String(raw);
}

/** The query of GET .../os-vendor-backup-sharing/detail and /count for the project of the path. */
export function parseShareQuery(projectId: string, raw: Record<string, unknown>): ShareQuery {
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
  const page = parseResourceQuery(params, { filters: FILTERS, sortKeys: [...SORT_KEYS], fuzzy: false, withCount: false, admin: false });
  const shareToMe = one(params.share_to_me);
  const { name, ...exact } = page.exact;
  return {
    filter: { side: shareToMe !== undefined && parseBoolean('share_to_me', shareToMe) ? 'to' : 'from', projectId, exact },
    name: name?.toLowerCase(),
    page,
  };
}

function sortValue(x: SharedBackup, key: string): string | number {
  switch (key) {
    case 'name':
      return x.backup.name ?? '';
    case 'status':
      return x.backup.status;
    case 'size':
      return x.backup.size;
    case 'created_at':
      return x.share.createdAt.toISOString();
    case 'updated_at':
      return (x.share.updatedAt ?? x.share.createdAt).toISOString();
    default:
      return x.share.id;
  }
}

/**
 * The matches in the query's order: backup name, status and size order by the backup; id and
 * times by the share. Done here, not in SQL, so both database engines order text alike.
 */
export function filterAndSort(items: SharedBackup[], q: ShareQuery): SharedBackup[] {
  const matching = q.name === undefined ? items : items.filter((x) => (x.backup.name ?? '').toLowerCase().includes(q.name!));
  const sorts = [...q.page.sort, { key: 'id', dir: q.page.sort[0]?.dir ?? 'desc' }];
  return [...matching].sort((a, b) => {
    for (const { key, dir } of sorts) {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      if (x !== y) return (x < y ? -1 : 1) * (dir === 'asc' ? 1 : -1);
    }
    return 0;
  });
}
