import type { ResourceQuery } from '../common/listing.js';
import type { ShareFilter } from './share-repository.js';

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
