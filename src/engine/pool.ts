/** The worker threads of the engine: one pool per process, as many threads as cores. */
import os from 'node:os';
import { Piscina } from 'piscina';
import { ID_BYTES, type IndexEntry } from './format.js';
import type { UnpackResult, UnpackTask } from './worker.js';

let shared: Piscina | undefined;

function pool(): Piscina {
  if (!shared) {
    const threads = Math.max(1, os.availableParallelism());
    shared = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: threads,
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

/** The entries' ids back to back, as an unpack task takes them. */
export function idList(entries: IndexEntry[]): Uint8Array {
  // Its own memory: a message copies a view's whole underlying buffer.
  const ids = Buffer.allocUnsafeSlow(entries.length * ID_BYTES);
  entries.forEach((e, i) => e.id.copy(ids, i * ID_BYTES));
  return ids;
}

export function unpackInWorker(task: Omit<UnpackTask, 'kind'>): Promise<UnpackResult> {
  return pool().run({ kind: 'unpack', ...task }) as Promise<UnpackResult>;
}

/** Stops the worker threads (they would otherwise keep the process alive until idle). */
export async function closeEngine(): Promise<void> {
  const p = shared;
  shared = undefined;
  if (p) await p.destroy();
}
