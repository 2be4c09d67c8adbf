/**
 * The read side's CPU work, run on the engine's worker threads so every core decompresses and
 * checks: restore, verify and gc hand over stored blocks in SharedArrayBuffers they own and
 * reuse (no copies between threads, no fresh memory per range). Backups scan on threads of
 * their own (scan-worker.ts).
 */
import { createHash } from 'node:crypto';
import binding from 'zstd-napi/binding.js';
import { copyBytes } from '../common/bytes.js';
import { FLAG_ZSTD } from './format.js';

export interface UnpackEntry {
  /** Within `data`. */
  offset: number;
  length: number;
  rawLength: number;
  flags: number;
  /** Expected SHA-256, hex. */
  id: string;
}

export interface UnpackTask {
  kind: 'unpack';
  /** Stored bytes, in a buffer shared with the caller. */
  data: SharedArrayBuffer;
  /** Byte range of `data` holding the entries. */
  dataOffset: number;
  dataLength: number;
  entries: UnpackEntry[];
  /** The plaintext of every entry, back to back from `outputOffset`; null: checked, not kept. */
  output: SharedArrayBuffer | null;
  outputOffset?: number;
}

export interface UnpackResult {
  bad: Array<{ entry: number; reason: string }>;
}

export type Task = UnpackTask;

const dctx = new binding.DCtx();
let scratch = Buffer.alloc(0);

function unpackBlocks(t: UnpackTask): UnpackResult {
  const src = Buffer.from(t.data, t.dataOffset, t.dataLength);
  const bad: UnpackResult['bad'] = [];
  const out: Buffer | null = t.output ? Buffer.from(t.output, t.outputOffset ?? 0) : null;
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
      if (target) copyBytes(target, stored);
    }
    if (raw.length !== e.rawLength) bad.push({ entry: i, reason: `has ${raw.length} bytes, expected ${e.rawLength}` });
    else if (createHash('sha256').update(raw).digest('hex') !== e.id) bad.push({ entry: i, reason: 'does not match its SHA-256 digest' });
  });
  return { bad };
}

export default function run(task: Task): UnpackResult {
  return unpackBlocks(task);
}
