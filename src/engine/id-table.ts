/**
 * The set of block ids a backup has seen, in shared memory, so the scan threads deduplicate
 * without asking the main thread about every block. An open-addressing table of 32-bit slots:
 * 0 is empty, otherwise 1 + a reference to the id's bytes, either one the project's store
 * already holds (`known`, filled before the scan) or the id of a block of this backup (the
 * manifest's id list, written by the thread that hashed it). A thread claims an id with one
 * compare-and-swap: exactly one block of the volume stores each new id, whatever the timing.
 */
import { ID_BYTES } from './format.js';

const WORDS = ID_BYTES / 4;

/** What the threads share; each builds its own `IdTable` over it. */
export interface IdTableMemory {
  slots: SharedArrayBuffer;
  known: SharedArrayBuffer;
  knownCount: number;
  /** The manifest's ids, block after block (all zero for an all-zero block). */
  ids: SharedArrayBuffer;
}

export class IdTable {
  private readonly slots: Int32Array;
  private readonly known: Int32Array;
  private readonly ids: Int32Array;
  private readonly mask: number;
  private readonly knownCount: number;

  constructor(memory: IdTableMemory) {
    this.slots = new Int32Array(memory.slots);
    this.known = new Int32Array(memory.known);
    this.ids = new Int32Array(memory.ids);
    this.mask = this.slots.length - 1;
    this.knownCount = memory.knownCount;
  }

  /**
   * Memory for the ids the store holds (`known`: lists of ids, 32 bytes each, one after
   * another, as `packIds` keeps them per pack) and a volume of `blockCount` blocks, the known
   * ones entered. An id in two lists is entered once.
   */
  static create(known: readonly Buffer[], blockCount: number): IdTableMemory {
    const knownCount = known.reduce((n, ids) => n + ids.length / ID_BYTES, 0);
    // At most half full: probes stay short, and a probe always ends at an empty slot.
    let capacity = 1024;
    while (capacity < 2 * (knownCount + blockCount)) capacity *= 2;
    const memory: IdTableMemory = {
      slots: new SharedArrayBuffer(capacity * 4),
      known: new SharedArrayBuffer(knownCount * ID_BYTES),
      knownCount,
      ids: new SharedArrayBuffer(blockCount * ID_BYTES),
    };
    const bytes = Buffer.from(memory.known);
    let at = 0;
    for (const ids of known) at += ids.copy(bytes, at);
    const table = new IdTable(memory);
    for (let ref = 0; ref < knownCount; ref += 1) table.insert(ref, table.known, ref * WORDS);
    return memory;
  }

  /**
   * Enters the id of block `block` (already in the manifest's ids); true when it was not there
   * yet, so this caller stores the block, false when the store or another block has it.
   */
  claim(block: number): boolean {
    return this.insert(this.knownCount + block, this.ids, block * WORDS);
  }

  private insert(ref: number, words: Int32Array, at: number): boolean {
    // SHA-256 ids are uniform: their first word is as good a hash as any.
    let slot = words[at] & this.mask;
    for (;;) {
      let held = Atomics.load(this.slots, slot);
      if (held === 0) {
        held = Atomics.compareExchange(this.slots, slot, 0, ref + 1);
        if (held === 0) return true;
      }
      if (this.same(held - 1, words, at)) return false;
      slot = (slot + 1) & this.mask;
    }
  }

  private same(ref: number, words: Int32Array, at: number): boolean {
    const isKnown = ref < this.knownCount;
    const other = isKnown ? this.known : this.ids;
    const base = (isKnown ? ref : ref - this.knownCount) * WORDS;
    for (let w = 0; w < WORDS; w += 1) if (other[base + w] !== words[at + w]) return false;
    return true;
  }
}
