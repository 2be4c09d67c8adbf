/** What restore, verify and gc hand the engine's worker threads (worker.ts) and what comes back. */
import { copyId, ID_BYTES, type IndexEntry } from './format.js';

/** Stored bytes, in a buffer shared with the caller. */
export interface UnpackRead {
  data: SharedArrayBuffer;
  offset: number;
  length: number;
}

/**
 * Numbers an entry takes in `UnpackTask.table` before its targets: which of the task's reads
 * holds the block and where in it, its stored and raw length, its flags and how many targets
 * follow (its places in `output`: none, checked only).
 */
export const ENTRY_FIELDS = 6;

export interface UnpackTask {
  kind: 'unpack';
  reads: UnpackRead[];
  /** The entries, one after another (ENTRY_FIELDS numbers and the targets each): no object per block crosses threads. */
  table: Uint32Array;
  /** The entries' ids (the digests they must have), back to back. */
  ids: Uint8Array;
  /** Where the plaintext goes: a buffer shared with the caller, from `outputOffset`; null: checked, not kept. */
  output: SharedArrayBuffer | null;
  outputOffset?: number;
}

export interface UnpackResult {
  bad: Array<{ entry: number; reason: string }>;
}

/** Blocks of a volume to hash and compare with the ids a backup has for them (restore-compare.ts). */
export interface CompareTask {
  kind: 'compare';
  /** The volume's bytes, in a buffer shared with the caller, from `offset`. */
  data: SharedArrayBuffer;
  offset: number;
  /** (offset in the data, length, index flags) of each block, one triple after another: the flags say how its id was made. */
  table: Uint32Array;
  /** The blocks' ids in the backup, back to back. */
  ids: Uint8Array;
}

export interface CompareResult {
  /** The blocks (their places in the table) whose bytes have the backup's id. */
  same: number[];
}

/** The entries of one unpack task, written as the worker reads them (see `UnpackTask.table`). */
export class UnpackEntries {
  readonly table: Uint32Array;
  readonly ids: Buffer;
  private next = 0;
  private count = 0;

  /** `targets`: how many places in the output all entries have together. */
  constructor(entries: number, targets = 0) {
    this.table = new Uint32Array(entries * ENTRY_FIELDS + targets);
    // Its own memory: a message copies a view's whole underlying buffer.
    this.ids = Buffer.allocUnsafeSlow(entries * ID_BYTES);
  }

  /** The entry's block is at `offset` of the task's read `read`; its plaintext goes to `targets` of the output. */
  add(entry: IndexEntry, read: number, offset: number, targets: readonly number[] = []): void {
    copyId(entry, this.ids, this.count * ID_BYTES);
    this.count += 1;
    const t = this.table;
    let p = this.next;
    t[p++] = read;
    t[p++] = offset;
    t[p++] = entry.length;
    t[p++] = entry.rawLength;
    t[p++] = entry.flags;
    t[p++] = targets.length;
    for (const at of targets) t[p++] = at;
    this.next = p;
  }
}
