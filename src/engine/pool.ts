/**
 * The worker threads of the engine: one pool per process, up to as many threads as cores. One is
 * kept; more start when tasks queue up, so a restore, which checks on one thread, holds one.
 */
import os from 'node:os';
import { Piscina } from 'piscina';
import { closeScanThreads } from './scanner.js';
import type { CompareResult, CompareTask, UnpackEntries, UnpackResult, UnpackTask } from './unpack-protocol.js';

let shared: Piscina | undefined;

function pool(): Piscina {
  if (!shared) {
    const threads = Math.max(1, os.availableParallelism());
    shared = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: 1,
      maxThreads: threads,
      idleTimeout: 30_000,
      // Workers hold no state worth a big heap; a small young generation keeps their RSS low.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
  }
  return shared;
}

/** Starts the threads now (each takes tens of milliseconds), so that overlaps reading a backup's index. */
export function startWorkers(): void {
  pool();
}

export function unpackInWorker(task: Omit<UnpackTask, 'kind' | 'table' | 'ids'>, entries: UnpackEntries): Promise<UnpackResult> {
  return pool().run({ kind: 'unpack', ...task, table: entries.table, ids: entries.ids } satisfies UnpackTask) as Promise<UnpackResult>;
}

export function compareInWorker(task: Omit<CompareTask, 'kind'>): Promise<CompareResult> {
  return pool().run({ kind: 'compare', ...task } satisfies CompareTask) as Promise<CompareResult>;
}

/** Stops the worker threads, the pool's and the kept scan threads (they would otherwise keep the process alive until idle). */
export async function closeEngine(): Promise<void> {
  const p = shared;
  shared = undefined;
  await Promise.all([p?.destroy(), closeScanThreads()]);
}
