/**
 * CPU work of the engine, run on worker threads so every core hashes and compresses. Blocks
 * arrive and results leave in SharedArrayBuffers each pipeline lane owns and reuses: no copies
 * between threads and no fresh memory (page faults) per chunk.
 */
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import binding from 'zstd-napi/binding.js';
import { alignedBuffer, DIRECT_ALIGN } from '../stores/direct-io.js';

export interface HashTask {
  kind: 'hash';
  buffer: SharedArrayBuffer;
  length: number;
  blockSize: number;
}

export interface CompressTask {
  kind: 'compress';
  buffer: SharedArrayBuffer;
  /** Offsets and lengths within `buffer` of the blocks to store. */
  offsets: number[];
  lengths: number[];
  /** Stored bytes go here back to back (room: compressBoundTotal). */
  output: SharedArrayBuffer;
  level: number;
}

export interface CompressResult {
  /** Stored bytes of each block: compressed ones lie back to back in `output`, raw ones stay where they were in `buffer`. */
  sizes: number[];
  flags: number[];
}

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

export type Task = HashTask | CompressTask | UnpackTask;

export const FLAG_ZSTD = 1;

/** Room the output of a compress task needs for `bytes` of input in blocks of `blockSize`. */
export function compressBoundTotal(bytes: number, blockSize: number): number {
  return bytes + Math.ceil(bytes / blockSize) * 1024 + 64 * 1024;
}

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
const cctx = new binding.CCtx();
const dctx = new binding.DCtx();
let zeros = Buffer.alloc(0);
let scratch = Buffer.alloc(0);

function hashBlocks(t: HashTask): Uint8Array {
  const data = Buffer.from(t.buffer, 0, t.length);
  const n = Math.ceil(t.length / t.blockSize);
  const out = new Uint8Array(n * 32);
  if (zeros.length < t.blockSize) zeros = Buffer.alloc(t.blockSize);
  for (let i = 0; i < n; i += 1) {
    const block = data.subarray(i * t.blockSize, Math.min(t.length, (i + 1) * t.blockSize));
    // All-zero blocks keep the zero id: a memcmp is far cheaper than a hash.
    if (block.equals(zeros.subarray(0, block.length))) continue;
    out.set(createHash('sha256').update(block).digest(), i * 32);
  }
  return out;
}

function compressBlocks(t: CompressTask): CompressResult {
  const src = Buffer.from(t.buffer);
  const out = Buffer.from(t.output);
  const sizes: number[] = [];
  const flags: number[] = [];
  let p = 0;
  for (let i = 0; i < t.offsets.length; i += 1) {
    const raw = src.subarray(t.offsets[i], t.offsets[i] + t.lengths[i]);
    const bound = binding.compressBound(raw.length);
    const packed = cctx.compress(out.subarray(p, p + bound), raw, t.level);
    // Stored raw when compression saves under 1/32: restore then skips a useless decompress.
    // Raw blocks are not copied here: the caller takes them from the input, one copy fewer.
    if (packed < raw.length - (raw.length >> 5)) {
      sizes.push(packed);
      flags.push(FLAG_ZSTD);
      p += packed;
    } else {
      sizes.push(raw.length);
      flags.push(0);
    }
  }
  return { sizes, flags };
}

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

export default function run(task: Task): Uint8Array | CompressResult | UnpackResult {
  switch (task.kind) {
    case 'hash':
      return hashBlocks(task);
    case 'compress':
      return compressBlocks(task);
    case 'unpack':
      return unpackBlocks(task);
  }
}
