import type { Db } from '../../db/connect.js';
import type { BackupShareTable, BackupTable } from '../../db/schema.js';
import { toBackup, type Backup } from '../backups/backup-repository.js';
import type { ShareExecutor, ShareLookup } from '../backups/share-lookup.js';
import { sql, type RawBuilder } from 'kysely';
import type { Page, ResourceQuery } from '../common/listing.js';
import { countOf, listingDialect, orderOf, pageInSql, type ListingDialect, type OrderColumn } from '../common/sql-listing.js';

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
  /** Matches anywhere in the backup's name, case-insensitively. */
  name?: string;
}

const SHARE_COLUMNS = { backup_id: 'backup_shares.backup_id', from_project_id: 'backup_shares.from_project_id', to_project_id: 'backup_shares.to_project_id' } as const;
const BACKUP_COLUMNS = { volume_id: 'backups.volume_id', status: 'backups.status', availability_zone: 'backups.availability_zone' } as const;

/**
 * What share listings order by: the backup's name, status and size, the share's id and times;
 * text by code point on every engine, as the listing always compared it.
 */
function shareOrder(dialect: ListingDialect): Record<string, OrderColumn> {
  const text = (column: string, expr: RawBuilder<unknown>) => ({ column, nullable: false, expr: dialect.byCodePoint(expr) });
  return {
    name: text('share_sort_name', sql`coalesce(backups.name, '')`),
    status: text('status', sql`backups.status`),
    size: { column: 'size', nullable: false, expr: sql`backups.size` },
    created_at: text('share_created_at', sql`backup_shares.created_at`),
    updated_at: text('share_sort_updated', sql`coalesce(backup_shares.updated_at, backup_shares.created_at)`),
    id: text('share_id', sql`backup_shares.id`),
  };
}

/** Share records of every project; callers scope by project. */
export class ShareRepository implements ShareLookup {
  private readonly dialect: ListingDialect;
  private readonly order: Record<string, OrderColumn>;

  constructor(private readonly db: Db) {
    this.dialect = listingDialect(db);
    this.order = shareOrder(this.dialect);
  }

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

  /** One page of the shares on one side of the project that match the filters, with their backups, in the query's order. */
  async page(f: ShareFilter, q: ResourceQuery): Promise<Page<SharedBackup>> {
    const page = await pageInSql(this.matching(f), q, { order: orderOf(q, this.order, this.order.id), dialect: this.dialect, id: 'backup_shares.id', idKey: 'share_id' });
    return { ...page, items: page.items.map((r) => this.split(r)) };
  }

  /** How many shares on one side of the project match the filters. */
  async count(f: ShareFilter): Promise<number> {
    return countOf(this.matching(f));
  }

  private matching(f: ShareFilter) {
    let s = this.join()
      .select(sql<string>`coalesce(backups.name, '')`.as('share_sort_name'))
      .select(sql<string>`coalesce(backup_shares.updated_at, backup_shares.created_at)`.as('share_sort_updated'))
      .where(f.side === 'from' ? 'backup_shares.from_project_id' : 'backup_shares.to_project_id', '=', f.projectId);
    for (const [field, value] of Object.entries(f.exact)) {
      const column = field in SHARE_COLUMNS ? SHARE_COLUMNS[field as keyof typeof SHARE_COLUMNS] : BACKUP_COLUMNS[field as keyof typeof BACKUP_COLUMNS];
      s = s.where(column, '=', value);
    }
    if (f.name !== undefined) s = s.where(this.dialect.contains(sql`backups.name`, f.name));
    return s;
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
