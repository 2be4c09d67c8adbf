import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { ApiError } from '../../common/errors.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { VolumeDriver } from '../../volumes/driver.js';
import type { QuotaService } from './quota-service.js';
import { paginate, parseResourceQuery, type Page } from './resource-list-query.js';
import { bad, bodyObject, booleanOf, metadataOf, nameAndDescription } from './volume-input.js';
import type { Snapshot } from './volume-records.js';
import type { VolumeRepository } from './volume-repository.js';
import type { Caller } from '../common/caller.js';
import { bodyField, volumeNotFound, type ListFeatures } from './volume-service.js';
import { canMoveSnapshot, SNAPSHOT_DELETABLE, SNAPSHOT_FORCE_DELETABLE, VOLUME_ACTION_FROM } from './volume-state.js';

export function snapshotNotFound(id: string): ApiError {
  return new ApiError('common.0404', `Snapshot ${id} could not be found.`);
}

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

  async get(caller: Caller, id: string): Promise<Snapshot> {
    const s = isUuid(id) ? await this.repo.getSnapshot(id) : undefined;
    if (!s || s.projectId !== caller.projectId) throw snapshotNotFound(id);
    return s;
  }

  async list(caller: Caller, params: Record<string, unknown>, features: ListFeatures): Promise<Page<Snapshot>> {
    const q = parseResourceQuery(params, {
      filters: ['name', 'status', 'volume_id'],
      sortKeys: ['name', 'status', 'size', 'id', 'created_at', 'updated_at', 'volume_id'],
      ...features,
      admin: caller.admin,
    });
    return paginate(await this.repo.listSnapshots(q.allTenants ? null : caller.projectId, q), q);
  }

  async create(caller: Caller, body: unknown): Promise<Snapshot> {
    const spec = bodyObject(body, 'snapshot');
    const volumeId = spec.volume_id;
    if (volumeId === undefined || volumeId === null || volumeId === '') throw bad('volume_id is required.');
    if (typeof volumeId !== 'string') throw bad('volume_id must be a string.');
    const force = spec.force === undefined || spec.force === null ? false : booleanOf(spec.force, 'force');
    const text = nameAndDescription(spec);
    const metadata = spec.metadata === undefined || spec.metadata === null ? {} : metadataOf(spec.metadata);
    const now = this.clock.now();
    const snap = await this.db.transaction().execute(async (tx) => {
      await this.quotas.lock(caller.projectId, tx);
      const v = isUuid(volumeId) ? await this.repo.getVolume(volumeId, tx) : undefined;
      if (!v || v.projectId !== caller.projectId) throw volumeNotFound(volumeId);
      const allowed: readonly string[] = force ? VOLUME_ACTION_FROM.snapshotForced : VOLUME_ACTION_FROM.snapshot;
      if (!allowed.includes(v.status)) {
        const hint = v.status === 'in-use' && !force ? ' Use force=true to snapshot an attached volume.' : '';
        throw new ApiError('common.0400', `Invalid volume: Volume ${v.id} status must be available, but current status is: ${v.status}.${hint}`);
      }
      const s: Snapshot = {
        id: newUuid(),
        projectId: caller.projectId,
        userId: caller.userId,
        volumeId: v.id,
        volumeType: v.volumeType,
        name: text.name ?? null,
        description: text.description ?? null,
        size: v.size,
        status: 'creating',
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
      throw new ApiError('VolumeBackup.0017', `The snapshot could not be created: ${(err as Error).message}`);
    }
    const done = { status: 'available' as const, updatedAt: this.clock.now() };
    await this.repo.moveSnapshot(snap.id, 'creating', done.status, { updatedAt: done.updatedAt });
    return { ...snap, ...done };
  }

  async update(caller: Caller, id: string, body: unknown): Promise<Snapshot> {
    const spec = bodyObject(body, 'snapshot');
    const changes = nameAndDescription(spec);
    if (changes.name === undefined && changes.description === undefined) throw bad('give name or description to change.');
    return this.change(caller, id, changes);
  }

  private async change(caller: Caller, id: string, changes: Partial<Pick<Snapshot, 'name' | 'description' | 'metadata'>>): Promise<Snapshot> {
    const s = await this.get(caller, id);
    const next = { ...changes, updatedAt: this.clock.now() };
    if (!(await this.repo.updateSnapshot(s.id, [s.status], next))) throw new ApiError('common.0400', `Invalid snapshot: ${id} changed status meanwhile; retry.`);
    return { ...s, ...next };
  }

  /** POST /snapshots/{id}/action: os-reset_status and os-force_delete, both for administrators. */
  async action(caller: Caller, id: string, body: unknown): Promise<void> {
    if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) {
      throw new ApiError('common.0400', 'The action body must hold exactly one action, e.g. {"os-reset_status": {"status": "available"}}.');
    }
    const [name, args] = Object.entries(body as Record<string, unknown>)[0];
    if (name !== 'os-reset_status' && name !== 'os-force_delete') throw new ApiError('common.0400', `There is no such action: ${name}.`);
    if (!caller.admin) throw new ApiError('common.0403', `Policy does not allow ${name} to be performed: it is for administrators.`);
    if (name === 'os-force_delete') return this.delete(caller, id, true);
    const status = args && typeof args === 'object' ? (args as Record<string, unknown>).status : undefined;
    if (status !== 'available' && status !== 'error') throw bad('status must be available or error.');
    const s = await this.get(caller, id);
    if (!(await this.repo.moveSnapshot(s.id, s.status, { reset: status }, { updatedAt: this.clock.now() }))) {
      throw new ApiError('common.0400', `Invalid snapshot: ${id} changed status meanwhile; retry.`);
    }
  }

  /** Deletes a snapshot; `force` also takes one stuck in deleting. */
  async delete(caller: Caller, id: string, force = false): Promise<void> {
    const s = await this.get(caller, id);
    await this.db.transaction().execute(async (tx) => {
      const cur = await this.repo.getSnapshot(s.id, tx);
      if (!cur) throw snapshotNotFound(id);
      const allowed = force ? SNAPSHOT_FORCE_DELETABLE : SNAPSHOT_DELETABLE;
      if (!allowed.includes(cur.status) || (!force && !canMoveSnapshot(cur.status, 'deleting'))) {
        throw new ApiError('common.0400', `Invalid snapshot: Snapshot ${id} status must be available or error to delete, but current status is: ${cur.status}.`);
      }
      if ((await this.repo.countCreatingFrom('snapshot_id', s.id, tx)) > 0) throw new ApiError('common.0400', `Invalid snapshot: Snapshot ${id} is being copied into a new volume.`);
      if (!(await this.repo.moveSnapshot(s.id, cur.status, 'deleting', { updatedAt: this.clock.now() }, tx))) {
        throw new ApiError('common.0400', `Invalid snapshot: ${id} changed status meanwhile; retry.`);
      }
    });
    try {
      await this.driver.deleteSnapshot(s.id);
      await this.repo.deleteSnapshot(s.id);
    } catch (err) {
      this.log?.(`deleting snapshot ${s.id} failed`, err);
      await this.repo.moveSnapshot(s.id, 'deleting', 'error_deleting', { updatedAt: this.clock.now() });
      throw new ApiError('VolumeBackup.0101', `Snapshot ${s.id} could not be deleted: ${(err as Error).message}`);
    }
  }

  async setMetadata(caller: Caller, id: string, body: unknown, replace: boolean): Promise<Record<string, string>> {
    const given = metadataOf(bodyField(body, 'metadata'));
    const s = await this.get(caller, id);
    return (await this.change(caller, id, { metadata: replace ? given : { ...s.metadata, ...given } })).metadata ?? {};
  }

  async metadataItem(caller: Caller, id: string, key: string): Promise<Record<string, string>> {
    const s = await this.get(caller, id);
    if (!(key in s.metadata)) throw new ApiError('common.0404', `Metadata key ${key} of snapshot ${id} could not be found.`);
    return { [key]: s.metadata[key] };
  }

  async setMetadataItem(caller: Caller, id: string, key: string, body: unknown): Promise<Record<string, string>> {
    const meta = metadataOf(bodyField(body, 'meta'), 'meta');
    if (Object.keys(meta).length !== 1 || !(key in meta)) throw bad(`meta must hold exactly the key ${key} of the URI.`);
    const s = await this.get(caller, id);
    await this.change(caller, id, { metadata: { ...s.metadata, ...meta } });
    return meta;
  }

  async deleteMetadataItem(caller: Caller, id: string, key: string): Promise<void> {
    const s = await this.get(caller, id);
    if (!(key in s.metadata)) throw new ApiError('common.0404', `Metadata key ${key} of snapshot ${id} could not be found.`);
    const { [key]: _gone, ...rest } = s.metadata;
    await this.change(caller, id, { metadata: rest });
  }
}
