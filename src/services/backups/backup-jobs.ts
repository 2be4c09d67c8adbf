import fs from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import type { JobDetails } from '../../common/ops-events.js';
import { escapeRegExp } from '../../common/regexp.js';
import type { Database } from '../../db/schema.js';
import { abandonBackup, BackupNotFoundError, openRepository, removeRestoreLeftovers, runBackup, runRestore, serviceMetadata, type ManifestHeader } from '../../engine/index.js';
import type { StoreMaintenance } from './store-maintenance.js';
import type { Job } from '../../jobs/job-repository.js';
import { JobFailure, type JobHandler, type JobRunner } from '../../jobs/job-runner.js';
import type { BlockStore } from '../../stores/block-store.js';
import { GiB, type VolumeDriver } from '../../volumes/driver.js';
import type { VolumeRepository } from '../volumes/volume-repository.js';
import type { Backup, BackupRepository } from './backup-repository.js';
import { deleteCatalogueRecord, saveCatalogueRecord, storedBytes } from './catalogue.js';
import type { ShareLookup } from './share-lookup.js';
import { JOB_TYPES, type CreatePayload, type DeletePayload, type RestorePayload } from './backup-service.js';
import { IMPORT_JOB_TYPE, type ImportPayload } from './backup-transfer.js';
import { manifestDigest } from './backup-url.js';

export interface BackupJobDeps {
  db: Kysely<Database>;
  backups: BackupRepository;
  volumes: VolumeRepository;
  driver: VolumeDriver;
  store: BlockStore;
  clock: Clock;
  shares: ShareLookup;
  /** Gc of a project, in turn with the project's other gc and verify runs. */
  maintenance: StoreMaintenance;
}

const INTERRUPTED = 'interrupted: the service stopped while the job ran';

/**
 * Why a job failed, as its users see it: where the message names an image file on this server
 * (or a temporary file beside it), the resource is named instead, so no reason shows the
 * server's paths.
 */
function reasonOf(err: unknown, images: Array<[file: string, name: string]> = []): string {
  let reason = (err as Error)?.message ?? String(err);
  for (const [file, name] of images) {
    const near = new RegExp(`${escapeRegExp(path.dirname(file) + path.sep)}\\.?${escapeRegExp(path.basename(file))}[^\\s'"]*`, 'g');
    reason = reason.replace(near, name);
  }
  return reason;
}

/** A job aborted because this process stops is left to recovery, which puts its records right. */
function stopping(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** What a backup's record says of the data a create or an import stored. */
function storedFields(backup: Backup, h: ManifestHeader) {
  const meta = { ...serviceMetadata(h), bootable: backup.volumeBootable, backupurl: backup.id, ...(backup.snapshotId ? { snap_id: backup.snapshotId } : {}) };
  return { object_count: Math.ceil(h.bytesAllocated / h.blockSize), service_metadata: JSON.stringify(meta), ...storedBytes(h) };
}

/** What a backup moved, for its job's end event and the metrics. */
function bytesOf(h: ManifestHeader): JobDetails {
  return {
    backup_type: h.type,
    bytes_read: h.bytesRead,
    bytes_stored: h.bytesStored,
    // Non-zero blocks not stored again: the store had them (or the unchanged source reused them all).
    bytes_deduplicated: Math.max(0, h.bytesAllocated - h.bytesNew),
  };
}

/** The create, delete and restore jobs of backups, driving the engine. */
export function registerBackupJobs(runner: JobRunner, d: BackupJobDeps): void {
  const now = () => d.clock.now().toISOString();

  /**
   * A backup that failed outside the engine (after its manifest was written, or in a process
   * that died) keeps nothing in the store: its manifest, the packs only it needed and its
   * in-flight marker go. Only once its record says error, so that a process still finishing it
   * (its lease lost) cannot make it available over data being removed. A store that cannot be
   * reached now leaves the marker ended or stale, and gc finishes then.
   */
  async function abandonInStore(projectId: string, backupId: string): Promise<void> {
    await abandonBackup(openRepository(d.store, projectId), backupId).catch(() => undefined);
  }

  // ---- create ----
  /** `inStore`: the engine may have left something of the backup in the store (it cleans up after its own failures). */
  async function failCreate(p: CreatePayload, reason: string, inStore: boolean): Promise<void> {
    const backup = await d.backups.get(p.backupId);
    const failed = await d.db.transaction().execute(async (tx) => {
      const moved = await d.backups.moveBackup(p.backupId, 'creating', 'error', { fail_reason: reason, updated_at: now() }, tx);
      if (!backup) return moved;
      if (p.volumeStatusBefore) await d.volumes.moveVolume(backup.volumeId, 'backing-up', p.volumeStatusBefore, { updatedAt: d.clock.now() }, tx);
      if (backup.snapshotId) await d.volumes.moveSnapshot(backup.snapshotId, 'backing-up', 'available', { updatedAt: d.clock.now() }, tx);
      return moved;
    });
    // The temporary snapshot of an in-use volume, if any, is named after the backup.
    if (p.volumeStatusBefore === 'in-use') await d.driver.deleteSnapshot(p.backupId).catch(() => undefined);
    if (failed && inStore && backup) await abandonInStore(backup.projectId, backup.id);
  }

  const create: JobHandler = {
    failureRule: 'backup.create-failed',
    reportsProgress: true,
    async run({ job, signal, progress, report }) {
      const p = job.payload as unknown as CreatePayload;
      const backup = await d.backups.get(p.backupId);
      if (!backup || backup.status !== 'creating') throw new JobFailure('backup.not-being-created', `got backup detail is null: backup ${p.backupId} is not being created`);
      let temporarySnapshot = false;
      let manifestWritten = false;
      const images: Array<[string, string]> = [
        [d.driver.path('volume', backup.volumeId), `the image of volume ${backup.volumeId}`],
        backup.snapshotId
          ? [d.driver.path('snapshot', backup.snapshotId), `the image of snapshot ${backup.snapshotId}`]
          : [d.driver.path('snapshot', backup.id), `the point-in-time copy of volume ${backup.volumeId}`],
      ];
      try {
        // A run taken over from a node that died starts over: what that run wrote goes first,
        // as recovery would remove it had the job failed.
        if (job.attempts > 1) await abandonInStore(backup.projectId, backup.id);
        let source: string;
        if (backup.snapshotId) source = d.driver.path('snapshot', backup.snapshotId);
        else if (p.volumeStatusBefore === 'in-use') {
          // A run taken over may have left its copy: this run makes its own.
          if (job.attempts > 1) await d.driver.deleteSnapshot(backup.id).catch(() => undefined);
          // An attached volume changes while it is read: back up a point-in-time copy instead.
          await d.driver.createSnapshot(backup.id, backup.volumeId);
          temporarySnapshot = true;
          source = d.driver.path('snapshot', backup.id);
        } else source = d.driver.path('volume', backup.volumeId);
        let lastWrite = 0;
        const repo = openRepository(d.store, backup.projectId);
        const result = await runBackup(repo, {
          source,
          backupId: backup.id,
          volumeId: backup.volumeId,
          signal,
          onProgress: (pr) => {
            progress(pr.percent);
            if (Date.now() - lastWrite < 1000) return;
            lastWrite = Date.now();
            const meta = { ...backup.serviceMetadata, progress: pr.percent, AT: Math.round(pr.throughputMBps * 10) / 10 };
            void d.db.updateTable('backups').set({ service_metadata: JSON.stringify(meta) }).where('id', '=', backup.id).where('status', '=', 'creating').execute().catch(() => undefined);
          },
        });
        manifestWritten = true;
        report(bytesOf(result.header));
        // Gone before the backup shows available: nothing of it outlives the job.
        if (temporarySnapshot) {
          await d.driver.deleteSnapshot(backup.id);
          temporarySnapshot = false;
        }
        const h = result.header;
        await d.db.transaction().execute(async (tx) => {
          await d.backups.moveBackup(
            backup.id,
            'creating',
            'available',
            {
              ...storedFields(backup, h),
              is_incremental: h.type === 'incremental' ? 1 : 0,
              data_timestamp: h.startedAt,
              updated_at: now(),
            },
            tx,
          );
          if (p.volumeStatusBefore) await d.volumes.moveVolume(backup.volumeId, 'backing-up', p.volumeStatusBefore, { updatedAt: d.clock.now() }, tx);
          if (backup.snapshotId) await d.volumes.moveSnapshot(backup.snapshotId, 'backing-up', 'available', { updatedAt: d.clock.now() }, tx);
        });
        const finished = await d.backups.get(backup.id);
        if (finished) await saveCatalogueRecord(d.store, finished);
        return { backup_id: backup.id };
      } catch (err) {
        if (stopping(signal)) throw err;
        const reason = reasonOf(err, images);
        await failCreate(p, reason, manifestWritten);
        throw new JobFailure('backup.create-failed', `fsp cinder or ebackup create backup exception: ${reason}`);
      } finally {
        if (temporarySnapshot) await d.driver.deleteSnapshot(backup.id).catch(() => undefined);
      }
    },
    onAbandoned: (job: Job) => failCreate(job.payload as unknown as CreatePayload, INTERRUPTED, true),
  };

  // ---- delete ----
  async function failDelete(p: DeletePayload, reason: string): Promise<void> {
    await d.backups.moveBackup(p.backupId, 'deleting', 'error_deleting', { fail_reason: reason, updated_at: now() });
  }

  /** Reclaims the space of blocks no backup of the project references; why it could not, else null. */
  async function reclaimSpace(projectId: string): Promise<string | null> {
    try {
      await d.maintenance.collect(projectId, { trigger: 'backup-delete' });
      return null;
    } catch (err) {
      return reasonOf(err);
    }
  }

  const remove: JobHandler = {
    failureRule: 'backup.delete-failed',
    async run({ job, signal }) {
      const p = job.payload as unknown as DeletePayload;
      const backup = await d.backups.get(p.backupId);
      if (!backup || backup.status !== 'deleting') throw new JobFailure('backup.not-being-deleted', `the backup details msg is null: backup ${p.backupId} is not being deleted`);
      try {
        const repo = openRepository(d.store, backup.projectId);
        // A backup that failed has no manifest; there is nothing of it to remove from the store.
        await repo.deleteBackup(backup.id).catch((err: unknown) => {
          if (!(err instanceof BackupNotFoundError)) throw err;
        });
        await deleteCatalogueRecord(d.store, backup.projectId, backup.id);
        // Its shares end with it: no project keeps a share of a backup that is gone.
        await d.db.transaction().execute(async (tx) => {
          await d.shares.deleteSharesOfBackup(backup.id, tx);
          await tx.deleteFrom('backups').where('id', '=', backup.id).execute();
        });
      } catch (err) {
        if (stopping(signal)) throw err;
        await failDelete(p, reasonOf(err));
        throw new JobFailure('backup.delete-failed', `failed to delete the backup: ${reasonOf(err)}`);
      }
      // The backup is gone whatever follows: reclaiming its blocks is housekeeping that the
      // project's next delete (or `vbs gc`) finishes if this one cannot.
      const reclaim = await reclaimSpace(backup.projectId);
      return { backup_id: backup.id, ...(reclaim ? { gc_deferred: reclaim } : {}) };
    },
    onAbandoned: (job: Job) => failDelete(job.payload as unknown as DeletePayload, INTERRUPTED),
  };

  // ---- restore ----
  /**
   * A restored volume carries its source's metadata. Over an existing volume the source's keys
   * win; a volume made for the restore keeps what its creator asked for, the source's besides.
   */
  function restoredMetadata(volume: Record<string, string>, source: Record<string, string>, newVolume: boolean): Record<string, string> {
    return newVolume ? { ...source, ...volume } : { ...volume, ...source };
  }

  /** The backup is intact whatever happened to the volume: it goes back to where it was. */
  async function failRestore(p: RestorePayload): Promise<void> {
    await d.db.transaction().execute(async (tx) => {
      await d.backups.moveBackup(p.backupId, 'restoring', p.backupStatusBefore, { updated_at: now() }, tx);
      await d.volumes.moveVolume(p.volumeId, 'restoring-backup', 'error_restoring', { updatedAt: d.clock.now() }, tx);
    });
  }

  const restore: JobHandler = {
    failureRule: 'restore.failed',
    reportsProgress: true,
    async run({ job, signal, progress, report }) {
      const p = job.payload as unknown as RestorePayload;
      const backup = await d.backups.get(p.backupId);
      const volume = await d.volumes.getVolume(p.volumeId);
      if (!backup || backup.status !== 'restoring' || !volume || volume.status !== 'restoring-backup') {
        throw new JobFailure('restore.not-being-restored', `restore backup null response: backup ${p.backupId} or volume ${p.volumeId} is not being restored`);
      }
      try {
        const repo = openRepository(d.store, backup.projectId);
        const target = d.driver.path('volume', volume.id);
        // A new volume's image is made by the restore itself, sparse where the backup has zeros.
        if (p.newVolume) await fs.mkdir(path.dirname(target), { recursive: true });
        // A run taken over from a node that died leaves the image it was building beside the volume.
        if (job.attempts > 1) await removeRestoreLeftovers(target);
        // A new volume's image is made whole, then renamed into place. An existing volume is
        // restored in place where it differs (zeros after the backup's end in a larger volume):
        // one that fails is left error_restoring, partly restored, and a run taken over from a
        // node that died writes what still differs.
        const restored = await runRestore(repo, { backupId: backup.id, target, size: volume.size * GiB, signal, onProgress: (pr) => progress(pr.percent) });
        report({ bytes_written: restored.bytes, bytes_fetched: restored.bytesFetched, bytes_unchanged: restored.bytesUnchanged });
        await d.db.transaction().execute(async (tx) => {
          await d.volumes.moveVolume(
            volume.id,
            'restoring-backup',
            'available',
            { bootable: backup.volumeBootable, metadata: restoredMetadata(volume.metadata, backup.volumeMetadata, p.newVolume), updatedAt: d.clock.now() },
            tx,
          );
          await d.backups.moveBackup(backup.id, 'restoring', 'available', { updated_at: now() }, tx);
        });
        return { backup_id: backup.id, volume_id: volume.id };
      } catch (err) {
        if (stopping(signal)) throw err;
        await failRestore(p);
        throw new JobFailure('restore.failed', `restore backup exception: ${reasonOf(err, [[d.driver.path('volume', p.volumeId), `the image of volume ${p.volumeId}`]])}`);
      }
    },
    onAbandoned: async (job: Job) => {
      const p = job.payload as unknown as RestorePayload;
      // The image a killed restore into a new volume was building beside it; an existing
      // volume may be partly restored, and failRestore leaves it error_restoring.
      await removeRestoreLeftovers(d.driver.path('volume', p.volumeId)).catch(() => undefined);
      await failRestore(p);
    },
  };

  // ---- import ----
  async function failImport(p: ImportPayload, reason: string, inStore: boolean): Promise<void> {
    const failed = await d.backups.moveBackup(p.backupId, 'creating', 'error', { fail_reason: reason, updated_at: now() });
    const backup = failed && inStore ? await d.backups.get(p.backupId) : undefined;
    if (backup) await abandonInStore(backup.projectId, backup.id);
  }

  /**
   * An imported record gets its data into its own project's namespace: the exported backup is
   * restored to a staging image (named after the new backup, as a temporary snapshot is) and
   * that image backed up under the new id. Within one project only the manifest is new.
   */
  const importBackup: JobHandler = {
    failureRule: 'backup.create-failed',
    async run({ job, signal }) {
      const p = job.payload as unknown as ImportPayload;
      const backup = await d.backups.get(p.backupId);
      if (!backup || backup.status !== 'creating') throw new JobFailure('backup.not-being-created', `got backup detail is null: backup ${p.backupId} is not being imported`);
      const staging = d.driver.path('snapshot', backup.id);
      let manifestWritten = false;
      try {
        const source = openRepository(d.store, p.source.project);
        if (manifestDigest(await source.readManifest(p.source.backup)) !== p.source.manifest_sha256) {
          throw new Error(`the data of backup ${p.source.backup} changed in the block store since it was exported`);
        }
        await fs.mkdir(path.dirname(staging), { recursive: true });
        await runRestore(source, { backupId: p.source.backup, target: staging, signal, durable: false });
        const result = await runBackup(openRepository(d.store, backup.projectId), { source: staging, backupId: backup.id, volumeId: backup.volumeId, signal, fullScan: true });
        manifestWritten = true;
        const h = result.header;
        const moved = await d.backups.moveBackup(backup.id, 'creating', 'available', {
          ...storedFields(backup, h),
          updated_at: now(),
        });
        const finished = moved ? await d.backups.get(backup.id) : undefined;
        if (finished) await saveCatalogueRecord(d.store, finished);
        return { backup_id: backup.id };
      } catch (err) {
        if (stopping(signal)) throw err;
        const reason = reasonOf(err, [[staging, 'the staging image of the import']]);
        await failImport(p, reason, manifestWritten);
        throw new JobFailure('backup.create-failed', `import of the backup record failed: ${reason}`);
      } finally {
        await d.driver.deleteSnapshot(backup.id).catch(() => undefined);
      }
    },
    onAbandoned: (job: Job) => failImport(job.payload as unknown as ImportPayload, INTERRUPTED, true),
  };

  runner.register(JOB_TYPES.create, create);
  runner.register(IMPORT_JOB_TYPE, importBackup);
  runner.register(JOB_TYPES.delete, remove);
  runner.register(JOB_TYPES.restore, restore);
}
