import { randomInt } from 'node:crypto';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Target } from '../../common/state-machine.js';
import type { Db } from '../../db/connect.js';
import type { BackupTable, Database } from '../../db/schema.js';
import { BACKUP_MACHINE, type BackupStatus } from './backup-state.js';
import type { Page, ResourceQuery } from '../common/listing.js';
import { listingDialect, metadataFilters, orderOf, pageInSql, type OrderColumn, type OrderTerm } from '../common/sql-listing.js';

export interface Backup {
  id: string;
  projectId: string;
  volumeId: string;
  snapshotId: string | null;
  name: string | null;
  description: string | null;
  status: BackupStatus;
  failReason: string | null;
  size: number;
  objectCount: number | null;
  container: string | null;
  availabilityZone: string | null;
  metadata: Record<string, string>;
  tags: Array<{ key: string; value: string }>;
  isIncremental: boolean;
  serviceMetadata: Record<string, unknown>;
  volumeBootable: boolean;
  volumeType: string | null;
  volumeMetadata: Record<string, string>;
  policyId: string | null;
  dataTimestamp: Date | null;
  createdAt: Date;
  updatedAt: Date | null;
}

/** A backup's row as the catalogue record in the store keeps it: all but its revision, which only the database has. */
export type BackupRecordRow = Omit<BackupTable, 'revision'>;

export function toBackup(row: BackupRecordRow): Backup {
  return {
    id: row.id,
    projectId: row.project_id,
    volumeId: row.volume_id,
    snapshotId: row.snapshot_id,
    name: row.name,
    description: row.description,
    status: row.status as BackupStatus,
    failReason: row.fail_reason,
    size: row.size,
    objectCount: row.object_count,
    container: row.container,
    availabilityZone: row.availability_zone,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    tags: JSON.parse(row.tags) as Array<{ key: string; value: string }>,
    isIncremental: row.is_incremental === 1,
    serviceMetadata: JSON.parse(row.service_metadata) as Record<string, unknown>,
    volumeBootable: row.volume_bootable === 1,
    volumeType: row.volume_type,
    volumeMetadata: JSON.parse(row.volume_metadata) as Record<string, string>,
    policyId: row.policy_id,
    dataTimestamp: row.data_timestamp ? new Date(row.data_timestamp) : null,
    createdAt: new Date(row.created_at),
    updatedAt: row.updated_at ? new Date(row.updated_at) : null,
  };
}

export function toRow(b: Backup): BackupRecordRow {
  return {
    id: b.id,
    project_id: b.projectId,
    volume_id: b.volumeId,
    snapshot_id: b.snapshotId,
    name: b.name,
    description: b.description,
    status: b.status,
    fail_reason: b.failReason,
    size: b.size,
    object_count: b.objectCount,
    container: b.container,
    availability_zone: b.availabilityZone,
    metadata: JSON.stringify(b.metadata),
    tags: JSON.stringify(b.tags),
    is_incremental: b.isIncremental ? 1 : 0,
    service_metadata: JSON.stringify(b.serviceMetadata),
    volume_bootable: b.volumeBootable ? 1 : 0,
    volume_type: b.volumeType,
    volume_metadata: JSON.stringify(b.volumeMetadata),
    policy_id: b.policyId,
    data_timestamp: b.dataTimestamp?.toISOString() ?? null,
    created_at: b.createdAt.toISOString(),
    updated_at: b.updatedAt?.toISOString() ?? null,
  };
}

/** A backup's row to insert: a new row is a new revision (migration 0150), never one its id had before. */
export function insertableRow(b: Backup): BackupTable {
  return { ...toRow(b), revision: randomInt(2 ** 48 - 1) };
}

/** A backup of a listing page as its id and revision: the revision changes with every write of the row. */
export interface BackupRevision {
  id: string;
  revision: number;
}

const ORDER_COLUMNS = {
  name: { column: 'name', nullable: true },
  status: { column: 'status', nullable: false },
  size: { column: 'size', nullable: false },
  id: { column: 'id', nullable: false },
  created_at: { column: 'created_at', nullable: false },
  updated_at: { column: 'updated_at', nullable: true },
} as const satisfies Record<string, OrderColumn>;

type Executor = Pick<Db, 'insertInto' | 'selectFrom' | 'updateTable' | 'deleteFrom'>;

/** Columns written together with a backup's status; the status itself is moveBackup's argument. */
export type BackupChanges = Partial<Omit<BackupTable, 'id' | 'status'>> & { status?: never };

/** Backup records of every project; callers scope by project. */
export class BackupRepository {
  private readonly dialect;

  constructor(private readonly db: Db) {
    this.dialect = listingDialect(db);
  }

  async insert(b: Backup, executor: Executor = this.db): Promise<void> {
    await executor.insertInto('backups').values(insertableRow(b)).execute();
  }

  /** Many backups at once (imports and seeding), in batches the engines' parameter limits allow. */
  async insertMany(backups: readonly Backup[], executor: Executor = this.db): Promise<void> {
    for (let i = 0; i < backups.length; i += 1000) await executor.insertInto('backups').values(backups.slice(i, i + 1000).map(insertableRow)).execute();
  }

  async get(id: string, executor: Executor = this.db): Promise<Backup | undefined> {
    const row = await executor.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toBackup(row);
  }

  /**
   * The one writer of a backup's status: moves it to `to` (with `changes`) if its status is still
   * one of `from`; false otherwise. Throws IllegalTransition, writing nothing, unless the backup
   * state machine allows the move from every one of `from`.
   */
  async moveBackup(id: string, from: BackupStatus | readonly BackupStatus[], to: Target<BackupStatus>, changes: BackupChanges = {}, executor: Executor = this.db): Promise<boolean> {
    const move = BACKUP_MACHINE.check(from, to);
    const result = await executor
      .updateTable('backups')
      .set({ ...changes, status: move.to })
      .where('id', '=', id)
      .where('status', 'in', move.from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** How many backups the project has (every project, for null), from the counts the database keeps. */
  async count(projectId: string | null): Promise<number> {
    let s = this.db.selectFrom('backup_counts').select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('backups'), sql<number>`0`).as('n'));
    if (projectId) s = s.where('project_id', '=', projectId);
    return Number((await s.executeTakeFirstOrThrow()).n);
  }

  /** One page of the project's backups (every project's for null) that match the query, in its order. */
  async page(projectId: string | null, q: ResourceQuery): Promise<Page<Backup>> {
    const page = await this.pageOf(projectId, q, (s) => s.selectAll());
    return { ...page, items: page.items.map(toBackup) };
  }

  /** The same page as ids and revisions (and what the order reads): all a caller that kept the backups' views needs. */
  async pageRevisions(projectId: string | null, q: ResourceQuery): Promise<Page<BackupRevision>> {
    const page = await this.pageOf(projectId, q, (s, order) => s.select(['id', 'revision', ...order.map((t) => t.column as keyof typeof ORDER_COLUMNS)]));
    return { ...page, items: page.items.map((row) => ({ id: row.id, revision: row.revision })) };
  }

  /** The backups of `ids` that exist, with their revisions, in no particular order. */
  async revised(ids: readonly string[]): Promise<Array<{ backup: Backup; revision: number }>> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('backups').selectAll().where('id', 'in', ids).execute();
    return rows.map((row) => ({ backup: toBackup(row), revision: row.revision }));
  }

  /** The page, selecting what `select` picks; the marker's row must carry the columns of `order`. */
  private async pageOf<O extends object>(
    projectId: string | null,
    q: ResourceQuery,
    select: (s: SelectQueryBuilder<Database, 'backups', object>, order: OrderTerm[]) => SelectQueryBuilder<Database, 'backups', O>,
  ): Promise<Page<O>> {
    const order = orderOf(q, ORDER_COLUMNS, ORDER_COLUMNS.id);
    let s = select(this.db.selectFrom('backups'), order);
    if (projectId) s = s.where('project_id', '=', projectId);
    for (const [field, value] of Object.entries(q.exact)) s = s.where(field as 'name' | 'status' | 'volume_id' | 'project_id', '=', value);
    for (const [field, value] of Object.entries(q.fuzzy)) s = s.where(this.dialect.contains(field, value));
    for (const f of metadataFilters(q, this.dialect)) s = s.where(f);
    const unfiltered = Object.keys(q.exact).length === 0 && Object.keys(q.fuzzy).length === 0 && !q.metadata;
    return pageInSql(s, q, {
      order,
      dialect: this.dialect,
      id: 'id',
      count: unfiltered ? () => this.count(projectId) : undefined,
    });
  }
}
