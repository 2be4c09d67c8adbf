/**
 * The backup engine: the data path from a volume image to a block store and back. No HTTP, no
 * SQL. Usage:
 *
 *   const repo = openRepository(store, projectId);          // one namespace per project
 *   const r = await runBackup(repo, { source, backupId, volumeId, onProgress, signal });
 *   serviceMetadata(r.header)                               // {Type, AT, SS, CS, ...}
 *   await runRestore(repo, { backupId, target });           // a new sparse image renamed into place, or an existing one rewritten where it differs
 *   await removeRestoreLeftovers(target);                   // recovery: the new image a killed restore was building
 *   await runVerify(repo, backupId);                        // throws CorruptBackupError
 *   await repo.deleteBackup(backupId);                      // other backups untouched
 *   await runGc(repo, { graceMs });                         // mark and sweep
 *   await abandonBackup(repo, backupId);                    // a backup that will never finish: remove what it wrote
 *   repo.listManifests(volumeId?) / repo.readManifest(id)   // the catalogue, from the store
 *   await closeEngine();                                    // stop the worker threads
 *
 * Every backup is logically full (its manifest lists every block), so any backup restores on
 * its own and can be deleted at any time. See docs/engine.md for the layout and its reasons.
 */
export { openRepository, Repository, DEFAULT_SETTINGS, findBackupProject, listProjects } from './repository.js';
export type { EngineSettings, InflightBackup, InterruptedBackup } from './repository.js';
export { abandonBackup, runBackup, type BackupOptions, type BackupResult } from './backup.js';
export { removeRestoreLeftovers, runRestore, runVerify, type RestoreOptions, type RestoreResult, type VerifyOptions, type VerifyResult } from './restore.js';
export { collectAbandoned, runGc, type GcOptions, type GcResult } from './gc.js';
export type { ManifestHeader, Manifest } from './format.js';
export { FormatError } from './format.js';
export type { Progress, ProgressListener } from './progress.js';
export { EngineError, BackupNotFoundError, BackupExistsError, BackupFailedError, CorruptBackupError } from './errors.js';
export { closeEngine } from './pool.js';
export { serviceMetadata } from './metadata.js';
