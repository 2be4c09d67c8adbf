/**
 * The read side's CPU work, run on the engine's worker threads so every core decompresses and
 * checks: restore, verify and gc hand over stored blocks in SharedArrayBuffers they own and
 * reuse (no copies between threads, no fresh memory per range). Backups scan on threads of
 * their own (scan-worker.ts).
 */
import { createHash } from 'node:crypto';
import binding from 'zstd-napi/binding.js';
import { copyBytes } from '../common/bytes.js';
import { FLAG_ZSTD, ID_BYTES } from './format.js';

export interface UnpackEntry {
  /** Which of the task's reads holds the block, and where in it. */
  read: number;
  offset: number;
  length: number;
  rawLength: number;
  flags: number;
  /** Where in `output` the checked plaintext goes (one place or more); none: checked only. */
  targets?: number[];
}

/** Stored bytes, in a buffer shared with the caller. */
export interface UnpackRead {
  data: SharedArrayBuffer;
  offset: number;
  length: number;
}

export interface UnpackTask {
  kind: 'unpack';
  reads: UnpackRead[];
  entries: UnpackEntry[];
  /** The entries' expected SHA-256 digests, back to back (bytes, not strings: no garbage per block). */
  ids: Uint8Array;
  /** Where the plaintext goes: a buffer shared with the caller, from `outputOffset`; null: checked, not kept. */
  output: SharedArrayBuffer | null;
  outputOffset?: number;
}

export interface UnpackResult {
  bad: Array<{ entry: number; reason: string }>;
}

export type Task = UnpackTask;

const dctx = new binding.DCtx();
let scratch = Buffer.alloc(0);

/** The checked plaintext of one entry, or why it is bad. */
function unpackOne(src: Buffer, e: UnpackEntry, id: Buffer, out: Buffer | null): Buffer | string {
  const stored = src.subarray(e.offset, e.offset + e.length);
  if (stored.length !== e.length) return 'is truncated in the store';
  const first = out && e.targets?.length ? out.subarray(e.targets[0], e.targets[0] + e.rawLength) : null;
  let raw: Buffer;
  if (e.flags & FLAG_ZSTD) {
    let target = first;
    if (!target) {
      if (scratch.length < e.rawLength) scratch = Buffer.alloc(e.rawLength);
      target = scratch.subarray(0, e.rawLength);
    }
    try {
      raw = target.subarray(0, dctx.decompress(target, stored));
    } catch (err) {
      return `cannot be decompressed (${(err as Error).message})`;
    }
  } else {
    raw = stored;
    if (first && stored.length === first.length) copyBytes(first, stored);
  }
  if (raw.length !== e.rawLength) return `has ${raw.length} bytes, expected ${e.rawLength}`;
  if (!createHash('sha256').update(raw).digest().equals(id)) return 'does not match its SHA-256 digest';
  return first ?? raw;
}

function unpackBlocks(t: UnpackTask): UnpackResult {
  const reads = t.reads.map((r) => Buffer.from(r.data, r.offset, r.length));
  const out: Buffer | null = t.output ? Buffer.from(t.output, t.outputOffset ?? 0) : null;
  const ids = Buffer.from(t.ids.buffer, t.ids.byteOffset, t.ids.byteLength);
  const bad: UnpackResult['bad'] = [];
  t.entries.forEach((e, i) => {
    const plain = unpackOne(reads[e.read], e, ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES), out);
    if (typeof plain === 'string') bad.push({ entry: i, reason: plain });
    else if (out) for (const at of e.targets?.slice(1) ?? []) copyBytes(out, plain, at);
  });
  return { bad };
}

export default function run(task: Task): UnpackResult {
  return unpackBlocks(task);
}
