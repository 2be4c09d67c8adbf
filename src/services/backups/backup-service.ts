import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import { TAKEOVER_ATTEMPTS, type Job, type JobRepository } from '../../jobs/job-repository.js';
import type { QuotaService } from '../volumes/quota-service.js';
import type { Volume } from '../volumes/volume-records.js';
import type { VolumeRepository } from '../volumes/volume-repository.js';
import type { Caller } from '../common/caller.js';
import { Conflict, Forbidden, InvalidInput, InvalidState, NotFound } from '../common/errors.js';
import { canMoveVolume, type VolumeStatus } from '../volumes/volume-state.js';
import type { BlockStore } from '../../stores/block-store.js';
import { openRepository } from '../../engine/index.js';
import { saveCatalogueRecord } from './catalogue.js';
import type { Backup, BackupRepository } from './backup-repository.js';
import { canMoveBackup, type BackupStatus } from './backup-state.js';
import type { ShareLookup } from './share-lookup.js';

/** What a backup request asks for, once the edge has checked it. */
export interface BackupRequest {
  volumeId: string;
  snapshotId: string | null;
  name: string | null;
  description: string | null;
  container: string | null;
  /** May back up an in-use volume (through a temporary snapshot). */
  force: boolean;
  metadata: Record<string, string>;
  tags: Array<{ key: string; value: string }>;
  availabilityZone: string | null;
}

/** Where a restore writes: an existing volume of the caller, or (volumeId null) a new one. */
export interface RestoreTarget {
  volumeId: string | null;
  /** The new volume's name. */
  name: string | null;
  volume?: NewVolumeSpec;
}

export const JOB_TYPES = {
  create: 'bksCreateBackup',
  delete: 'bksDeleteBackup',
  restore: 'bksRestoreBackup',
} as const;

/** What a create job needs to know beyond the backup record. */
export interface CreatePayload {
  backupId: string;
  /** The volume's status before the backup, to return it there; null when a snapshot is the source. */
  volumeStatusBefore: 'available' | 'in-use' | null;
}

export interface RestorePayload {
  backupId: string;
  volumeId: string;
  /** The restore made this volume: its image does not exist yet. */
  newVolume: boolean;
  backupStatusBefore: BackupStatus;
}

/** What a volume made from a backup may choose; the backup's own values otherwise. */
export interface NewVolumeSpec {
  name: string | null;
  description?: string | null;
  /** GiB, at least the backup's size. */
  size?: number;
  volumeType?: string;
  metadata?: Record<string, string>;
}

export interface DeletePayload {
  backupId: string;
}

export interface BackupServiceDeps {
  db: Kysely<Database>;
  backups: BackupRepository;
  volumes: VolumeRepository;
  quotas: QuotaService;
  jobs: JobRepository;
  clock: Clock;
  /** Runs queued jobs soon after they are queued. */
  kick: () => void;
  /** Where backups are kept; its name is a backup's `container` unless the user chose one. */
  store: BlockStore;
  /** Which backups are shared with which projects. */
  shares: ShareLookup;
}

function notFound(backupId: string): NotFound {
  return new NotFound('backup', backupId);
}

function volumeNotBackupable(volume: Volume): InvalidState {
  return new InvalidState('volume', volume.id, volume.status, ['available', 'in-use'], `volume status is not available or in-use: volume ${volume.id} is ${volume.status}`, 'backup.volume-not-backupable');
}

/**
 * Creating, deleting and restoring backups: every check runs and every record changes in one
 * transaction, the work itself in a job; a refused request changes nothing.
 */
export class BackupService {
  constructor(private readonly d: BackupServiceDeps) {}

  async create(caller: Caller, req: BackupRequest, extra: { policyId?: string } = {}): Promise<{ backup: Backup; job: Job }> {
    const { db, quotas, volumes, backups, jobs, clock } = this.d;
    const result = await db.transaction().execute(async (tx) => {
      await quotas.lock(caller.projectId, tx);
      const volume = await volumes.getVolume(req.volumeId, tx);
      if (!volume || volume.projectId !== caller.projectId) throw new NotFound('volume', req.volumeId);
      const running = await tx.selectFrom('backups').select('id').where('volume_id', '=', volume.id).where('status', '=', 'creating').executeTakeFirst();
      if (running || volume.status === 'backing-up') {
        throw new InvalidState('volume', volume.id, volume.status, ['available', 'in-use'], `volume's last backup progress is not finished: a backup of volume ${volume.id} is still being created`, 'backup.volume-busy');
      }
      let volumeStatusBefore: CreatePayload['volumeStatusBefore'] = null;
      if (req.snapshotId) {
        const snap = await volumes.getSnapshot(req.snapshotId, tx);
        if (!snap || snap.projectId !== caller.projectId || snap.volumeId !== volume.id) {
          throw new NotFound('snapshot', req.snapshotId, `Snapshot ${req.snapshotId} of volume ${volume.id} could not be found.`, 'backup.snapshot-not-found');
        }
        if (snap.status !== 'available') {
          throw new InvalidState('snapshot', snap.id, snap.status, ['available'], `Invalid snapshot: snapshot ${snap.id} must be available to be backed up, but it is ${snap.status}.`, 'backup.snapshot-not-available');
        }
        if (!(await volumes.moveSnapshot(snap.id, 'available', 'backing-up', { updatedAt: clock.now() }, tx))) {
          throw new Conflict(`snapshot ${snap.id} changed meanwhile; retry`);
        }
      } else {
        if (volume.status === 'in-use' && !req.force) {
          throw new InvalidState('volume', volume.id, volume.status, ['available'], `Invalid volume: Backing up an in-use volume must use the force flag (volume ${volume.id}).`);
        }
        if (volume.status !== 'available' && volume.status !== 'in-use') {
          throw volumeNotBackupable(volume);
        }
        volumeStatusBefore = volume.status;
        await this.moveVolume(volume, 'backing-up', tx);
      }
      await quotas.check(caller.projectId, { backups: 1, backup_gigabytes: volume.size }, tx);
      const earlier = await tx.selectFrom('backups').select('id').where('volume_id', '=', volume.id).where('status', 'in', ['available', 'restoring', 'deleting']).executeTakeFirst();
      const now = clock.now();
      const backup: Backup = {
        id: newUuid(),
        projectId: caller.projectId,
        volumeId: volume.id,
        snapshotId: req.snapshotId,
        name: req.name,
        description: req.description,
        status: 'creating',
        failReason: null,
        size: volume.size,
        objectCount: 0,
        container: req.container ?? this.d.store.containerName,
        availabilityZone: req.availabilityZone ?? volume.availabilityZone,
        metadata: req.metadata,
        tags: req.tags,
        isIncremental: earlier !== undefined,
        serviceMetadata: { progress: 0, Type: earlier ? 1 : 0, bootable: volume.bootable, backupurl: null },
        volumeBootable: volume.bootable,
        volumeType: volume.volumeType,
        volumeMetadata: volume.metadata,
        policyId: extra.policyId ?? null,
        dataTimestamp: now,
        createdAt: now,
        updatedAt: now,
      };
      await backups.insert(backup, tx);
      const payload: CreatePayload = { backupId: backup.id, volumeStatusBefore };
      const job = await jobs.create(
        {
          projectId: caller.projectId,
          type: JOB_TYPES.create,
          payload: { ...payload },
          entities: { backup_id: backup.id, volume_id: volume.id, snapshot_id: req.snapshotId, bks_create_volume_name: volume.name ?? '' },
          maxAttempts: TAKEOVER_ATTEMPTS,
        },
        tx,
      );
      return { backup, job };
    });
    this.d.kick();
    return result;
  }

  /**
   * The caller's backup (any project's for an administrator, as Cinder's admin context). A
   * backup shared with the caller is one it reads, so a write is forbidden, not "not found".
   */
  private async ownBackup(caller: Caller, backupId: string, ex: Kysely<Database>): Promise<Backup> {
    const backup = isUuid(backupId) ? await this.d.backups.get(backupId, ex) : undefined;
    if (backup && (backup.projectId === caller.projectId || caller.admin)) return backup;
    if (backup && (await this.d.shares.isSharedWith(backup.id, caller.projectId, ex))) {
      throw new Forbidden(`Backup ${backup.id} is shared with this project by another one: only the project that owns the backup may delete or change it.`);
    }
    throw notFound(backupId);
  }

  /**
   * An administrator's os-reset_status, to available or error. A backup is made available only
   * while its data is in the block store, so that what shows available restores.
   */
  async resetStatus(caller: Caller, backupId: string, status: Extract<BackupStatus, 'available' | 'error'>): Promise<void> {
    if (!caller.admin) throw new Forbidden('Policy does not allow os-reset_status to be performed: it is for administrators.');
    const backup = await this.ownBackup(caller, backupId, this.d.db);
    if (status === 'available' && !(await openRepository(this.d.store, backup.projectId).findManifestKey(backup.id))) {
      throw new InvalidState('backup', backup.id, backup.status, ['error'], `Invalid backup: backup ${backup.id} has no data in the block store; it cannot be made available.`);
    }
    const moved = await this.d.backups.moveBackup(backup.id, backup.status, { reset: status }, { updated_at: this.d.clock.now().toISOString() });
    if (!moved) throw new InvalidState('backup', backup.id, backup.status, [backup.status], `backup ${backup.id} changed meanwhile; retry`, 'backup.not-available');
  }

  /** An administrator's os-force_delete: a delete of any project's backup that no job holds. */
  async forceDelete(caller: Caller, backupId: string): Promise<Job> {
    if (!caller.admin) throw new Forbidden('Policy does not allow os-force_delete to be performed: it is for administrators.');
    return this.delete(caller, backupId);
  }

  /** The caller's backup or one shared with the caller's project; not found otherwise. */
  private async usableBackup(caller: Caller, backupId: string, ex: Kysely<Database>): Promise<Backup> {
    const backup = isUuid(backupId) ? await this.d.backups.get(backupId, ex) : undefined;
    if (backup && (backup.projectId === caller.projectId || (await this.d.shares.isSharedWith(backup.id, caller.projectId, ex)))) return backup;
    throw notFound(backupId);
  }

  async delete(caller: Caller, backupId: string): Promise<Job> {
    const { db, jobs } = this.d;
    const job = await db.transaction().execute(async (tx) => {
      await this.d.quotas.lock(caller.projectId, tx);
      const backup = await this.ownBackup(caller, backupId, tx);
      if (!canMoveBackup(backup.status, 'deleting')) {
        throw new InvalidState('backup', backup.id, backup.status, ['available', 'error'], `Invalid backup: Backup status must be available or error, but backup ${backup.id} is ${backup.status}.`, 'backup.not-available');
      }
      await this.moveBackup(backup, 'deleting', tx);
      const payload: DeletePayload = { backupId: backup.id };
      return jobs.create(
        { projectId: backup.projectId, type: JOB_TYPES.delete, payload: { ...payload }, entities: { backup_id: backup.id, volume_id: backup.volumeId }, maxAttempts: TAKEOVER_ATTEMPTS },
        tx,
      );
    });
    this.d.kick();
    return job;
  }

  /**
   * Restores into an existing volume of the caller (available, at least the backup's size), or,
   * without a target (Cinder only), into a new volume made for it. The backup is the caller's
   * or one shared with the caller's project; the volume is always the caller's.
   */
  async restore(
    caller: Caller,
    backupId: string,
    target: RestoreTarget,
  ): Promise<{ job: Job; volume: Volume }> {
    const { db, volumes, quotas, jobs, clock } = this.d;
    const result = await db.transaction().execute(async (tx) => {
      await quotas.lock(caller.projectId, tx);
      const backup = await this.usableBackup(caller, backupId, tx);
      if (backup.status !== 'available' && backup.status !== 'error_restoring') {
        throw new InvalidState('backup', backup.id, backup.status, ['available', 'error_restoring'], `backup status is not available: backup ${backup.id} is ${backup.status}`, 'backup.not-available');
      }
      let volume: Volume;
      let newVolume = false;
      if (target.volumeId) {
        const found = await volumes.getVolume(target.volumeId, tx);
        if (!found || found.projectId !== caller.projectId) {
          throw new NotFound('volume', target.volumeId, undefined, 'restore.volume-not-found');
        }
        volume = found;
        if (volume.status === 'backing-up') throw new InvalidState('volume', volume.id, volume.status, ['available'], `volume for restore is creating backup: volume ${volume.id}`, 'restore.volume-backing-up');
        if (volume.status !== 'available') throw new InvalidState('volume', volume.id, volume.status, ['available'], `volume for restore state is not available: volume ${volume.id} is ${volume.status}`, 'restore.volume-not-available');
        if (volume.size < backup.size) {
          throw new InvalidInput(`volume size is less than backup size: volume ${volume.id} has ${volume.size} GiB, the backup ${backup.size} GiB`, 'restore.volume-too-small');
        }
        await this.moveVolume(volume, 'restoring-backup', tx);
        volume = { ...volume, status: 'restoring-backup' };
      } else {
        const now = clock.now();
        const spec = target.volume;
        const size = spec?.size ?? backup.size;
        if (size < backup.size) throw new InvalidInput(`Invalid input received: volume size ${size}GB cannot be smaller than the backup size ${backup.size}GB.`);
        volume = {
          id: newUuid(),
          projectId: caller.projectId,
          userId: caller.userId,
          name: spec ? spec.name : (target.name ?? `restore_backup_${backup.id}`),
          description: spec?.description !== undefined ? spec.description : `auto-created volume for restore from backup ${backup.id}`,
          size,
          status: 'restoring-backup',
          volumeType: spec?.volumeType ?? backup.volumeType ?? 'SATA',
          availabilityZone: backup.availabilityZone ?? 'nova',
          bootable: backup.volumeBootable,
          encrypted: false,
          multiattach: false,
          metadata: { ...backup.volumeMetadata, ...spec?.metadata },
          snapshotId: null,
          sourceVolid: null,
          backupId: backup.id,
          attachments: [],
          createdAt: now,
          updatedAt: now,
        };
        await quotas.check(caller.projectId, { volumes: 1, gigabytes: volume.size, volumeType: volume.volumeType, volumeSize: volume.size }, tx);
        await volumes.insertVolume(volume, tx);
        newVolume = true;
      }
      const backupStatusBefore = backup.status;
      await this.moveBackup(backup, 'restoring', tx);
      const payload: RestorePayload = { backupId: backup.id, volumeId: volume.id, newVolume, backupStatusBefore };
      const job = await jobs.create(
        { projectId: caller.projectId, type: JOB_TYPES.restore, payload: { ...payload }, entities: { backup_id: backup.id, volume_id: volume.id }, maxAttempts: TAKEOVER_ATTEMPTS },
        tx,
      );
      return { job, volume };
    });
    this.d.kick();
    return result;
  }

  /** A new volume of the caller's project holding the backup's data (volume create with backup_id). */
  async createVolume(caller: Caller, backupId: string, spec: NewVolumeSpec): Promise<Volume> {
    return (await this.restore(caller, backupId, { volumeId: null, name: spec.name, volume: spec })).volume;
  }

  /** Name, description and (3.43) metadata of a backup. */
  async update(caller: Caller, backupId: string, changes: { name?: string | null; description?: string | null; metadata?: Record<string, string> }): Promise<Backup> {
    const backup = await this.ownBackup(caller, backupId, this.d.db);
    const next: Backup = { ...backup, ...changes, updatedAt: this.d.clock.now() };
    // The store's record is written inside the transaction: if the store refuses it (a full
    // disk), the row is not changed either.
    await this.d.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('backups')
        .set({ name: next.name, description: next.description, metadata: JSON.stringify(next.metadata), updated_at: next.updatedAt!.toISOString() })
        .where('id', '=', backup.id)
        .execute();
      if (next.status === 'available') await saveCatalogueRecord(this.d.store, next);
    });
    return next;
  }

  private async moveVolume(volume: Volume, to: VolumeStatus, tx: Kysely<Database>): Promise<void> {
    if (!canMoveVolume(volume.status, to) || !(await this.d.volumes.moveVolume(volume.id, volume.status, to, { updatedAt: this.d.clock.now() }, tx))) {
      throw volumeNotBackupable(volume);
    }
  }

  private async moveBackup(backup: Backup, to: BackupStatus, tx: Kysely<Database>): Promise<void> {
    const moved = await this.d.backups.moveBackup(backup.id, backup.status, to, { updated_at: this.d.clock.now().toISOString() }, tx);
    if (!moved) throw new InvalidState('backup', backup.id, backup.status, [backup.status], `backup ${backup.id} changed meanwhile; retry`, 'backup.not-available');
  }
}
