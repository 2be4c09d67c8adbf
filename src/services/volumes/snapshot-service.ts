import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { VolumeDriver } from '../../volumes/driver.js';
import type { QuotaService } from './quota-service.js';
import { type Page, type ResourceQuery, type ResourceSortKey } from '../common/listing.js';
import { Forbidden, InvalidInput, InvalidState, NotFound, OperationFailed } from '../common/errors.js';
import type { Snapshot } from './volume-records.js';
import type { VolumeRepository } from './volume-repository.js';
import type { Caller } from '../common/caller.js';
import { volumeNotFound } from './volume-service.js';
import { canMoveSnapshot, SNAPSHOT_DELETABLE, SNAPSHOT_FORCE_DELETABLE, SNAPSHOT_STATUS_UPDATES, VOLUME_ACTION_FROM, type SnapshotStatus } from './volume-state.js';

export function snapshotNotFound(id: string): NotFound {
  return new NotFound('snapshot', id);
}

function invalidSnapshot(s: { id: string; status: string }, allowed: readonly string[], message: string): InvalidState {
  return new InvalidState('snapshot', s.id, s.status, allowed, `Invalid snapshot: ${message}`);
}

/** What a snapshot listing filters and sorts by. */
export const SNAPSHOT_LISTING = {
  filters: ['name', 'status', 'volume_id'],
  sortKeys: ['name', 'status', 'size', 'id', 'created_at', 'updated_at', 'volume_id'],
} as const satisfies { filters: readonly string[]; sortKeys: readonly ResourceSortKey[] };

export interface CreateSnapshot {
  volumeId: string;
  /** Also of an attached (in-use) volume. */
  force: boolean;
  name: string | null;
  description: string | null;
  metadata: Record<string, string>;
}

/**
 * The actions of POST /snapshots/{id}/action: an administrator's forced delete and status reset,
 * and the status updates of the snapshot's manager (os-update_snapshot_status, the owner's too).
 */
export type SnapshotAction =
  | { kind: 'force-delete' }
  | { kind: 'reset-status'; status: SnapshotStatus }
  | { kind: 'update-status'; status: string; progress: string | null };

/** Point-in-time copies of volumes. */
export class SnapshotService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: VolumeRepository,
    private readonly quotas: QuotaService,
    private readonly driver: VolumeDriver,
    private readonly clock: Clock,
    private readonly log?: (message: string, err: unknown) => void,
  ) {}

  /** A snapshot of the caller's project, or of any project for an administrator (as Cinder's admin context sees them). */
  async get(caller: Caller, id: string): Promise<Snapshot> {
    const s = isUuid(id) ? await this.repo.getSnapshot(id) : undefined;
    if (!s || (s.projectId !== caller.projectId && !caller.admin)) throw snapshotNotFound(id);
    return s;
  }

  async list(caller: Caller, q: ResourceQuery): Promise<Page<Snapshot>> {
    return this.repo.pageSnapshots(q.allTenants ? null : caller.projectId, q, { markerEntity: 'marker', nextWhenFull: true });
  }

  async create(caller: Caller, cmd: CreateSnapshot): Promise<Snapshot> {
    const { volumeId, force, metadata } = cmd;
    const now = this.clock.now();
    const snap = await this.db.transaction().execute(async (tx) => {
      await this.quotas.lock(caller.projectId, tx);
      const v = isUuid(volumeId) ? await this.repo.getVolume(volumeId, tx) : undefined;
      if (!v || v.projectId !== caller.projectId) throw volumeNotFound(volumeId);
      const allowed: readonly string[] = force ? VOLUME_ACTION_FROM.snapshotForced : VOLUME_ACTION_FROM.snapshot;
      if (!allowed.includes(v.status)) {
        const hint = v.status === 'in-use' && !force ? ' Use force=true to snapshot an attached volume.' : '';
        throw new InvalidState('volume', v.id, v.status, allowed, `Invalid volume: Volume ${v.id} status must be available, but current status is: ${v.status}.${hint}`);
      }
      const s: Snapshot = {
        id: newUuid(),
        projectId: caller.projectId,
        userId: caller.userId,
        volumeId: v.id,
        volumeType: v.volumeType,
        name: cmd.name,
        description: cmd.description,
        size: v.size,
        status: 'creating',
        progress: '0%',
        metadata,
        createdAt: now,
        updatedAt: now,
      };
      await this.quotas.check(caller.projectId, { snapshots: 1, gigabytes: v.size, volumeType: v.volumeType }, tx);
      await this.repo.insertSnapshot(s, tx);
      return s;
    });
    try {
      await this.driver.createSnapshot(snap.id, snap.volumeId);
    } catch (err) {
      this.log?.(`snapshot ${snap.id} failed`, err);
      await this.driver.deleteSnapshot(snap.id).catch(() => undefined);
      await this.repo.deleteSnapshot(snap.id);
      throw new OperationFailed(`The snapshot could not be created: ${(err as Error).message}`, 'snapshot.create-failed');
    }
    const done = { status: 'available' as const, progress: '100%', updatedAt: this.clock.now() };
    if (!(await this.repo.moveSnapshot(snap.id, 'creating', done.status, { progress: done.progress, updatedAt: done.updatedAt }))) {
      // An administrator reset or force-deleted it meanwhile: a deleted one leaves no image behind.
      const now = await this.repo.getSnapshot(snap.id);
      if (!now) await this.driver.deleteSnapshot(snap.id).catch((err: unknown) => this.log?.(`snapshot ${snap.id} image not removed`, err));
      return now ?? { ...snap, ...done };
    }
    return { ...snap, ...done };
  }

  async update(caller: Caller, id: string, changes: { name?: string | null; description?: string | null }): Promise<Snapshot> {
    return this.change(caller, id, changes);
  }

  private async change(caller: Caller, id: string, changes: Partial<Pick<Snapshot, 'name' | 'description' | 'metadata'>>): Promise<Snapshot> {
    const s = await this.get(caller, id);
    const next = { ...changes, updatedAt: this.clock.now() };
    if (!(await this.repo.updateSnapshot(s.id, [s.status], next))) throw invalidSnapshot(s, [s.status], `${id} changed status meanwhile; retry.`);
    return { ...s, ...next };
  }

  /** os-reset_status and os-force_delete for administrators; os-update_snapshot_status for the owner too. */
  async act(caller: Caller, id: string, action: SnapshotAction): Promise<void> {
    if (action.kind === 'update-status') return this.updateStatus(caller, id, action.status, action.progress);
    const name = action.kind === 'force-delete' ? 'os-force_delete' : 'os-reset_status';
    if (!caller.admin) throw new Forbidden(`Policy does not allow ${name} to be performed: it is for administrators.`);
    if (action.kind === 'force-delete') return this.delete(caller, id, true);
    const s = await this.get(caller, id);
    if (!(await this.repo.moveSnapshot(s.id, s.status, { reset: action.status }, { updatedAt: this.clock.now() }))) {
      throw invalidSnapshot(s, [s.status], `${id} changed status meanwhile; retry.`);
    }
  }

  /**
   * What a snapshot's manager reports while it makes or removes the snapshot: creating may become
   * available or error, deleting error_deleting (or stay), with the progress made.
   */
  private async updateStatus(caller: Caller, id: string, status: string, progress: string | null): Promise<void> {
    const s = await this.get(caller, id);
    const allowed = SNAPSHOT_STATUS_UPDATES[s.status];
    if (!allowed) throw invalidSnapshot(s, Object.keys(SNAPSHOT_STATUS_UPDATES), `Snapshot status ${s.status} not allowed for update_snapshot_status.`);
    const to = allowed.find((a) => a === status);
    if (!to) throw new InvalidInput(`Provided snapshot status ${status} not allowed for snapshot with status ${s.status}.`);
    const changes = { ...(progress ? { progress } : {}), updatedAt: this.clock.now() };
    const written = to === s.status ? await this.repo.updateSnapshot(s.id, [s.status], changes) : await this.repo.moveSnapshot(s.id, s.status, to, changes);
    if (!written) throw invalidSnapshot(s, [s.status], `${id} changed status meanwhile; retry.`);
  }

  /** Deletes a snapshot; `force` also takes one stuck in deleting. */
  async delete(caller: Caller, id: string, force = false): Promise<void> {
    const s = await this.get(caller, id);
    await this.db.transaction().execute(async (tx) => {
      const cur = await this.repo.getSnapshot(s.id, tx);
      if (!cur) throw snapshotNotFound(id);
      const allowed = force ? SNAPSHOT_FORCE_DELETABLE : SNAPSHOT_DELETABLE;
      if (!allowed.includes(cur.status) || (!force && !canMoveSnapshot(cur.status, 'deleting'))) {
        throw invalidSnapshot(cur, allowed, `Snapshot ${id} status must be available or error to delete, but current status is: ${cur.status}.`);
      }
      if ((await this.repo.countCreatingFrom('snapshot_id', s.id, tx)) > 0) throw invalidSnapshot(cur, allowed, `Snapshot ${id} is being copied into a new volume.`);
      if (!(await this.repo.moveSnapshot(s.id, cur.status, 'deleting', { updatedAt: this.clock.now() }, tx))) {
        throw invalidSnapshot(cur, allowed, `${id} changed status meanwhile; retry.`);
      }
    });
    try {
      await this.driver.deleteSnapshot(s.id);
      await this.repo.deleteSnapshot(s.id);
    } catch (err) {
      this.log?.(`deleting snapshot ${s.id} failed`, err);
      await this.repo.moveSnapshot(s.id, 'deleting', 'error_deleting', { updatedAt: this.clock.now() });
      throw new OperationFailed(`Snapshot ${s.id} could not be deleted: ${(err as Error).message}`, 'snapshot.delete-failed');
    }
  }

  async setMetadata(caller: Caller, id: string, given: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const s = await this.get(caller, id);
    return (await this.change(caller, id, { metadata: replace ? given : { ...s.metadata, ...given } })).metadata ?? {};
  }

  async metadataItem(caller: Caller, id: string, key: string): Promise<Record<string, string>> {
    const s = await this.get(caller, id);
    if (!(key in s.metadata)) throw new NotFound('metadata', key, `Metadata key ${key} of snapshot ${id} could not be found.`);
    return { [key]: s.metadata[key] };
  }

  /** Sets the one item of `meta`, which the edge checked names the URI's key. */
  async setMetadataItem(caller: Caller, id: string, meta: Record<string, string>): Promise<Record<string, string>> {
    const s = await this.get(caller, id);
    await this.change(caller, id, { metadata: { ...s.metadata, ...meta } });
    return meta;
  }

  async deleteMetadataItem(caller: Caller, id: string, key: string): Promise<void> {
    const s = await this.get(caller, id);
    if (!(key in s.metadata)) throw new NotFound('metadata', key, `Metadata key ${key} of snapshot ${id} could not be found.`);
    const { [key]: _gone, ...rest } = s.metadata;
    await this.change(caller, id, { metadata: rest });
  }
}
