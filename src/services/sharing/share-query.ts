import type { ResourceQuery } from '../common/listing.js';
import type { ShareFilter, SharedBackup } from './share-repository.js';

/** Exact filters of the share listings (seed 002); `name` matches anywhere, case-insensitively. */
export const SHARE_FILTERS = ['name', 'status', 'volume_id', 'backup_id', 'from_project_id', 'to_project_id', 'availability_zone'] as const;
export const SHARE_SORT_KEYS = ['name', 'status', 'size', 'id', 'created_at', 'updated_at'] as const;

/** GET .../os-vendor-backup-sharing/detail and /count, checked; the project is the caller's. */
export interface ShareQuery {
  /** Shares the caller's project made, or (share_to_me) those made with it. */
  side: ShareFilter['side'];
  exact: ShareFilter['exact'];
  /** Lower case; matches anywhere in the backup's name. */
  name: string | undefined;
  /** Order and page; its filters are the ones above. */
  page: ResourceQuery;
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
