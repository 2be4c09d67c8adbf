import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import type { Database } from '../../db/schema.js';
import { BackupNotFoundError, FormatError, openRepository, type Manifest } from '../../engine/index.js';
import type { JobRepository } from '../../jobs/job-repository.js';
import type { BlockStore } from '../../stores/block-store.js';
import type { Caller } from '../common/caller.js';
import { Forbidden, InvalidInput, InvalidState, NotFound } from '../common/errors.js';
import type { QuotaService } from '../volumes/quota-service.js';
import type { Backup, BackupRepository } from './backup-repository.js';
import { BACKUP_SERVICE, decodeBackupUrl, encodeBackupUrl, manifestDigest, type DataReference } from './backup-url.js';

export const IMPORT_JOB_TYPE = 'bksImportBackup';

/** What an import job needs beyond the new backup's record: where the exported data is. */
export interface ImportPayload {
  backupId: string;
  source: DataReference;
}

export interface BackupTransferDeps {
  db: Kysely<Database>;
  backups: BackupRepository;
  quotas: QuotaService;
  jobs: JobRepository;
  store: BlockStore;
  clock: Clock;
  kick: () => void;
}

function adminOnly(caller: Caller, what: string): void {
  if (!caller.admin) throw new Forbidden(`Policy does not allow ${what} to be performed: it is for administrators.`);
}

/**
 * Cinder's export and import of backup records (administrators): export describes an available
 * backup in a backup_url; import makes a backup of the caller's project from one, under the id
 * the record names. The imported backup gets its own copy of the data in its project's namespace
 * of the block store (an import job reads the exported backup's data, which must still be there),
 * so it restores and deletes independently of the one exported.
 */
export class BackupTransfer {
  constructor(private readonly d: BackupTransferDeps) {}

  async exportRecord(caller: Caller, backupId: string): Promise<{ backupService: string; backupUrl: string }> {
    adminOnly(caller, 'export_record');
    const backup = await this.d.backups.get(backupId);
    if (!backup) throw new NotFound('backup', backupId);
    if (backup.status !== 'available') {
      throw new InvalidState('backup', backup.id, backup.status, ['available'], `Invalid backup: Backup status must be available and not ${backup.status}.`);
    }
    const manifest = await this.sourceManifest({ project: backup.projectId, backup: backup.id });
    return { backupService: BACKUP_SERVICE, backupUrl: encodeBackupUrl(backup, manifest) };
  }

  async importRecord(caller: Caller, backupService: string, backupUrl: string): Promise<Backup> {
    adminOnly(caller, 'import_record');
    if (backupService !== BACKUP_SERVICE) throw new InvalidInput(`Invalid input received: backup service ${backupService} is not this service's (${BACKUP_SERVICE}).`);
    const { id, record, data } = decodeBackupUrl(backupUrl);
    if (await this.d.backups.get(id)) throw new InvalidInput('Invalid backup: Backup already exists in database.');
    const manifest = await this.sourceManifest(data);
    if (manifestDigest(manifest) !== data.manifest_sha256) throw new InvalidInput("Invalid backup: the exported backup's data in the block store is not the data exported.");
    const { db, quotas, backups, jobs, clock } = this.d;
    const result = await db.transaction().execute(async (tx) => {
      await quotas.lock(caller.projectId, tx);
      if (await backups.get(id, tx)) throw new InvalidInput('Invalid backup: Backup already exists in database.');
      await quotas.check(caller.projectId, { backups: 1, backup_gigabytes: record.size }, tx);
      const now = clock.now();
      const backup: Backup = {
        id,
        projectId: caller.projectId,
        volumeId: record.volume_id,
        snapshotId: record.snapshot_id,
        name: record.name,
        description: record.description,
        status: 'creating',
        failReason: null,
        size: record.size,
        objectCount: record.object_count,
        container: record.container,
        availabilityZone: record.availability_zone,
        metadata: record.metadata,
        tags: [],
        isIncremental: record.is_incremental,
        serviceMetadata: { progress: 0, Type: record.is_incremental ? 1 : 0, bootable: record.volume_bootable, backupurl: null },
        volumeBootable: record.volume_bootable,
        volumeType: record.volume_type,
        volumeMetadata: record.volume_metadata,
        policyId: null,
        dataTimestamp: record.data_timestamp ? new Date(record.data_timestamp) : null,
        createdAt: new Date(record.created_at),
        updatedAt: now,
      };
      await backups.insert(backup, tx);
      const payload: ImportPayload = { backupId: id, source: data };
      await jobs.create({ projectId: caller.projectId, type: IMPORT_JOB_TYPE, payload: { ...payload }, entities: { backup_id: id, volume_id: record.volume_id } }, tx);
      return backup;
    });
    this.d.kick();
    return result;
  }

  /** The exported backup's manifest, if its data is still in the store. */
  private async sourceManifest(ref: Pick<DataReference, 'project' | 'backup'>): Promise<Manifest> {
    try {
      return await openRepository(this.d.store, ref.project).readManifest(ref.backup);
    } catch (err) {
      if (err instanceof BackupNotFoundError || err instanceof FormatError) {
        throw new InvalidInput(`Invalid backup: the data of backup ${ref.backup} is not in the block store: ${err.message}`);
      }
      throw err;
    }
  }
}
