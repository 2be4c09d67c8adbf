import type { Db } from '../../db/connect.js';
import { InvalidInput } from '../common/errors.js';
import { toBackup, type Backup } from './backup-repository.js';
import type { BackupStatus } from './backup-state.js';
import type { ShareLookup } from './share-lookup.js';

/** CBR's names for backup statuses. */
export function cbrStatus(status: BackupStatus): string {
  switch (status) {
    case 'creating':
      return 'protecting';
    case 'available':
    case 'deleting':
    case 'restoring':
      return status;
    default:
      return 'error';
  }
}

/** Every status CBR documents; a filter on one that no backup here takes matches nothing. */
export const CBR_STATUSES = ['available', 'protecting', 'deleting', 'restoring', 'error', 'waiting_protect', 'waiting_delete', 'waiting_restore'] as const;
export const CBR_OWN_TYPES = ['private', 'shared', 'all_granted'] as const;
export const CBR_SORT_KEYS = ['created_at', 'updated_at', 'name', 'status', 'protected_at', 'id', 'resource_size'] as const;
export type CbrSortKey = (typeof CBR_SORT_KEYS)[number];

/** GET /cbr/v3/{project_id}/backups: filters, order and page, checked. */
export interface CbrQuery {
  checkpointId?: string;
  startTime?: Date;
  endTime?: Date;
  imageType?: string;
  limit: number;
  offset: number;
  marker?: string;
  memberStatus?: string;
  name?: string;
  ownType: (typeof CBR_OWN_TYPES)[number];
  parentId?: string;
  resourceAz?: string;
  resourceId?: string;
  resourceName?: string;
  resourceType?: string;
  statuses: string[];
  sort: Array<{ key: CbrSortKey; dir: 'asc' | 'desc' }>;
  vaultId?: string;
}

export interface CbrBackup {
  backup: Backup;
  resourceName: string;
  /** Another project owns it and shares it with the listing's project. */
  shared: boolean;
}

/** The vault a project's disk backups live in: one per project, named by the project id. */
export function vaultIdOf(projectId: string): string {
  return `${projectId.slice(0, 8)}-${projectId.slice(8, 12)}-${projectId.slice(12, 16)}-${projectId.slice(16, 20)}-${projectId.slice(20, 32)}`;
}

function sortValue(b: CbrBackup, key: CbrSortKey): string | number {
  switch (key) {
    case 'created_at':
      return b.backup.createdAt.toISOString();
    case 'protected_at':
      return (b.backup.dataTimestamp ?? b.backup.createdAt).toISOString();
    case 'updated_at':
      return (b.backup.updatedAt ?? b.backup.createdAt).toISOString();
    case 'resource_size':
      return b.backup.size;
    case 'status':
      return cbrStatus(b.backup.status);
    default:
      return b.backup[key] ?? '';
  }
}

/** The CBR-style listing: a project's own disk backups (private), those shared with it (shared), or both (all_granted). */
export class CbrListing {
  constructor(
    private readonly db: Db,
    private readonly shares: ShareLookup,
  ) {}

  async list(projectId: string, q: CbrQuery): Promise<{ items: CbrBackup[]; total: number }> {
    // Backups are the only image type here, and disks the only resource type.
    if (q.imageType !== undefined && q.imageType !== 'backup') return { items: [], total: 0 };
    if (q.resourceType !== undefined && q.resourceType !== 'OS::Cinder::Volume') return { items: [], total: 0 };
    // Every backup is whole, so none has a parent.
    if (q.parentId !== undefined) return { items: [], total: 0 };
    const own =
      q.ownType === 'shared'
        ? []
        : await this.db
            .selectFrom('backups')
            .leftJoin('volumes', 'volumes.id', 'backups.volume_id')
            .selectAll('backups')
            .select('volumes.name as volume_name')
            .where('backups.project_id', '=', projectId)
            .execute();
    const shared = q.ownType === 'private' ? [] : await this.shares.backupsSharedWith(projectId);
    let items: CbrBackup[] = [
      ...own.map((r) => ({ backup: toBackup(r), resourceName: r.volume_name ?? '', shared: false })),
      // The owner's volume is not the recipient's to see, not even its name.
      ...shared.map((backup) => ({ backup, resourceName: '', shared: true })),
    ];
    items = items.filter(({ backup: b, resourceName, shared }) => {
      const created = b.createdAt.getTime();
      return (
        // A shared backup stays in its owner's vault.
        (q.vaultId === undefined || q.vaultId === vaultIdOf(b.projectId)) &&
        (q.memberStatus === undefined || !shared || q.memberStatus === 'accepted') &&
        (q.checkpointId === undefined || b.id === q.checkpointId) &&
        (q.startTime === undefined || created >= q.startTime.getTime()) &&
        (q.endTime === undefined || created <= q.endTime.getTime()) &&
        (q.name === undefined || b.name === q.name) &&
        (q.resourceAz === undefined || b.availabilityZone === q.resourceAz) &&
        (q.resourceId === undefined || b.volumeId === q.resourceId) &&
        (q.resourceName === undefined || resourceName === q.resourceName) &&
        (q.statuses.length === 0 || q.statuses.includes(cbrStatus(b.status)))
      );
    });
    const sorts = [...q.sort, { key: 'id' as const, dir: q.sort[0]?.dir ?? 'desc' }];
    items.sort((a, b) => {
      for (const { key, dir } of sorts) {
        const x = sortValue(a, key);
        const y = sortValue(b, key);
        if (x !== y) return (x < y ? -1 : 1) * (dir === 'asc' ? 1 : -1);
      }
      return 0;
    });
    let start = q.offset;
    if (q.marker !== undefined) {
      const at = items.findIndex((x) => x.backup.id === q.marker);
      if (at < 0) throw new InvalidInput(`marker ${q.marker} is not a backup of this listing.`);
      start += at + 1;
    }
    return { items: items.slice(start, start + q.limit), total: items.length };
  }
}
