import type { Db } from '../../db/connect.js';
import type { BackupShareTable, BackupTable } from '../../db/schema.js';
import { toBackup, type Backup } from '../backups/backup-repository.js';
import type { ShareExecutor, ShareLookup } from '../backups/share-lookup.js';

export interface Share {
  id: string;
  backupId: string;
  fromProjectId: string;
  toProjectId: string;
  createdAt: Date;
  updatedAt: Date | null;
}

/** A share with the backup it gives access to. */
export interface SharedBackup {
  share: Share;
  backup: Backup;
}

type Executor = Pick<Db, 'insertInto' | 'selectFrom' | 'updateTable' | 'deleteFrom'>;

function toShare(row: BackupShareTable): Share {
  return {
    id: row.id,
    backupId: row.backup_id,
    fromProjectId: row.from_project_id,
    toProjectId: row.to_project_id,
    createdAt: new Date(row.created_at),
    updatedAt: row.updated_at ? new Date(row.updated_at) : null,
  };
}

/** Filters on the share and on its backup that the database applies; the rest is done by the caller. */
export interface ShareFilter {
  /** Shares this project made, or shares made with it. */
  side: 'from' | 'to';
  projectId: string;
  exact: Partial<Record<'backup_id' | 'from_project_id' | 'to_project_id' | 'volume_id' | 'status' | 'availability_zone', string>>;
}

const SHARE_COLUMNS = { backup_id: 'backup_shares.backup_id', from_project_id: 'backup_shares.from_project_id', to_project_id: 'backup_shares.to_project_id' } as const;
const BACKUP_COLUMNS = { volume_id: 'backups.volume_id', status: 'backups.status', availability_zone: 'backups.availability_zone' } as const;

/** Share records of every project; callers scope by project. */
export class ShareRepository implements ShareLookup {
  constructor(private readonly db: Db) {}

  async isSharedWith(backupId: string, projectId: string, executor: ShareExecutor = this.db): Promise<boolean> {
    const row = await executor.selectFrom('backup_shares').select('id').where('backup_id', '=', backupId).where('to_project_id', '=', projectId).executeTakeFirst();
    return row !== undefined;
  }

  async deleteSharesOfBackup(backupId: string, executor: ShareExecutor = this.db): Promise<number> {
    const r = await executor.deleteFrom('backup_shares').where('backup_id', '=', backupId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async insert(s: Share, executor: Executor = this.db): Promise<void> {
    await executor
      .insertInto('backup_shares')
      .values({
        id: s.id,
        backup_id: s.backupId,
        from_project_id: s.fromProjectId,
        to_project_id: s.toProjectId,
        created_at: s.createdAt.toISOString(),
        updated_at: s.updatedAt?.toISOString() ?? null,
      })
      .execute();
  }

  async get(id: string, executor: Executor = this.db): Promise<Share | undefined> {
    const row = await executor.selectFrom('backup_shares').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toShare(row);
  }

  async sharesOfBackup(backupId: string, executor: Executor = this.db): Promise<Share[]> {
    const rows = await executor.selectFrom('backup_shares').selectAll().where('backup_id', '=', backupId).execute();
    return rows.map(toShare);
  }

  async delete(ids: string[], executor: Executor = this.db): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await executor.deleteFrom('backup_shares').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** One share with its backup. */
  async withBackup(id: string): Promise<SharedBackup | undefined> {
    const [found] = await this.join().where('backup_shares.id', '=', id).execute();
    return found && this.split(found);
  }

  /** Shares on one side of the project that match the exact filters, with their backups, unordered. */
  async list(f: ShareFilter): Promise<SharedBackup[]> {
    let s = this.join().where(f.side === 'from' ? 'backup_shares.from_project_id' : 'backup_shares.to_project_id', '=', f.projectId);
    for (const [field, value] of Object.entries(f.exact)) {
      const column = field in SHARE_COLUMNS ? SHARE_COLUMNS[field as keyof typeof SHARE_COLUMNS] : BACKUP_COLUMNS[field as keyof typeof BACKUP_COLUMNS];
      s = s.where(column, '=', value);
    }
    return (await s.execute()).map((r) => this.split(r));
  }

  private join() {
    return this.db
      .selectFrom('backup_shares')
      .innerJoin('backups', 'backups.id', 'backup_shares.backup_id')
      .selectAll('backups')
      .select([
        'backup_shares.id as share_id',
        'backup_shares.from_project_id as share_from',
        'backup_shares.to_project_id as share_to',
        'backup_shares.created_at as share_created_at',
        'backup_shares.updated_at as share_updated_at',
      ]);
  }

  private split(r: BackupTable & { share_id: string; share_from: string; share_to: string; share_created_at: string; share_updated_at: string | null }): SharedBackup {
    return {
      share: toShare({ id: r.share_id, backup_id: r.id, from_project_id: r.share_from, to_project_id: r.share_to, created_at: r.share_created_at, updated_at: r.share_updated_at }),
      backup: toBackup(r),
    };
  }
}
