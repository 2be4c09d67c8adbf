import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Page, PagingRules, ResourceQuery } from '../common/listing.js';
import { listingDialect, metadataFilters, orderOf, pageInSql, type ListingDialect, type OrderColumn } from '../common/sql-listing.js';
import { snapshotRow, toSnapshot, toVolume, volumeRow, type Snapshot, type Volume } from './volume-records.js';
import type { Target } from '../../common/state-machine.js';
import { SNAPSHOT_MACHINE, VOLUME_MACHINE, type SnapshotStatus, type VolumeStatus } from './volume-state.js';

/** The database or a transaction on it. */
export type Executor = Kysely<Database>;

/** The fields of a volume that change without its status: its status changes through moveVolume only. */
export type VolumeChanges = Partial<Pick<Volume, VolumeField>> & { status?: never };
type VolumeField = 'name' | 'description' | 'size' | 'volumeType' | 'bootable' | 'multiattach' | 'metadata' | 'attachments' | 'updatedAt' | 'backupId' | 'migrationStatus';

/** The fields of a snapshot that change without its status: its status changes through moveSnapshot only. */
export type SnapshotChanges = Partial<Pick<Snapshot, 'name' | 'description' | 'metadata' | 'progress' | 'updatedAt'>> & { status?: never };

const column = (name: string, nullable = false): OrderColumn => ({ column: name, nullable });
const SHARED_COLUMNS = { name: column('name', true), status: column('status'), size: column('size'), id: column('id'), created_at: column('created_at'), updated_at: column('updated_at', true) };
const VOLUME_COLUMNS = { ...SHARED_COLUMNS, availability_zone: column('availability_zone'), volume_type: column('volume_type') };
const SNAPSHOT_COLUMNS = { ...SHARED_COLUMNS, volume_id: column('volume_id') };

/** A listing's fuzzy filters as the records show the fields (a volume's bootable reads true or false). */
function fuzzyFilters(q: ResourceQuery, dialect: ListingDialect): RawBuilder<SqlBool>[] {
  return Object.entries(q.fuzzy).map(([field, needle]) =>
    dialect.contains(field === 'bootable' ? sql`case when bootable = 1 then 'true' else 'false' end` : field, needle),
  );
}

/** Volume and snapshot records of every project; services scope them. */
export class VolumeRepository {
  private readonly dialect: ListingDialect;

  constructor(readonly db: Kysely<Database>) {
    this.dialect = listingDialect(db);
  }

  async insertVolume(v: Volume, ex: Executor = this.db): Promise<void> {
    await ex.insertInto('volumes').values(volumeRow(v)).execute();
  }

  async getVolume(id: string, ex: Executor = this.db): Promise<Volume | undefined> {
    const row = await ex.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toVolume(row);
  }

  /**
   * The one writer of a volume's status: moves it to `to` (with `changes`) if its status is still
   * one of `from`; false otherwise. Throws IllegalTransition, writing nothing, unless the volume
   * state machine allows the move from every one of `from`.
   */
  async moveVolume(id: string, from: VolumeStatus | readonly VolumeStatus[], to: Target<VolumeStatus>, changes: VolumeChanges = {}, ex: Executor = this.db): Promise<boolean> {
    const move = VOLUME_MACHINE.check(from, to);
    const result = await ex
      .updateTable('volumes')
      .set({ ...volumeColumns(changes), status: move.to })
      .where('id', '=', id)
      .where('status', 'in', move.from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Writes the changed fields of a volume if its status is still one of `from`; false otherwise. */
  async updateVolume(id: string, from: readonly VolumeStatus[], changes: VolumeChanges, ex: Executor = this.db): Promise<boolean> {
    const result = await ex
      .updateTable('volumes')
      .set(volumeColumns(changes))
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteVolume(id: string, ex: Executor = this.db): Promise<void> {
    // A deleted volume leaves its backup policy too, freeing the policy's room for another,
    // and its transfers (a forced delete may take a volume awaiting transfer).
    await ex.deleteFrom('backup_policy_resources').where('resource_id', '=', id).execute();
    await ex.deleteFrom('volume_transfers').where('volume_id', '=', id).execute();
    await ex.deleteFrom('volumes').where('id', '=', id).execute();
  }

  /** One page of the project's volumes (every project's for null) that match the query, in its order. */
  async pageVolumes(projectId: string | null, q: ResourceQuery, rules: PagingRules): Promise<Page<Volume>> {
    let s = this.db.selectFrom('volumes').selectAll();
    if (projectId) s = s.where('project_id', '=', projectId);
    for (const [field, value] of Object.entries(q.exact)) {
      if (field === 'bootable') s = s.where('bootable', '=', Number(value));
      else s = s.where(field as 'name', '=', value);
    }
    for (const f of [...fuzzyFilters(q, this.dialect), ...metadataFilters(q, this.dialect)]) s = s.where(f);
    const page = await pageInSql(s, q, { ...rules, order: orderOf(q, VOLUME_COLUMNS, VOLUME_COLUMNS.id), dialect: this.dialect, id: 'id' });
    return { ...page, items: page.items.map(toVolume) };
  }

  /**
   * Gives a volume, and its snapshots unless `withSnapshots` is false, to another project and
   * user (an accepted transfer). Its status moves through moveVolume, not here.
   */
  async setOwner(volumeId: string, owner: { projectId: string; userId: string | null }, withSnapshots: boolean, at: Date, ex: Executor = this.db): Promise<void> {
    await ex.updateTable('volumes').set({ project_id: owner.projectId, user_id: owner.userId, updated_at: at.toISOString() }).where('id', '=', volumeId).execute();
    if (withSnapshots) {
      await ex.updateTable('snapshots').set({ project_id: owner.projectId, user_id: owner.userId, updated_at: at.toISOString() }).where('volume_id', '=', volumeId).execute();
    }
  }

  /** Every volume of a project, or of every project for null, in no particular order. */
  async volumesOf(projectId: string | null, ex: Executor = this.db): Promise<Volume[]> {
    let s = ex.selectFrom('volumes').selectAll();
    if (projectId !== null) s = s.where('project_id', '=', projectId);
    return (await s.execute()).map(toVolume);
  }

  /** Volumes whose creation reads from the given snapshot or source volume right now. */
  async countCreatingFrom(field: 'snapshot_id' | 'source_volid', id: string, ex: Executor = this.db): Promise<number> {
    const r = await ex.selectFrom('volumes').select((eb) => eb.fn.countAll<number>().as('n')).where(field, '=', id).where('status', '=', 'creating').executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async insertSnapshot(s: Snapshot, ex: Executor = this.db): Promise<void> {
    await ex.insertInto('snapshots').values(snapshotRow(s)).execute();
  }

  async getSnapshot(id: string, ex: Executor = this.db): Promise<Snapshot | undefined> {
    const row = await ex.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSnapshot(row);
  }

  async snapshotsOf(volumeId: string, ex: Executor = this.db): Promise<Snapshot[]> {
    return (await ex.selectFrom('snapshots').selectAll().where('volume_id', '=', volumeId).orderBy('created_at').execute()).map(toSnapshot);
  }

  /**
   * The one writer of a snapshot's status: moves it to `to` (with `changes`) if its status is
   * still one of `from`; false otherwise. Throws IllegalTransition, writing nothing, unless the
   * snapshot state machine allows the move from every one of `from`.
   */
  async moveSnapshot(id: string, from: SnapshotStatus | readonly SnapshotStatus[], to: Target<SnapshotStatus>, changes: SnapshotChanges = {}, ex: Executor = this.db): Promise<boolean> {
    const move = SNAPSHOT_MACHINE.check(from, to);
    const result = await ex
      .updateTable('snapshots')
      .set({ ...snapshotColumns(changes), status: move.to })
      .where('id', '=', id)
      .where('status', 'in', move.from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Writes the changed fields of a snapshot if its status is still one of `from`; false otherwise. */
  async updateSnapshot(id: string, from: readonly SnapshotStatus[], changes: SnapshotChanges, ex: Executor = this.db): Promise<boolean> {
    const result = await ex.updateTable('snapshots').set(snapshotColumns(changes)).where('id', '=', id).where('status', 'in', [...from]).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteSnapshot(id: string, ex: Executor = this.db): Promise<void> {
    await ex.deleteFrom('snapshots').where('id', '=', id).execute();
  }

  /** One page of the project's snapshots (every project's for null) that match the query, in its order. */
  async pageSnapshots(projectId: string | null, q: ResourceQuery, rules: PagingRules): Promise<Page<Snapshot>> {
    let s = this.db.selectFrom('snapshots').selectAll();
    if (projectId) s = s.where('project_id', '=', projectId);
    for (const [field, value] of Object.entries(q.exact)) s = s.where(field as 'name', '=', value);
    for (const f of [...fuzzyFilters(q, this.dialect), ...metadataFilters(q, this.dialect)]) s = s.where(f);
    const page = await pageInSql(s, q, { ...rules, order: orderOf(q, SNAPSHOT_COLUMNS, SNAPSHOT_COLUMNS.id), dialect: this.dialect, id: 'id' });
    return { ...page, items: page.items.map(toSnapshot) };
  }
}

/** The columns of the changed fields; a status is never among them. */
function volumeColumns(changes: VolumeChanges): Record<string, unknown> {
  const full = volumeRow({ ...PLACEHOLDER, ...changes });
  const set: Record<string, unknown> = {};
  for (const key of Object.keys(changes)) {
    // A key without a column (a status forced in past the type) is not written.
    const column = COLUMN_OF_VOLUME[key as VolumeField] as keyof ReturnType<typeof volumeRow> | undefined;
    if (column) set[column] = full[column];
  }
  return set;
}

function snapshotColumns(changes: SnapshotChanges): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if ('name' in changes) set.name = changes.name;
  if ('description' in changes) set.description = changes.description;
  if (changes.metadata) set.metadata = JSON.stringify(changes.metadata);
  if (changes.progress !== undefined) set.progress = changes.progress;
  if (changes.updatedAt) set.updated_at = changes.updatedAt.toISOString();
  return set;
}

const COLUMN_OF_VOLUME: Record<VolumeField, keyof ReturnType<typeof volumeRow>> = {
  name: 'name',
  description: 'description',
  size: 'size',
  volumeType: 'volume_type',
  bootable: 'bootable',
  multiattach: 'multiattach',
  metadata: 'metadata',
  attachments: 'attachments',
  updatedAt: 'updated_at',
  backupId: 'backup_id',
  migrationStatus: 'migration_status',
};

// The row mapper needs a whole volume; the fields not being changed are never written.
const PLACEHOLDER: Volume = {
  id: '', projectId: '', userId: null, name: null, description: null, size: 0, status: 'available', volumeType: '', availabilityZone: '',
  bootable: false, encrypted: false, multiattach: false, metadata: {}, snapshotId: null, sourceVolid: null, backupId: null,
  attachments: [], createdAt: new Date(0), updatedAt: null,
};
