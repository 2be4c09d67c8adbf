import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import { paginate, type Page } from '../common/listing.js';
import { parseResourceQuery } from '../../http/input/listing-query.js';
import type { Backup, BackupRepository } from './backup-repository.js';

export const BACKUP_FILTERS = ['name', 'status', 'volume_id'] as const;
export const BACKUP_SORT_KEYS = ['name', 'status', 'size', 'id', 'created_at', 'updated_at'] as const;

/** Reading backups: what a project may see of its own (every project's for an admin asking all_tenants). */
export class BackupQueryService {
  constructor(
    private readonly backups: BackupRepository,
    /** Whether the backup is shared with the project: a recipient may read it (clients read a backup before restoring it). */
    private readonly sharedWith: (backupId: string, projectId: string) => Promise<boolean>,
  ) {}

  async list(projectId: string, params: Record<string, unknown>, features: { fuzzy: boolean; withCount: boolean; admin: boolean }): Promise<{ page: Page<Backup>; withCount: boolean }> {
    const q = parseResourceQuery(params, { filters: BACKUP_FILTERS, sortKeys: [...BACKUP_SORT_KEYS], ...features });
    return { page: paginate(await this.backups.list(q.allTenants ? null : projectId, q), q), withCount: q.withCount };
  }

  /** One backup of the project or shared with it; anything else, malformed ids included, is 404. */
  async show(projectId: string, backupId: string): Promise<Backup> {
    const b = isUuid(backupId) ? await this.backups.get(backupId) : undefined;
    if (b && (b.projectId === projectId || (await this.sharedWith(b.id, projectId)))) return b;
    throw new ApiError('VolumeBackup.0111', `Backup ${backupId} could not be found.`);
  }
}
