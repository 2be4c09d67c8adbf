/**
 * The read side's CPU work, run on the engine's worker threads so every core decompresses and
 * checks: restore, verify and gc hand over stored blocks in SharedArrayBuffers each lane owns
 * and reuses (no copies between threads, no fresh memory per range). Backups scan on threads
 * of their own (scan-worker.ts).
 */
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import binding from 'zstd-napi/binding.js';
import { alignedBuffer, DIRECT_ALIGN } from '../stores/direct-io.js';
import { FLAG_ZSTD } from './format.js';

export interface UnpackEntry {
  /** Within `data`. */
  offset: number;
  length: number;
  rawLength: number;
  flags: number;
  /** Expected SHA-256, hex. */
  id: string;
  /** Volume offsets to write the checked plaintext to (with `fd`). */
  targets?: number[];
}

export interface UnpackTask {
  kind: 'unpack';
  /** Stored bytes, in a buffer shared with the caller. */
  data: SharedArrayBuffer;
  /** Byte range of `data` holding the entries. */
  dataOffset: number;
  dataLength: number;
  entries: UnpackEntry[];
  /** Plaintext of every entry back to back goes here; null: not kept. */
  output: SharedArrayBuffer | null;
  /**
   * Restore: the open volume file; each block is written at its targets right after its own
   * check passed, from this thread, so file writes spread over the cores like the hashing.
   */
  fd?: number;
  /** The same file opened for direct I/O (O_DIRECT), and a probe for aligning buffers, where the file system has it. */
  direct?: { fd: number; probe: number };
}

export interface UnpackResult {
  bad: Array<{ entry: number; reason: string }>;
}

export type Task = UnpackTask;

/**
 * Longest direct write: a restore range's worth. Writes that allocate (a restore into a new,
 * sparse volume) ran at 1.8 GB/s in 4 MiB and 1.4 GB/s in 1 MiB pieces here (dd); the bench
 * restore took 2.65-2.89 s against 2.83-3.03 s with 1 MiB runs.
 */
const DIRECT_RUN = 4 * 1024 * 1024;
/** Shorter runs (blocks scattered by small changes) go through the page cache: a direct write waits for the disk. */
const DIRECT_MIN_RUN = 256 * 1024;

/**
 * Gathers checked blocks that follow one another in the volume into one aligned buffer and
 * writes each run with direct I/O: the page cache would cost a copy and a writeback per byte,
 * and each direct write waits for the disk, so runs of up to 4 MiB rather than single blocks.
 */
class DirectRuns {
  /** This thread's buffer, aligned once by the first task that writes directly. */
  private staging: Buffer | undefined;
  private start = 0;
  private length = 0;
  private fd = -1;
  private fallbackFd = -1;

  /** False when the block cannot go this way (not aligned in the volume): write it buffered. */
  add(direct: { fd: number; probe: number }, fallbackFd: number, at: number, data: Buffer): boolean {
    if (at % DIRECT_ALIGN !== 0 || data.length % DIRECT_ALIGN !== 0 || data.length > DIRECT_RUN) return false;
    this.staging ??= alignedBuffer(DIRECT_RUN, direct.probe);
    if (this.length > 0 && (direct.fd !== this.fd || at !== this.start + this.length || this.length + data.length > DIRECT_RUN)) this.flush();
    if (this.length === 0) {
      this.fd = direct.fd;
      this.fallbackFd = fallbackFd;
      this.start = at;
    }
    data.copy(this.staging, this.length);
    this.length += data.length;
    return true;
  }

  flush(): void {
    if (this.length === 0 || !this.staging) return;
    const run = this.staging.subarray(0, this.length);
    this.length = 0; // a failed write leaves nothing behind for the next task
    if (run.length < DIRECT_MIN_RUN) return writeAllSync(this.fallbackFd, run, this.start);
    try {
      writeAllSync(this.fd, run, this.start);
    } catch (err) {
      // Refused (an unaligned buffer after all): the page cache takes the run.
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      writeAllSync(this.fallbackFd, run, this.start);
    }
  }
}

function writeAllSync(fd: number, data: Buffer, position: number): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, position + done);
}

const directRuns = new DirectRuns();
const dctx = new binding.DCtx();
let scratch = Buffer.alloc(0);

function unpackBlocks(t: UnpackTask): UnpackResult {
  const src = Buffer.from(t.data, t.dataOffset, t.dataLength);
  const bad: UnpackResult['bad'] = [];
  const out: Buffer | null = t.output ? Buffer.from(t.output) : null;
  let p = 0;
  t.entries.forEach((e, i) => {
    const stored = src.subarray(e.offset, e.offset + e.length);
    let target: Buffer | null = out ? out.subarray(p, p + e.rawLength) : null;
    p += e.rawLength;
    if (stored.length !== e.length) {
      bad.push({ entry: i, reason: 'is truncated in the store' });
      return;
    }
    let raw: Buffer;
    if (e.flags & FLAG_ZSTD) {
      if (!target) {
        if (scratch.length < e.rawLength) scratch = Buffer.alloc(e.rawLength);
        target = scratch.subarray(0, e.rawLength);
      }
      try {
        const n = dctx.decompress(target, stored);
        raw = target.subarray(0, n);
      } catch (err) {
        bad.push({ entry: i, reason: `cannot be decompressed (${(err as Error).message})` });
        return;
      }
    } else {
      raw = stored;
      if (target) stored.copy(target);
    }
    if (raw.length !== e.rawLength) bad.push({ entry: i, reason: `has ${raw.length} bytes, expected ${e.rawLength}` });
    else if (createHash('sha256').update(raw).digest('hex') !== e.id) bad.push({ entry: i, reason: 'does not match its SHA-256 digest' });
    else if (t.fd !== undefined && bad.length === 0) {
      for (const at of e.targets ?? []) {
        if (t.direct && directRuns.add(t.direct, t.fd, at, raw)) continue;
        writeAllSync(t.fd, raw, at);
      }
    }
  });
  // Everything this task checked is written when it returns.
  directRuns.flush();
  return { bad };
}

export default function run(task: Task): UnpackResult {
  return unpackBlocks(task);
}
