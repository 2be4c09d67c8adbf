/**
 * The read side's CPU work, run on the engine's worker threads so every core decompresses and
 * checks: restore, verify and gc hand over stored blocks in SharedArrayBuffers they own and
 * reuse (no copies between threads, no fresh memory per range), and a restore over an existing
 * volume hands over the volume's blocks to compare with the backup's. Backups scan on threads
 * of their own (scan-worker.ts).
 */
import binding from 'zstd-napi/binding.js';
import { copyBytes } from '../common/bytes.js';
import { blockId } from './block-id.js';
import { FLAG_BLAKE3, FLAG_ZSTD, ID_BYTES } from './format.js';
import { ENTRY_FIELDS, type CompareResult, type CompareTask, type UnpackResult, type UnpackTask } from './unpack-protocol.js';

const dctx = new binding.DCtx();
let scratch = Buffer.alloc(0);

/** The checked plaintext of one entry (in `first` when given), or why it is bad. */
function unpackOne(stored: Buffer, length: number, rawLength: number, flags: number, id: Buffer, first: Buffer | null): Buffer | string {
  if (stored.length !== length) return 'is truncated in the store';
  let raw: Buffer;
  if (flags & FLAG_ZSTD) {
    let target = first;
    if (!target) {
      if (scratch.length < rawLength) scratch = Buffer.alloc(rawLength);
      target = scratch.subarray(0, rawLength);
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
  if (raw.length !== rawLength) return `has ${raw.length} bytes, expected ${rawLength}`;
  if (!blockId(raw, flags).equals(id)) return `does not match its ${flags & FLAG_BLAKE3 ? 'BLAKE3' : 'SHA-256'} digest`;
  return first ?? raw;
}

/** Piscina's entry point. */
export default function run(t: UnpackTask | CompareTask): UnpackResult | CompareResult {
  return t.kind === 'compare' ? compareBlocks(t) : unpackBlocks(t);
}

/** Which of the task's blocks already hold the bytes their ids name. */
function compareBlocks(t: CompareTask): CompareResult {
  const data = Buffer.from(t.data, t.offset);
  const ids = Buffer.from(t.ids.buffer, t.ids.byteOffset, t.ids.byteLength);
  const same: number[] = [];
  for (let i = 0; 3 * i < t.table.length; i += 1) {
    const [at, length, flags] = t.table.subarray(3 * i, 3 * i + 3);
    if (blockId(data.subarray(at, at + length), flags).equals(ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES))) same.push(i);
  }
  return { same };
}

/** Checks (and, with an output, places) every entry of the task. */
function unpackBlocks(t: UnpackTask): UnpackResult {
  const reads = t.reads.map((r) => Buffer.from(r.data, r.offset, r.length));
  const out: Buffer | null = t.output ? Buffer.from(t.output, t.outputOffset ?? 0) : null;
  const ids = Buffer.from(t.ids.buffer, t.ids.byteOffset, t.ids.byteLength);
  const table = t.table;
  const bad: UnpackResult['bad'] = [];
  for (let i = 0, p = 0; p < table.length; i += 1) {
    const read = table[p];
    const offset = table[p + 1];
    const length = table[p + 2];
    const rawLength = table[p + 3];
    const flags = table[p + 4];
    const count = table[p + 5];
    const targets = table.subarray(p + ENTRY_FIELDS, p + ENTRY_FIELDS + count);
    p += ENTRY_FIELDS + count;
    const first = out && count > 0 ? out.subarray(targets[0], targets[0] + rawLength) : null;
    const plain = unpackOne(reads[read].subarray(offset, offset + length), length, rawLength, flags, ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES), first);
    if (typeof plain === 'string') bad.push({ entry: i, reason: plain });
    else if (out) for (let k = 1; k < count; k += 1) copyBytes(out, plain, targets[k]);
  }
  return { bad };
}
