import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../db/connect.js';
import { InvalidInput } from '../common/errors.js';
import { listingDialect, pageInSql, type ListingDialect, type OrderColumn, type OrderTerm } from '../common/sql-listing.js';
import { toBackup, type Backup } from './backup-repository.js';
import type { BackupStatus } from './backup-state.js';

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

/** CBR's status of a backup, in SQL: as cbrStatus. */
const CBR_STATUS_SQL = sql<string>`case when backups.status = 'creating' then 'protecting' when backups.status in ('available', 'deleting', 'restoring') then backups.status else 'error' end`;

/** The vault of a backup's project, in SQL: as vaultIdOf. */
const VAULT_SQL = sql<string>`substr(backups.project_id, 1, 8) || '-' || substr(backups.project_id, 9, 4) || '-' || substr(backups.project_id, 13, 4) || '-' || substr(backups.project_id, 17, 4) || '-' || substr(backups.project_id, 21, 12)`;

/**
 * What each sort key orders by (the view's values, compared as JavaScript compares them),
 * selected under its column name. Times, ids and statuses are ASCII of one shape, ordered alike
 * by every collation; names are compared by code point.
 */
function orderColumns(dialect: ListingDialect): Record<CbrSortKey, OrderColumn> {
  const of = (column: string, expr: RawBuilder<unknown>) => ({ column, nullable: false, expr });
  return {
    created_at: of('created_at', sql`backups.created_at`),
    protected_at: of('cbr_protected_at', sql`coalesce(backups.data_timestamp, backups.created_at)`),
    updated_at: of('cbr_updated_at', sql`coalesce(backups.updated_at, backups.created_at)`),
    resource_size: of('size', sql`backups.size`),
    status: of('cbr_status', CBR_STATUS_SQL),
    name: of('cbr_name', dialect.byCodePoint(sql`coalesce(backups.name, '')`)),
    id: of('id', sql`backups.id`),
  };
}

/** The CBR-style listing: a project's own disk backups (private), those shared with it (shared), or both (all_granted); filtered, ordered, paged and counted in SQL. */
export class CbrListing {
  private readonly dialect: ListingDialect;

  constructor(private readonly db: Db) {
    this.dialect = listingDialect(db);
  }

  async list(projectId: string, q: CbrQuery): Promise<{ items: CbrBackup[]; total: number }> {
    // Backups are the only image type here, and disks the only resource type.
    if (q.imageType !== undefined && q.imageType !== 'backup') return { items: [], total: 0 };
    if (q.resourceType !== undefined && q.resourceType !== 'OS::Cinder::Volume') return { items: [], total: 0 };
    // Every backup is whole, so none has a parent.
    if (q.parentId !== undefined) return { items: [], total: 0 };
    const sharedWith = this.db.selectFrom('backup_shares').select('backup_shares.backup_id').where('backup_shares.to_project_id', '=', projectId);
    const own = sql<boolean>`backups.project_id = ${projectId}`;
    let s = this.db
      .selectFrom('backups')
      .leftJoin('volumes', 'volumes.id', 'backups.volume_id')
      .selectAll('backups')
      // The owner's volume is not the recipient's to see, not even its name.
      .select(sql<string>`case when ${own} then coalesce(volumes.name, '') else '' end`.as('resource_name'))
      .select(sql<string>`coalesce(backups.data_timestamp, backups.created_at)`.as('cbr_protected_at'))
      .select(sql<string>`coalesce(backups.updated_at, backups.created_at)`.as('cbr_updated_at'))
      .select(CBR_STATUS_SQL.as('cbr_status'))
      .select(sql<string>`coalesce(backups.name, '')`.as('cbr_name'));
    if (q.ownType === 'private') s = s.where('backups.project_id', '=', projectId);
    else if (q.ownType === 'shared') s = s.where('backups.id', 'in', sharedWith).where('backups.project_id', '<>', projectId);
    else s = s.where((eb) => eb.or([eb('backups.project_id', '=', projectId), eb('backups.id', 'in', sharedWith)]));
    // Every share is accepted; member_status filters only shared backups.
    if (q.memberStatus !== undefined && q.memberStatus !== 'accepted') s = s.where('backups.project_id', '=', projectId);
    // A shared backup stays in its owner's vault.
    if (q.vaultId !== undefined) s = s.where(sql<SqlBool>`${VAULT_SQL} = ${q.vaultId}`);
    if (q.checkpointId !== undefined) s = s.where('backups.id', '=', q.checkpointId);
    if (q.startTime !== undefined) s = s.where('backups.created_at', '>=', q.startTime.toISOString());
    if (q.endTime !== undefined) s = s.where('backups.created_at', '<=', q.endTime.toISOString());
    if (q.name !== undefined) s = s.where('backups.name', '=', q.name);
    if (q.resourceAz !== undefined) s = s.where('backups.availability_zone', '=', q.resourceAz);
    if (q.resourceId !== undefined) s = s.where('backups.volume_id', '=', q.resourceId);
    if (q.resourceName !== undefined) s = s.where(sql<SqlBool>`case when ${own} then coalesce(volumes.name, '') else '' end = ${q.resourceName}`);
    if (q.statuses.length > 0) s = s.where(sql<SqlBool>`${CBR_STATUS_SQL} in (${sql.join(q.statuses)})`);
    const columns = orderColumns(this.dialect);
    const order: OrderTerm[] = q.sort.map(({ key, dir }) => ({ ...columns[key], dir }));
    order.push({ ...columns.id, dir: q.sort[0]?.dir ?? 'desc' });
    const page = await pageInSql(s, { marker: q.marker, offset: q.offset, limit: q.limit, withCount: true }, {
      order,
      dialect: this.dialect,
      id: 'backups.id',
      nextWhenFull: true,
      markerError: (marker) => new InvalidInput(`marker ${marker} is not a backup of this listing.`),
    });
    return {
      items: page.items.map((r) => ({ backup: toBackup(r), resourceName: r.resource_name, shared: r.project_id !== projectId })),
      total: page.total ?? 0,
    };
  }
}
