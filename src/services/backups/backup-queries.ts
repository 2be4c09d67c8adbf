import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import type { Backup, BackupRepository } from './backup-repository.js';
import { paginate, type ListQuery, type Page } from './list-query.js';

/** Reading backups: what a project may see of its own. */
export class BackupQueryService {
  constructor(private readonly backups: BackupRepository) {}

  async list(projectId: string, q: ListQuery): Promise<Page<Backup>> {
    return paginate(await this.backups.list(projectId, q), q);
  }

  /** One backup of the project; anything else, malformed ids included, is 404. */
  async show(projectId: string, backupId: string): Promise<Backup> {
    const b = isUuid(backupId) ? await this.backups.get(backupId) : undefined;
    if (!b || b.projectId !== projectId) throw new ApiError('VolumeBackup.0111', `Backup ${backupId} could not be found.`);
    return b;
  }
}
