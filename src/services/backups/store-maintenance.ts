/**
 * Engine maintenance of the block store, shared by `vbs verify`, `vbs gc`, the backup delete
 * job's space reclaim and the store verify and gc jobs: one place that checks a backup and one
 * that collects a project's garbage, one project at a time in this process.
 */
import { noEvents, type GcEndEvent, type OpsEvents, type VerifyEndEvent } from '../../common/ops-events.js';
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

  /** `events`: told each verify's and gc's outcome (`verify.end`, `gc.end`), whoever asked. */
  constructor(
    readonly store: BlockStore,
    private readonly events: OpsEvents = noEvents,
  ) {}

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
  check(projectId: string, backupId: string, signal?: AbortSignal, trigger: VerifyEndEvent['trigger'] = 'job'): Promise<BackupCheck> {
    return this.inTurn(projectId, async () => {
      const started = performance.now();
      const tell = (outcome: VerifyEndEvent['outcome'], r: { blocks: number; bytesChecked: number } | undefined, reason: string | null) =>
        this.events.emit({
          event: 'verify.end',
          backup_id: backupId,
          project_id: projectId,
          trigger,
          outcome,
          blocks: r?.blocks ?? null,
          bytes_checked: r?.bytesChecked ?? null,
          reason,
          duration_ms: Math.round(performance.now() - started),
        });
      const none = { backupId, blocks: 0, distinctBlocks: 0, bytesChecked: 0 };
      try {
        const r = await runVerify(openRepository(this.store, projectId), backupId, { signal });
        tell('intact', r, null);
        return { backupId, intact: true, missing: false, problem: null, blocks: r.blocks, distinctBlocks: r.distinctBlocks, bytesChecked: r.bytesChecked };
      } catch (err) {
        const reason = (err as Error)?.message ?? String(err);
        if (err instanceof CorruptBackupError) {
          tell('damaged', undefined, reason);
          return { ...none, intact: false, missing: false, problem: err.message };
        }
        if (err instanceof BackupNotFoundError) {
          tell('missing', undefined, reason);
          return { ...none, intact: false, missing: true, problem: err.message };
        }
        tell('failed', undefined, reason);
        throw err;
      }
    });
  }

  /** Mark and sweep of the project's blocks (grace: leave packs younger than this, default one hour). */
  collect(projectId: string, options: { graceMs?: number; trigger?: GcEndEvent['trigger'] } = {}): Promise<GcResult> {
    return this.inTurn(projectId, async () => {
      const started = performance.now();
      const tell = (outcome: GcResult | Error) => this.events.emit(gcEndEvent(projectId, options.trigger ?? 'job', outcome, performance.now() - started));
      try {
        const result = await runGc(openRepository(this.store, projectId), { graceMs: options.graceMs });
        tell(result);
        return result;
      } catch (err) {
        tell(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    });
  }
}

/** A gc's result as operators read it; an error is a gc deferred to the next one. */
function gcEndEvent(projectId: string, trigger: GcEndEvent['trigger'], outcome: GcResult | Error, durationMs: number): GcEndEvent {
  const r = outcome instanceof Error ? undefined : outcome;
  return {
    event: 'gc.end',
    project_id: projectId,
    trigger,
    deferred: outcome instanceof Error ? outcome.message : outcome.skipped,
    backups: r?.manifests ?? 0,
    packs_deleted: r ? r.packsDeleted + r.orphanPacksDeleted : 0,
    packs_rewritten: r?.packsRepacked ?? 0,
    bytes_freed: r?.bytesFreed ?? 0,
    bytes_rewritten: r?.bytesRewritten ?? 0,
    interrupted: r?.interrupted ?? [],
    problems: r?.problems ?? [],
    duration_ms: Math.round(durationMs),
  };
}
