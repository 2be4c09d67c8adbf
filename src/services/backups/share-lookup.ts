import type { Db } from '../../db/connect.js';

/** A database or an open transaction of it. */
export type ShareExecutor = Pick<Db, 'selectFrom' | 'deleteFrom'>;

/**
 * What backups need to know of their shares: a recipient may read and restore a shared backup,
 * listings show shared backups beside the project's own, and a deleted backup's shares end with
 * it. Declared here so that backups do not depend on the sharing use cases (which depend on
 * backups); the sharing repository implements it and src/container.ts hands it over.
 */
export interface ShareLookup {
  /** Whether the backup is shared with the project (the owner's own access is separate). */
  isSharedWith(backupId: string, projectId: string, executor?: ShareExecutor): Promise<boolean>;
  /** Ends every share of a backup that is being deleted; how many there were. */
  deleteSharesOfBackup(backupId: string, executor?: ShareExecutor): Promise<number>;
}
