import { NotFound } from '../common/errors.js';
import { isUuid } from '../../common/ids.js';
import { type Page, type ResourceQuery, type ResourceSortKey } from '../common/listing.js';
import type { Backup, BackupRepository } from './backup-repository.js';

/** What a backup listing filters and sorts by. */
export const BACKUP_LISTING = {
  filters: ['name', 'status', 'volume_id'],
  sortKeys: ['name', 'status', 'size', 'id', 'created_at', 'updated_at'],
} as const satisfies { filters: readonly string[]; sortKeys: readonly ResourceSortKey[] };

/** Reading backups: what a project may see of its own (every project's for an admin asking all_tenants). */
export class BackupQueryService {
  constructor(
    private readonly backups: BackupRepository,
    /** Whether the backup is shared with the project: a recipient may read it (clients read a backup before restoring it). */
    private readonly sharedWith: (backupId: string, projectId: string) => Promise<boolean>,
  ) {}

  async list(projectId: string, q: ResourceQuery): Promise<Page<Backup>> {
    return this.backups.page(q.allTenants ? null : projectId, q);
  }

  /** One backup of the project or shared with it (any for an administrator); anything else, malformed ids included, is 404. */
  async show(projectId: string, backupId: string, admin = false): Promise<Backup> {
    const b = isUuid(backupId) ? await this.backups.get(backupId) : undefined;
    if (b && (admin || b.projectId === projectId || (await this.sharedWith(b.id, projectId)))) return b;
    throw new NotFound('backup', backupId);
  }
}
