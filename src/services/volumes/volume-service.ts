import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { VolumeDriver } from '../../volumes/driver.js';
import type { Caller } from '../common/caller.js';
import { Forbidden, InvalidInput, InvalidState, NotFound, OperationFailed } from '../common/errors.js';
import type { AttachVolume, CreateVolume, EditVolume, ResetVolume, VolumeAction } from './volume-commands.js';
import type { QuotaService } from './quota-service.js';
import { type Page, type ResourceQuery, type ResourceSortKey } from '../common/listing.js';
import type { Attachment, Volume } from './volume-records.js';
import type { Executor, VolumeChanges, VolumeRepository } from './volume-repository.js';
import { canMoveVolume, VOLUME_ACTION_FROM, VOLUME_STATUSES, type VolumeStatus } from './volume-state.js';
import type { VolumeType, VolumeTypes } from './volume-types.js';

/** What a volume listing filters and sorts by. */
export const VOLUME_LISTING = {
  filters: ['name', 'status', 'availability_zone', 'bootable', 'volume_type'],
  sortKeys: ['name', 'status', 'size', 'id', 'created_at', 'updated_at', 'availability_zone', 'volume_type'],
} as const satisfies { filters: readonly string[]; sortKeys: readonly ResourceSortKey[] };

export interface VolumeServiceOptions {
  availabilityZone: string;
  /** Volume types: which a caller may use, the default one. */
  types: VolumeTypes;
  /**
   * Where a new volume of a type can go: undefined when the back end satisfies the type's extra
   * specs, else why not; such a volume is recorded in error, as Cinder's scheduler leaves it.
   */
  unschedulable?: (caller: Caller, volume: Volume, type: VolumeType) => Promise<string | undefined>;
  /** Whether the back end can hold volumes of a type (os-retype). */
  fits?: (type: VolumeType) => Promise<boolean>;
  log?: (message: string, err: unknown) => void;
  /** Makes a volume from a backup of the caller's project or one shared with it, restoring into it. */
  fromBackup?: (caller: Caller, backupId: string, volume: { name: string | null; description?: string | null; size?: number; volumeType?: string; metadata: Record<string, string> }) => Promise<Volume>;
}

export interface VolumeSummary {
  totalCount: number;
  /** GiB. */
  totalSize: number;
  metadata: Record<string, string[]>;
}

/** A member sees its own project's volumes and snapshots only; an administrator sees every project's. */
export function visibleTo(caller: Caller, record: { projectId: string }): boolean {
  return caller.admin || record.projectId === caller.projectId;
}

export function volumeNotFound(id: string): NotFound {
  return new NotFound('volume', id);
}

function invalidVolume(v: { id: string; status: string }, allowed: readonly string[], message: string): InvalidState {
  return new InvalidState('volume', v.id, v.status, allowed, `Invalid volume: ${message}`);
}

function bad(message: string): InvalidInput {
  return new InvalidInput(`Invalid input received: ${message}`);
}

const GiB_BYTES = 1024 ** 3;

/** Volumes of the Cinder-compatible API: records, quota, state machine and the driver's images. */
export class VolumeService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: VolumeRepository,
    private readonly quotas: QuotaService,
    private readonly driver: VolumeDriver,
    private readonly clock: Clock,
    private readonly options: VolumeServiceOptions,
  ) {}

  /**
   * The volume of the caller's project; an administrator's, of any project (Cinder's admin
   * context is not scoped to the project of the URL). 404 otherwise.
   */
  async get(caller: Caller, id: string, ex?: Executor): Promise<Volume> {
    const v = isUuid(id) ? await this.repo.getVolume(id, ex) : undefined;
    if (!v || !visibleTo(caller, v)) throw volumeNotFound(id);
    return v;
  }

  async list(caller: Caller, q: ResourceQuery): Promise<Page<Volume>> {
    // A type named by id or in any case filters by its name; an unknown one matches nothing.
    if (q.exact.volume_type) q.exact.volume_type = (await this.options.types.find(q.exact.volume_type))?.name ?? q.exact.volume_type;
    return this.repo.pageVolumes(q.allTenants ? null : caller.projectId, q, { markerEntity: 'volume', nextWhenFull: true });
  }

  /**
   * How many volumes the caller's project holds (every project's for an administrator asking for
   * all), their total size, and each metadata key with its distinct values (sorted).
   */
  async summary(caller: Caller, allTenants: boolean): Promise<VolumeSummary> {
    const volumes = await this.repo.volumesOf(allTenants && caller.admin ? null : caller.projectId);
    const metadata: Record<string, string[]> = {};
    for (const v of volumes) {
      for (const [k, value] of Object.entries(v.metadata)) {
        const values = (metadata[k] ??= []);
        if (!values.includes(value)) values.push(value);
      }
    }
    for (const values of Object.values(metadata)) values.sort();
    return { totalCount: volumes.length, totalSize: volumes.reduce((n, v) => n + v.size, 0), metadata };
  }

  /**
   * Creates a volume. `populate` fills the new image instead of the default (empty, from a
   * snapshot, or from a source volume); the volume becomes available only once it is done.
   * With `fromBackup` (microversion 3.47) a `backup_id` makes the volume by restoring that backup.
   */
  async create(caller: Caller, cmd: CreateVolume, populate?: (volumeId: string, sizeGiB: number) => Promise<void>): Promise<Volume> {
    const { snapshotId, sourceVolid, backupId, metadata, multiattach, bootable } = cmd;
    const az = cmd.availabilityZone;
    if (az !== null && az !== this.options.availabilityZone) {
      throw bad(`Availability zone '${az}' is invalid; this service has '${this.options.availabilityZone}'.`);
    }
    const askedSize = cmd.size;
    if (askedSize === undefined && snapshotId === null && sourceVolid === null && backupId === null) throw bad('size is required.');
    const askedType = cmd.volumeType === undefined ? undefined : (await this.options.types.forNewVolume(caller, cmd.volumeType)).name;
    const defaultType = (await this.options.types.defaultType()).name;
    if (backupId !== null) {
      if (!this.options.fromBackup) throw bad('this service makes no volumes from backups.');
      if (!isUuid(backupId)) throw new NotFound('backup', backupId);
      return this.options.fromBackup(caller, backupId.toLowerCase(), { name: cmd.name, description: cmd.description, size: askedSize, volumeType: askedType, metadata });
    }
    const now = this.clock.now();

    const volume = await this.db.transaction().execute(async (tx) => {
      await this.quotas.lock(caller.projectId, tx);
      let size = askedSize;
      let type: string | undefined = askedType;
      let inheritedBootable = false;
      if (snapshotId !== null) {
        const snap = isUuid(snapshotId) ? await this.repo.getSnapshot(snapshotId, tx) : undefined;
        if (!snap || !visibleTo(caller, snap)) throw new NotFound('snapshot', snapshotId);
        if (snap.status !== 'available') throw new InvalidState('snapshot', snap.id, snap.status, ['available'], `Invalid snapshot: Originating snapshot status must be one of 'available' values, got '${snap.status}'.`);
        size ??= snap.size;
        if (size < snap.size) throw bad(`Volume size '${size}'GB cannot be smaller than the snapshot size ${snap.size}GB. They must be >= original snapshot size.`);
        type ??= snap.volumeType ?? undefined;
        const parent = await this.repo.getVolume(snap.volumeId, tx);
        inheritedBootable = parent?.bootable ?? false;
      }
      if (sourceVolid !== null) {
        const src = isUuid(sourceVolid) ? await this.repo.getVolume(sourceVolid, tx) : undefined;
        if (!src || !visibleTo(caller, src)) throw volumeNotFound(sourceVolid);
        if (!(VOLUME_ACTION_FROM.clone as readonly string[]).includes(src.status)) {
          throw invalidVolume(src, VOLUME_ACTION_FROM.clone, `Source volume ${src.id} status must be available or in-use, but current status is: ${src.status}.`);
        }
        size ??= src.size;
        if (size < src.size) throw bad(`Volume size '${size}'GB cannot be smaller than the source volume size ${src.size}GB. They must be >= original volume size.`);
        type ??= src.volumeType;
        inheritedBootable = src.bootable;
      }
      const v: Volume = {
        id: newUuid(),
        projectId: caller.projectId,
        userId: caller.userId,
        name: cmd.name,
        description: cmd.description,
        size: size!,
        status: 'creating',
        volumeType: type ?? defaultType,
        availabilityZone: this.options.availabilityZone,
        bootable: bootable ?? inheritedBootable,
        encrypted: false,
        multiattach,
        metadata,
        snapshotId,
        sourceVolid,
        backupId: null,
        attachments: [],
        createdAt: now,
        updatedAt: now,
      };
      await this.quotas.check(caller.projectId, { volumes: 1, gigabytes: v.size, volumeType: v.volumeType, volumeSize: v.size }, tx);
      await this.repo.insertVolume(v, tx);
      return v;
    });

    const unschedulable = populate ? undefined : await this.unschedulable(caller, volume);
    if (unschedulable) {
      const failed = { status: 'error' as const, updatedAt: this.clock.now() };
      await this.repo.moveVolume(volume.id, 'creating', failed.status, { updatedAt: failed.updatedAt });
      return { ...volume, ...failed };
    }
    try {
      if (populate) await populate(volume.id, volume.size);
      else if (volume.snapshotId) await this.driver.createVolumeFromSnapshot(volume.id, volume.snapshotId, volume.size);
      else if (volume.sourceVolid) await this.driver.cloneVolume(volume.id, volume.sourceVolid, volume.size);
      else await this.driver.createVolume(volume.id, volume.size);
    } catch (err) {
      // Nothing of a failed create stays behind: no record, no quota use, no image.
      this.options.log?.(`creating volume ${volume.id} failed`, err);
      await this.driver.deleteVolume(volume.id).catch(() => undefined);
      await this.repo.deleteVolume(volume.id);
      throw new OperationFailed(`The volume could not be created: ${(err as Error).message}`, 'volume.create-failed');
    }
    const done = { status: 'available' as const, updatedAt: this.clock.now() };
    await this.repo.moveVolume(volume.id, 'creating', done.status, { updatedAt: done.updatedAt });
    return { ...volume, ...done };
  }

  private async unschedulable(caller: Caller, volume: Volume): Promise<string | undefined> {
    const check = this.options.unschedulable;
    const type = check && (await this.options.types.find(volume.volumeType));
    return type ? check(caller, volume, type) : undefined;
  }

  /** A volume of any project by id, for the operator's command line. */
  async find(id: string): Promise<Volume> {
    const v = isUuid(id) ? await this.repo.getVolume(id) : undefined;
    if (!v) throw volumeNotFound(id);
    return v;
  }

  /**
   * Replaces an available volume's content with a raw image no larger than the volume. The
   * volume is in maintenance meanwhile, so nothing attaches, snapshots or deletes it.
   */
  async overwrite(id: string, file: string, fileBytes: number, onProgress?: (bytesDone: number) => void): Promise<Volume> {
    const v = await this.find(id);
    if (fileBytes > v.size * GiB_BYTES) throw bad(`the file holds ${fileBytes} bytes, more than the ${v.size} GiB of volume ${id}.`);
    if (!(VOLUME_ACTION_FROM.import as readonly string[]).includes(v.status) || !canMoveVolume(v.status, 'maintenance')) {
      throw invalidVolume(v, VOLUME_ACTION_FROM.import, `Volume ${id} must be available to be overwritten, but current status is: ${v.status}.`);
    }
    if (!(await this.repo.moveVolume(v.id, v.status, 'maintenance', { updatedAt: this.clock.now() }))) {
      throw invalidVolume(v, VOLUME_ACTION_FROM.import, `Volume ${id} changed status meanwhile; retry.`);
    }
    try {
      await this.driver.importVolume(v.id, file, v.size, onProgress);
    } finally {
      // The old image stays whole if the copy failed (it is replaced by rename only when complete).
      await this.repo.moveVolume(v.id, 'maintenance', 'available', { updatedAt: this.clock.now() });
    }
    return { ...v, status: 'available' };
  }

  async update(caller: Caller, id: string, changes: EditVolume): Promise<Volume> {
    return this.change(caller, id, changes);
  }

  /** Applies field changes to a volume in any status but maintenance; `reset` also sets its status (os-reset_status). */
  private async change(caller: Caller, id: string, changes: VolumeChanges, from?: readonly VolumeStatus[], reset?: VolumeStatus): Promise<Volume> {
    const v = await this.get(caller, id);
    const allowed = from ?? ALL_BUT_MAINTENANCE;
    if (!allowed.includes(v.status)) throw invalidVolume(v, allowed, `Volume ${id} status must not be ${v.status} for this request.`);
    const next = { ...changes, updatedAt: this.clock.now() };
    const written = reset ? await this.repo.moveVolume(v.id, v.status, { reset }, next) : await this.repo.updateVolume(v.id, [v.status], next);
    if (!written) throw invalidVolume(v, allowed, `Volume ${id} changed status while being updated; retry.`);
    return { ...v, ...next, status: reset ?? v.status };
  }

  /** Deletes a volume; `force` (admins, os-force_delete) takes it from any status but attached. */
  async delete(caller: Caller, id: string, cascade: boolean, force = false): Promise<void> {
    const v = await this.get(caller, id);
    const snapshots = await this.db.transaction().execute(async (tx) => {
      await this.quotas.lock(v.projectId, tx);
      const cur = await this.repo.getVolume(v.id, tx);
      if (!cur) throw volumeNotFound(id);
      const from: readonly string[] = force ? VOLUME_ACTION_FROM.forceDelete : VOLUME_ACTION_FROM.delete;
      if (!from.includes(cur.status) || !canMoveVolume(cur.status, 'deleting') || cur.attachments.length > 0) {
        throw invalidVolume(cur, from, `Volume status must be available or error or error_restoring or error_extending or error_deleting and must not be attached or have snapshots; volume ${id} is ${cur.status}.`);
      }
      const snaps = await this.repo.snapshotsOf(v.id, tx);
      if (snaps.length > 0 && !cascade) throw invalidVolume(cur, from, `Volume ${id} still has ${snaps.length} dependent snapshots.`);
      if (snaps.some((s) => s.status !== 'available' && s.status !== 'error')) throw invalidVolume(cur, from, `Volume ${id} has a snapshot that is busy; retry when it is available.`);
      if ((await this.repo.countCreatingFrom('source_volid', v.id, tx)) > 0) throw invalidVolume(cur, from, `Volume ${id} is being copied into a new volume.`);
      for (const s of snaps) {
        if ((await this.repo.countCreatingFrom('snapshot_id', s.id, tx)) > 0) throw invalidVolume(cur, from, `Snapshot ${s.id} of volume ${id} is being copied into a new volume.`);
        await this.repo.moveSnapshot(s.id, s.status, 'deleting', { updatedAt: this.clock.now() }, tx);
      }
      await this.repo.moveVolume(v.id, cur.status, 'deleting', { updatedAt: this.clock.now() }, tx);
      return snaps;
    });
    try {
      for (const s of snapshots) {
        await this.driver.deleteSnapshot(s.id);
        await this.repo.deleteSnapshot(s.id);
      }
      await this.driver.deleteVolume(v.id);
      await this.repo.deleteVolume(v.id);
    } catch (err) {
      this.options.log?.(`deleting volume ${v.id} failed`, err);
      await this.repo.moveVolume(v.id, 'deleting', 'error_deleting', { updatedAt: this.clock.now() });
      throw new OperationFailed(`Volume ${v.id} could not be deleted: ${(err as Error).message}`);
    }
  }

  /** One action of POST /volumes/{id}/action. */
  async act(caller: Caller, id: string, action: VolumeAction): Promise<void> {
    switch (action.kind) {
      case 'extend':
        return this.extend(caller, id, action.newSize);
      case 'reserve': {
        const v = await this.get(caller, id);
        return this.move(caller, id, v.multiattach ? VOLUME_ACTION_FROM.reserveMultiattach : VOLUME_ACTION_FROM.reserve, 'attaching');
      }
      case 'unreserve':
        return this.unreserve(caller, id);
      case 'begin-detaching':
        return this.move(caller, id, ['in-use'], 'detaching');
      case 'roll-detaching': {
        // As Cinder's: a volume that is not detaching stays as it is, and the call succeeds.
        const v = await this.get(caller, id);
        if (v.status === 'detaching') await this.repo.moveVolume(v.id, 'detaching', 'in-use', { updatedAt: this.clock.now() });
        return;
      }
      case 'attach':
        return this.attach(caller, id, action.attach);
      case 'detach':
        return this.detach(caller, id, action.attachmentId);
      case 'set-bootable':
        await this.change(caller, id, { bootable: action.bootable });
        return;
      case 'set-readonly': {
        const v = await this.get(caller, id);
        await this.change(caller, id, { metadata: { ...v.metadata, readonly: action.readonly ? 'True' : 'False' } }, ['available']);
        return;
      }
      case 'force-delete':
        if (!caller.admin) throw new Forbidden('Policy does not allow os-force_delete to be performed: it is for administrators.');
        return this.delete(caller, id, false, true);
      case 'reset-status': {
        if (!caller.admin) throw new Forbidden('Policy does not allow os-reset_status to be performed: it is for administrators.');
        return this.resetStatus(caller, id, action.reset);
      }
      case 'retype':
        return this.retype(caller, id, action.newType);
    }
  }

  /**
   * os-reset_status: any of status, attach status and migration status, as Cinder's does. A
   * volume becomes in-use only while it has an attachment; "detached" ends its attachments.
   */
  private async resetStatus(caller: Caller, id: string, reset: ResetVolume): Promise<void> {
    const v = await this.get(caller, id);
    const changes: VolumeChanges = {};
    if (reset.attachStatus === 'detached') changes.attachments = [];
    if (reset.migrationStatus !== undefined) changes.migrationStatus = reset.migrationStatus;
    const attachments = changes.attachments ?? v.attachments;
    if (reset.status === 'in-use' && attachments.length === 0) throw bad('Cannot reset-state to in-use because volume does not have any attachments.');
    await this.change(caller, id, changes, [v.status], reset.status ?? v.status);
  }

  /** os-unreserve: an attaching volume goes back to in-use when attached, else available; otherwise nothing changes. */
  private async unreserve(caller: Caller, id: string): Promise<void> {
    const v = await this.get(caller, id);
    if (!(VOLUME_ACTION_FROM.unreserve as readonly string[]).includes(v.status)) return;
    await this.repo.moveVolume(v.id, v.status, v.attachments.length ? 'in-use' : 'available', { updatedAt: this.clock.now() });
  }

  private async move(caller: Caller, id: string, from: readonly VolumeStatus[], to: VolumeStatus): Promise<void> {
    const v = await this.get(caller, id);
    if (!from.includes(v.status) || !canMoveVolume(v.status, to)) {
      throw invalidVolume(v, from, `Volume ${id} status must be ${from.join(' or ')} to become ${to}, but current status is: ${v.status}.`);
    }
    if (!(await this.repo.moveVolume(v.id, v.status, to, { updatedAt: this.clock.now() }))) {
      throw invalidVolume(v, from, `Volume ${id} changed status meanwhile; retry.`);
    }
  }

  /**
   * Gives a volume another type the caller may use. The one back end keeps the data where it is,
   * so only the per-type quotas move; a type the back end does not satisfy is refused.
   */
  private async retype(caller: Caller, id: string, newType: string): Promise<void> {
    const type = await this.options.types.visible(caller, newType);
    if (this.options.fits && !(await this.options.fits(type))) throw bad(`No valid back end was found for volume type ${type.name}.`);
    await this.db.transaction().execute(async (tx) => {
      const found = await this.get(caller, id, tx);
      await this.quotas.lock(found.projectId, tx);
      const cur = await this.get(caller, id, tx);
      if (!(VOLUME_ACTION_FROM.retype as readonly string[]).includes(cur.status)) {
        throw invalidVolume(cur, VOLUME_ACTION_FROM.retype, `Volume ${id} status must be available or in-use to retype, but current status is: ${cur.status}.`);
      }
      if (cur.volumeType === type.name) throw bad(`New volume_type same as original: ${type.name}.`);
      await this.quotas.check(cur.projectId, { volumes: 1, gigabytes: cur.size, volumeType: type.name, typeOnly: true }, tx);
      if (!(await this.repo.updateVolume(cur.id, [cur.status], { volumeType: type.name, updatedAt: this.clock.now() }, tx))) {
        throw invalidVolume(cur, VOLUME_ACTION_FROM.retype, `Volume ${id} changed status meanwhile; retry.`);
      }
    });
  }

  private async extend(caller: Caller, id: string, newSize: number): Promise<void> {
    const v = await this.db.transaction().execute(async (tx) => {
      const found = await this.get(caller, id, tx);
      await this.quotas.lock(found.projectId, tx);
      const cur = await this.get(caller, id, tx);
      if (!(VOLUME_ACTION_FROM.extend as readonly string[]).includes(cur.status)) {
        throw invalidVolume(cur, VOLUME_ACTION_FROM.extend, `Volume ${id} status must be available to extend, but current status is: ${cur.status}.`);
      }
      if (newSize <= cur.size) throw bad(`New size for extend must be greater than current size. (current: ${cur.size}, extended: ${newSize}).`);
      if ((await this.repo.snapshotsOf(cur.id, tx)).some((s) => s.status === 'creating')) throw invalidVolume(cur, VOLUME_ACTION_FROM.extend, `Volume ${id} has a snapshot being taken; retry.`);
      await this.quotas.check(cur.projectId, { gigabytes: newSize - cur.size, volumeType: cur.volumeType, volumeSize: newSize }, tx);
      // Extending holds the new size in the record, so concurrent creates count it.
      await this.repo.moveVolume(cur.id, cur.status, 'extending', { size: newSize, updatedAt: this.clock.now() }, tx);
      return cur;
    });
    try {
      await this.driver.extendVolume(v.id, newSize);
    } catch (err) {
      this.options.log?.(`extending volume ${v.id} failed`, err);
      await this.repo.moveVolume(v.id, 'extending', 'error_extending', { size: v.size, updatedAt: this.clock.now() });
      throw new OperationFailed(`Volume ${v.id} could not be extended: ${(err as Error).message}`);
    }
    await this.repo.moveVolume(v.id, 'extending', 'available', { updatedAt: this.clock.now() });
  }

  private async attach(caller: Caller, id: string, cmd: AttachVolume): Promise<void> {
    const { mode } = cmd;
    const v = await this.get(caller, id);
    if (!(VOLUME_ACTION_FROM.attach as readonly string[]).includes(v.status)) {
      throw invalidVolume(v, VOLUME_ACTION_FROM.attach, `Volume ${id} status must be available or reserved or in-use to attach, but current status is: ${v.status}.`);
    }
    if (v.attachments.length > 0 && !v.multiattach) throw invalidVolume(v, VOLUME_ACTION_FROM.attach, `Volume ${id} is already attached and is not multiattach.`);
    if (mode === 'rw' && v.metadata.readonly === 'True') throw invalidVolume(v, VOLUME_ACTION_FROM.attach, `Volume ${id} is read-only: attach it with mode "ro".`);
    const attachmentId = newUuid();
    const a: Attachment = {
      id: v.id,
      attachment_id: attachmentId,
      volume_id: v.id,
      server_id: cmd.serverId,
      host_name: cmd.hostName,
      device: cmd.mountpoint,
      attached_at: this.clock.now().toISOString(),
      attach_mode: mode,
    };
    if (!(await this.repo.moveVolume(v.id, v.status, 'in-use', { attachments: [...v.attachments, a], updatedAt: this.clock.now() }))) {
      throw invalidVolume(v, VOLUME_ACTION_FROM.attach, `Volume ${id} changed status meanwhile; retry.`);
    }
  }

  private async detach(caller: Caller, id: string, wanted: string | null): Promise<void> {
    const v = await this.get(caller, id);
    if (!(VOLUME_ACTION_FROM.detach as readonly string[]).includes(v.status) || v.attachments.length === 0) {
      throw invalidVolume(v, VOLUME_ACTION_FROM.detach, `Volume ${id} must be attached (in-use) to detach, but current status is: ${v.status}.`);
    }
    let rest: Attachment[];
    if (wanted === null) {
      if (v.attachments.length > 1) throw bad(`Volume ${id} has ${v.attachments.length} attachments: name the one to end with attachment_id.`);
      rest = [];
    } else {
      rest = v.attachments.filter((a) => a.attachment_id !== wanted);
      if (rest.length === v.attachments.length) throw new NotFound('attachment', wanted, `Attachment ${wanted} of volume ${id} could not be found.`);
    }
    const status: VolumeStatus = rest.length ? 'in-use' : 'available';
    if (!(await this.repo.moveVolume(v.id, v.status, status, { attachments: rest, updatedAt: this.clock.now() }))) {
      throw invalidVolume(v, VOLUME_ACTION_FROM.detach, `Volume ${id} changed status meanwhile; retry.`);
    }
  }

  async metadata(caller: Caller, id: string): Promise<Record<string, string>> {
    return (await this.get(caller, id)).metadata;
  }

  /** POST merges into the metadata, PUT replaces it (as Cinder's metadata routes do). */
  async setMetadata(caller: Caller, id: string, given: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const v = await this.get(caller, id);
    const metadata = replace ? given : { ...v.metadata, ...given };
    return (await this.change(caller, id, { metadata })).metadata;
  }

  async metadataItem(caller: Caller, id: string, key: string): Promise<Record<string, string>> {
    const v = await this.get(caller, id);
    if (!(key in v.metadata)) throw new NotFound('metadata', key, `Metadata key ${key} of volume ${id} could not be found.`);
    return { [key]: v.metadata[key] };
  }

  /** Sets the one item of `meta`, which the edge checked names the URI's key. */
  async setMetadataItem(caller: Caller, id: string, meta: Record<string, string>): Promise<Record<string, string>> {
    const v = await this.get(caller, id);
    await this.change(caller, id, { metadata: { ...v.metadata, ...meta } });
    return meta;
  }

  async deleteMetadataItem(caller: Caller, id: string, key: string): Promise<void> {
    const v = await this.get(caller, id);
    if (!(key in v.metadata)) throw new NotFound('metadata', key, `Metadata key ${key} of volume ${id} could not be found.`);
    const { [key]: _gone, ...rest } = v.metadata;
    await this.change(caller, id, { metadata: rest });
  }
}

const ALL_BUT_MAINTENANCE: readonly VolumeStatus[] = VOLUME_STATUSES.filter((s) => s !== 'maintenance');
