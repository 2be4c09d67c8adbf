import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { listProjects, openRepository, type ManifestHeader } from '../../engine/index.js';
import { NotFoundError, type BlockStore } from '../../stores/block-store.js';
import { withoutStorePath } from '../../stores/container-name.js';
import { BackupRepository, insertableRow, toBackup, toRow, type Backup, type BackupRecordRow } from './backup-repository.js';

/**
 * The backup records kept in the store beside the engine's manifests, so that the store alone
 * can rebuild the catalogue. The manifest is the truth about data; this record adds what the
 * user gave (name, description, metadata, tags) and what a restore needs (type, bootable).
 */
function recordKey(projectId: string, backupId: string): string {
  return `catalogue/${projectId}/${backupId}`;
}

export async function saveCatalogueRecord(store: BlockStore, backup: Backup): Promise<void> {
  await store.put(recordKey(backup.projectId, backup.id), Buffer.from(JSON.stringify(toRow(backup))));
}

export async function deleteCatalogueRecord(store: BlockStore, projectId: string, backupId: string): Promise<void> {
  await store.delete(recordKey(projectId, backupId));
}

async function readRecord(store: BlockStore, projectId: string, backupId: string): Promise<Backup | undefined> {
  try {
    return toBackup(JSON.parse((await store.get(recordKey(projectId, backupId))).toString('utf8')) as BackupRecordRow);
  } catch (err) {
    // No record (or an unreadable one): the manifest alone still describes the backup.
    if (err instanceof NotFoundError || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

const GiB = 1024 ** 3;

/** A backup's figures in bytes as the backups table keeps them (migration 0110): what it holds, what it added to the store. */
export function storedBytes(h: ManifestHeader): { bytes_logical: number; bytes_stored: number } {
  return { bytes_logical: h.volumeSize, bytes_stored: h.bytesStored };
}

/** A record from the manifest alone, for a backup whose catalogue record is missing. */
function fromManifest(h: ManifestHeader): Backup {
  return {
    id: h.backupId,
    projectId: h.project,
    volumeId: h.volumeId,
    snapshotId: null,
    name: null,
    description: null,
    status: 'available',
    failReason: null,
    size: Math.max(1, Math.ceil(h.volumeSize / GiB)),
    objectCount: Math.ceil(h.bytesAllocated / h.blockSize),
    container: null,
    availabilityZone: null,
    metadata: {},
    tags: [],
    isIncremental: h.type === 'incremental',
    serviceMetadata: {},
    volumeBootable: false,
    volumeType: null,
    volumeMetadata: {},
    policyId: null,
    dataTimestamp: new Date(h.startedAt),
    createdAt: new Date(h.startedAt),
    updatedAt: new Date(h.finishedAt),
  };
}

export interface ReindexResult {
  projects: number;
  manifests: number;
  /** Backups the database lacked and got back. */
  restored: number;
  /** Available backups of the database whose manifest is gone: marked error. */
  orphaned: number;
}

/** Rebuilds the backup catalogue of the database from the store: every manifest becomes an available backup. */
export async function reindex(db: Kysely<Database>, store: BlockStore, now: Date): Promise<ReindexResult> {
  const result: ReindexResult = { projects: 0, manifests: 0, restored: 0, orphaned: 0 };
  const seen = new Set<string>();
  for (const project of await listProjects(store)) {
    result.projects++;
    for (const header of await openRepository(store, project).listManifests()) {
      result.manifests++;
      seen.add(header.backupId);
      const known = await db.selectFrom('backups').select(['id', 'bytes_stored']).where('id', '=', header.backupId).executeTakeFirst();
      if (known) {
        // Rows older than the byte figures get them from their manifest.
        if (known.bytes_stored === null || known.bytes_stored === undefined) await db.updateTable('backups').set(storedBytes(header)).where('id', '=', known.id).execute();
        continue;
      }
      const record = (await readRecord(store, project, header.backupId)) ?? fromManifest(header);
      // Records of earlier releases kept the store's path as the container.
      await db
        .insertInto('backups')
        .values({ ...insertableRow({ ...record, container: withoutStorePath(record.container), status: 'available', failReason: null }), ...storedBytes(header) })
        .execute();
      result.restored++;
    }
  }
  const backups = new BackupRepository(db);
  const available = await db.selectFrom('backups').select('id').where('status', '=', 'available').execute();
  for (const { id } of available) {
    if (seen.has(id)) continue;
    await backups.moveBackup(id, 'available', 'error', { fail_reason: 'the backup\'s manifest is missing from the store', updated_at: now.toISOString() });
    result.orphaned++;
  }
  return result;
}
