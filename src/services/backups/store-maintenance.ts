/**
 * Engine maintenance of the block store, shared by `vbs verify`, `vbs gc`, the backup delete
 * job's space reclaim and the store verify and gc jobs: one place that checks a backup and one
 * that collects a project's garbage, one project at a time in this process.
 */
import { BackupNotFoundError, CorruptBackupError, findBackupProject, listProjects, openRepository, runGc, runVerify, type GcResult } from '../../engine/index.js';
import type { BlockStore } from '../../stores/block-store.js';

export type { GcResult } from '../../engine/index.js';

/** What reading every block of one backup found. */
export interface BackupCheck {
  backupId: string;
  intact: boolean;
  /** The backup has no manifest in the store. */
  missing: boolean;
  /** Why it is not intact (the damaged blocks, or the missing manifest); null when intact. */
  problem: string | null;
  blocks: number;
  distinctBlocks: number;
  bytesChecked: number;
}

export class StoreMaintenance {
  /** The project's running verify or gc: they take turns, so gc never removes a pack a verify is about to read. */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(readonly store: BlockStore) {}

  /** Every project with data in the store. */
  projects(): Promise<string[]> {
    return listProjects(this.store);
  }

  /** The project whose namespace holds the backup's manifest, if any. */
  projectOfBackup(backupId: string): Promise<string | undefined> {
    return findBackupProject(this.store, backupId);
  }

  private inTurn<T>(projectId: string, work: () => Promise<T>): Promise<T> {
    const before = this.busy.get(projectId) ?? Promise.resolve();
    const run = before.then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.busy.set(projectId, settled);
    void settled.then(() => {
      if (this.busy.get(projectId) === settled) this.busy.delete(projectId);
    });
    return run;
  }

  /** Reads every block of the backup and checks its digest; damage is a result, not an error. */
  check(projectId: string, backupId: string, signal?: AbortSignal): Promise<BackupCheck> {
    return this.inTurn(projectId, async () => {
      const none = { backupId, blocks: 0, distinctBlocks: 0, bytesChecked: 0 };
      try {
        const r = await runVerify(openRepository(this.store, projectId), backupId, { signal });
        return { backupId, intact: true, missing: false, problem: null, blocks: r.blocks, distinctBlocks: r.distinctBlocks, bytesChecked: r.bytesChecked };
      } catch (err) {
        if (err instanceof CorruptBackupError) return { ...none, intact: false, missing: false, problem: err.message };
        if (err instanceof BackupNotFoundError) return { ...none, intact: false, missing: true, problem: err.message };
        throw err;
      }
    });
  }

  /** Mark and sweep of the project's blocks (grace: leave packs younger than this, default one hour). */
  collect(projectId: string, options: { graceMs?: number } = {}): Promise<GcResult> {
    return this.inTurn(projectId, () => runGc(openRepository(this.store, projectId), options));
  }
}
