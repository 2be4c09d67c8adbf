/**
 * The main thread's side of a backup's scan: starts the scan threads (scan-worker.ts) over one
 * shared id table, writes the packs they fill through the PackWriter and gives their buffers
 * back, and stops them all on the first failure or a cancel.
 */
import { Worker } from 'node:worker_threads';
import { dataBlockMap } from '../common/data-ranges.js';
import type { BlockStore } from '../stores/block-store.js';
import { storeMemory, storeShelf } from './buffer-shelf.js';
import { EngineError } from './errors.js';
import { ID_BYTES, type IndexEntry } from './format.js';
import { packBufferBytes, type PackWriter } from './packs.js';
import { CONTROL_WORDS, ENTRY_FIELDS, STOP, type ScanMessage, type ScanSetup, type ScanSource } from './scan-protocol.js';

export interface ScanOptions extends ScanSource {
  store: BlockStore;
  writer: PackWriter;
  signal?: AbortSignal;
  /** After each chunk: bytes of the volume scanned so far, and of those the data read (not holes). */
  onChunk: (bytesDone: number, bytesRead: number) => void;
}

export interface ScanResult {
  /** Data read: the volume less its holes. */
  bytesRead: number;
  /** Raw bytes of the blocks written to new packs. */
  bytesNew: number;
}

/** Pack buffers per thread: one filling while the other is written. */
const BUFFERS_PER_THREAD = 2;

function failure(message: ScanMessage & { kind: 'failed' }): Error {
  if (!message.code) return new EngineError(message.message);
  return Object.assign(new Error(message.message), { code: message.code });
}

interface Thread {
  worker: Worker;
  /** It exited or failed: never handed out again. */
  dead: boolean;
  error?: Error;
  /** Its last scan ended with its answer ('done' or 'failed'): it waits for the next one. */
  ready: boolean;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Scan threads kept between backups. Starting one costs some 100 ms of CPU (an isolate and its
 * modules), more than the whole scan of a small volume: a node running backup after backup of
 * small volumes spent most of its CPU starting threads.
 */
const idle: Thread[] = [];
/** How long a thread waits for its next backup before it ends, and how many may wait. */
const IDLE_MS = 30_000;
const MAX_IDLE = 4;
/**
 * A thread is kept only after a scan whose id table was at most this big: an idle thread
 * collects rarely, so it holds its last scan's shared memory, and a volume big enough for a big
 * table takes long enough to scan that starting a thread is nothing beside it.
 */
const MAX_KEPT_TABLE_BYTES = 8 << 20;

function startThread(): Thread {
  const worker = new Worker(new URL('./scan-worker.js', import.meta.url), {
    // The thread's data lives in shared buffers; its own heap stays small.
    resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
  });
  const thread: Thread = { worker, dead: false, ready: true };
  worker.on('error', (err) => {
    thread.error ??= err;
    thread.dead = true;
  });
  worker.once('exit', () => {
    thread.dead = true;
    const at = idle.indexOf(thread);
    if (at >= 0) idle.splice(at, 1);
  });
  return thread;
}

function takeThread(): Thread {
  for (let thread = idle.pop(); thread; thread = idle.pop()) {
    clearTimeout(thread.idleTimer);
    if (thread.dead) continue;
    thread.worker.ref();
    return thread;
  }
  return startThread();
}

/** Keeps a thread whose scan ended cleanly for the next backup; ends any other. */
function putBack(thread: Thread, keep: boolean): void {
  if (!keep || thread.dead || !thread.ready || thread.error || idle.length >= MAX_IDLE) {
    void thread.worker.terminate();
    return;
  }
  thread.worker.unref();
  thread.idleTimer = setTimeout(() => void thread.worker.terminate(), IDLE_MS).unref();
  idle.push(thread);
}

/** The thread ids of the threads kept for the next backup. */
export function keptScanThreads(): number[] {
  return idle.map((t) => t.worker.threadId);
}

/** Ends the kept threads (closeEngine, and a restore, which needs the memory they hold). */
export async function closeScanThreads(): Promise<void> {
  const all = idle.splice(0);
  for (const thread of all) clearTimeout(thread.idleTimer);
  await Promise.all(all.map((t) => t.worker.terminate()));
}

/**
 * A backup's scan threads, taken as soon as the backup knows it will read the source: a thread
 * that has to start takes tens of milliseconds, which then overlaps reading the project's index.
 * They learn what to scan from a setup message, and go back to be kept when the backup closes.
 */
export class ScanThreads {
  private readonly threads: Thread[];
  private keep = true;

  constructor(count: number) {
    this.threads = Array.from({ length: Math.max(1, count) }, takeThread);
  }

  async scan(opts: ScanOptions): Promise<ScanResult> {
    this.keep = opts.table.ids.byteLength + opts.table.slots.byteLength <= MAX_KEPT_TABLE_BYTES;
    // Asked once, on the main thread (see data-ranges.ts).
    const dataMap = dataBlockMap(opts.fd, opts.size, opts.blockSize).buffer as SharedArrayBuffer;
    const used = this.threads.slice(0, Math.ceil(opts.size / opts.chunkSize));
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    const ids = Buffer.from(opts.table.ids);
    const capacity = packBufferBytes(opts.packTarget, opts.blockSize);
    const shelf = storeShelf(opts.store);
    let firstError: Error | undefined;
    let bytesDone = 0;
    let bytesRead = 0;
    let bytesNew = 0;
    const stop = (err: Error): void => {
      firstError ??= err;
      Atomics.store(control, STOP, 1);
    };
    // The caller reports the cancel itself (signal.throwIfAborted); this only stops the threads.
    const onAbort = (): void => stop(new DOMException('cancelled', 'AbortError'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const run = async (thread: Thread): Promise<void> => {
      const { worker } = thread;
      thread.ready = false;
      let ended = false;
      const buffers = Array.from({ length: BUFFERS_PER_THREAD }, () => shelf.take(capacity, () => storeMemory(opts.store, capacity)));
      // Slots whose pack the writer has: they go back to the thread, or after the scan to the shelf, once written.
      const writing = new Set<number>();
      const { fd, source, size, blockSize, chunkSize, level, packTarget, table, idHash } = opts;
      const setup: ScanSetup = {
        fd,
        source,
        size,
        blockSize,
        chunkSize,
        level,
        packTarget,
        table,
        idHash,
        dataBlocks: dataMap,
        control: control.buffer as SharedArrayBuffer,
        packs: buffers.map((b) => {
          if (!(b.buffer instanceof SharedArrayBuffer)) throw new Error('the store handed out a pack buffer that is not shared memory');
          return { buffer: b.buffer, byteOffset: b.byteOffset, length: b.length };
        }),
      };
      let end!: () => void;
      const answered = new Promise<void>((resolve) => (end = resolve));
      const finish = (): void => {
        ended = true;
        buffers.forEach((buffer, slot) => writing.has(slot) || shelf.put(buffer));
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        end();
      };
      const onExit = (): void => {
        stop(thread.error ?? new EngineError('a scan thread of the backup ended before its work was done'));
        finish();
      };
      const onMessage = (message: ScanMessage): void => {
        switch (message.kind) {
          case 'pack': {
            const entries: IndexEntry[] = [];
            for (let e = 0; e < message.entries.length; e += ENTRY_FIELDS) {
              const [block, offset, length, rawLength, flags] = message.entries.subarray(e, e + ENTRY_FIELDS);
              entries.push({ id: ids.subarray(block * ID_BYTES, (block + 1) * ID_BYTES), offset, length, rawLength, flags });
              bytesNew += rawLength;
            }
            // A pack written after the scan ended is not handed back: the thread may be scanning for another backup.
            writing.add(message.slot);
            const giveBack = (): void => {
              writing.delete(message.slot);
              if (!ended) worker.postMessage(message.slot);
              else shelf.put(buffers[message.slot]);
            };
            opts.writer.write(buffers[message.slot], message.size, entries, giveBack).catch(stop);
            if (opts.writer.failed) stop(opts.writer.failed);
            break;
          }
          case 'chunk':
            bytesDone += message.bytes;
            bytesRead += message.read;
            if (opts.writer.failed) stop(opts.writer.failed);
            opts.onChunk(bytesDone, bytesRead);
            break;
          case 'failed':
            stop(failure(message));
            thread.ready = true;
            finish();
            break;
          case 'done':
            thread.ready = true;
            finish();
            break;
        }
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage(setup);
      await answered;
    };

    try {
      await Promise.all(used.map(run));
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    for (const { error } of used) if (error) stop(error);
    if (firstError) throw firstError;
    if (bytesDone !== opts.size) throw new EngineError(`the backup scanned ${bytesDone} of ${opts.size} bytes`);
    return { bytesRead, bytesNew };
  }

  /** Gives the threads back to be kept; one still scanning (a backup that failed during its scan) is ended. */
  close(): void {
    for (const thread of this.threads.splice(0)) putBack(thread, this.keep);
  }
}
