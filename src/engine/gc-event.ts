import type { GcEndEvent, OpsEvents } from '../common/ops-events.js';
import { runGc, type GcOptions, type GcResult } from './gc.js';
import type { Repository } from './repository.js';

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

/** Runs gc on one project's repository and tells its result (or why it could not run) as `gc.end`. */
export async function runGcTelling(repo: Repository, events: OpsEvents, trigger: GcEndEvent['trigger'], opts: GcOptions = {}): Promise<GcResult> {
  const started = performance.now();
  try {
    const result = await runGc(repo, opts);
    events.emit(gcEndEvent(repo.project, trigger, result, performance.now() - started));
    return result;
  } catch (err) {
    events.emit(gcEndEvent(repo.project, trigger, err instanceof Error ? err : new Error(String(err)), performance.now() - started));
    throw err;
  }
}
