/**
 * The set of block ids a backup has seen, in shared memory, so the scan threads deduplicate
 * without asking the main thread about every block. Two open-addressing tables of 32-bit slots
 * (0 is empty, otherwise 1 + a reference to the id's bytes):
 * - the ids the project's store already holds (`KnownIds`): built once per pack index and only
 *   read by backups, so every backup that starts while it is current shares it, and packs added
 *   later extend a copy of it (a backup in a project of 256,000 stored blocks used to enter them
 *   all, some 50 ms, before its first block);
 * - this backup's own ids (the manifest's id list, written by the thread that hashed each
 *   block): a thread claims an id with one compare-and-swap, so exactly one block of the volume
 *   stores each new id, whatever the timing.
 */
import { ID_BYTES } from './format.js';

const WORDS = ID_BYTES / 4;

/** The ids of a project's packs, one after another, and the table over them. Never written once made. */
export interface KnownIds {
  slots: SharedArrayBuffer;
  ids: SharedArrayBuffer;
  count: number;
}

/** What the threads share; each builds its own `IdTable` over it. */
export interface IdTableMemory {
  known: KnownIds;
  slots: SharedArrayBuffer;
  /** The manifest's ids, block after block (all zero for an all-zero block). */
  ids: SharedArrayBuffer;
}

/** Slots for `count` ids: at most half full, so probes stay short and always end at an empty slot. */
function capacityFor(count: number): number {
  let capacity = 1024;
  while (capacity < 2 * count) capacity *= 2;
  return capacity;
}

/** Enters id `ref` (its words at `at`) unless an equal one is there; true when it was not. */
function insert(slots: Int32Array, ref: number, ids: Int32Array, words: Int32Array, at: number): boolean {
  const mask = slots.length - 1;
  // Block ids are digests, uniform: their first word is as good a hash as any.
  let slot = words[at] & mask;
  for (;;) {
    let held = Atomics.load(slots, slot);
    if (held === 0) {
      held = Atomics.compareExchange(slots, slot, 0, ref + 1);
      if (held === 0) return true;
    }
    if (same(ids, (held - 1) * WORDS, words, at)) return false;
    slot = (slot + 1) & mask;
  }
}

function has(slots: Int32Array, ids: Int32Array, words: Int32Array, at: number): boolean {
  const mask = slots.length - 1;
  for (let slot = words[at] & mask; ; slot = (slot + 1) & mask) {
    const held = slots[slot];
    if (held === 0) return false;
    if (same(ids, (held - 1) * WORDS, words, at)) return true;
  }
}

function same(a: Int32Array, aAt: number, b: Int32Array, bAt: number): boolean {
  for (let w = 0; w < WORDS; w += 1) if (a[aAt + w] !== b[bAt + w]) return false;
  return true;
}

export class IdTable {
  private readonly knownSlots: Int32Array;
  private readonly knownIds: Int32Array;
  private readonly slots: Int32Array;
  private readonly ids: Int32Array;

  constructor(memory: IdTableMemory) {
    this.knownSlots = new Int32Array(memory.known.slots);
    this.knownIds = new Int32Array(memory.known.ids);
    this.slots = new Int32Array(memory.slots);
    this.ids = new Int32Array(memory.ids);
  }

  /**
   * The known ids of `lists` (ids of 32 bytes one after another, as `packIds` keeps them per
   * pack) after those of `base`: base's table is copied, not rebuilt, while it has room. An id
   * in two lists is entered once.
   */
  static known(lists: readonly Buffer[], base?: KnownIds): KnownIds {
    const baseCount = base?.count ?? 0;
    const listed = lists.reduce((n, ids) => n + ids.length / ID_BYTES, 0);
    const capacity = capacityFor(baseCount + listed);
    const known: KnownIds = { slots: new SharedArrayBuffer(capacity * 4), ids: new SharedArrayBuffer((baseCount + listed) * ID_BYTES), count: baseCount + listed };
    const bytes = Buffer.from(known.ids);
    const slots = new Int32Array(known.slots);
    const ids = new Int32Array(known.ids);
    let from = 0;
    if (base) {
      Buffer.from(base.ids).copy(bytes);
      if (base.slots.byteLength === known.slots.byteLength) {
        slots.set(new Int32Array(base.slots));
        from = baseCount;
      }
    }
    let at = baseCount * ID_BYTES;
    for (const list of lists) at += list.copy(bytes, at);
    // Ids entered twice keep their first reference; the copy at the later one is never probed.
    for (let ref = from; ref < baseCount + listed; ref += 1) insert(slots, ref, ids, ids, ref * WORDS);
    return known;
  }

  /** Memory for a backup of `blockCount` blocks over the store's `known` ids. */
  static create(known: KnownIds, blockCount: number): IdTableMemory {
    return { known, slots: new SharedArrayBuffer(capacityFor(blockCount) * 4), ids: new SharedArrayBuffer(blockCount * ID_BYTES) };
  }

  /**
   * Enters the id of block `block` (already in the manifest's ids); true when it was not there
   * yet, so this caller stores the block, false when the store or another block has it.
   */
  claim(block: number): boolean {
    const at = block * WORDS;
    if (has(this.knownSlots, this.knownIds, this.ids, at)) return false;
    return insert(this.slots, block, this.ids, this.ids, at);
  }
}
