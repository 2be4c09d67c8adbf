/**
 * Shared-memory buffers kept from one job for the next. A SharedArrayBuffer's memory is freed
 * only once every thread that was handed it has collected its handle, and the worker threads,
 * idle between jobs, collect rarely: with fresh buffers per restore, three restores in a row
 * grew the server's resident memory from 117 to 160 to 205 MB. Reused, the buffers of one job
 * are all that stays.
 *
 * A store's memory is one shelf for backups and restores alike: a restore's read buffers are
 * pieces of the backups' pack buffers (two to a pack buffer), and a pack buffer whose pieces
 * all came back is whole again. Kept apart, a restore after backups held its own 32 MB beside
 * the 35 MB of pack buffers the backups left for the collector.
 */
import { slicesOf } from '../common/bytes.js';
import type { BlockStore } from '../stores/block-store.js';
import { Slots } from './slots.js';

/** Buffers of one size a shelf keeps at most: what one job uses. */
const KEEP = 8;

export class BufferShelf {
  private readonly free = new Map<number, Buffer[]>();
  /** Each piece handed out by `takePiece`: the buffer it was cut from, and all the pieces of that. */
  private readonly cuts = new WeakMap<Buffer, { whole: Buffer; pieces: Buffer[] }>();

  /** `keep`: buffers of one size kept at most; more are left to the collector. `divide` cuts a buffer into pieces. */
  constructor(
    private readonly keep = KEEP,
    private readonly divide: (buffer: Buffer, size: number) => Buffer[] = slicesOf,
  ) {}

  /** A kept buffer of `size` bytes, or `make()`'s. */
  take(size: number, make: () => Buffer): Buffer {
    return this.free.get(size)?.pop() ?? make();
  }

  /**
   * A `size`-byte piece of a buffer of `wholeSize` bytes: a kept piece, or one of the pieces of a
   * kept whole buffer or of `make()`'s; undefined when not two pieces fit in one.
   */
  takePiece(size: number, wholeSize: number, make: () => Buffer): Buffer | undefined {
    const kept = this.free.get(size)?.pop();
    if (kept) return kept;
    const whole = this.take(wholeSize, make);
    const pieces = this.divide(whole, size);
    if (pieces.length < 2) {
      this.put(whole);
      return undefined;
    }
    for (const piece of pieces) this.cuts.set(piece, { whole, pieces });
    for (const piece of pieces.slice(1)) this.put(piece);
    return pieces[0];
  }

  /** Keeps `buffer` for a later take of its size (the last piece of a whole back makes the whole); only once nothing will use it any more. */
  put(buffer: Buffer): void {
    let list = this.free.get(buffer.length);
    if (!list) this.free.set(buffer.length, (list = []));
    const cut = this.cuts.get(buffer);
    if (cut && cut.pieces.every((p) => p === buffer || list.includes(p))) {
      this.free.set(buffer.length, list.filter((p) => !cut.pieces.includes(p)));
      for (const p of cut.pieces) this.cuts.delete(p);
      this.put(cut.whole);
      return;
    }
    if (list.length < this.keep) list.push(buffer);
  }
}

/** A job's buffers: at most `count` at once, each `take()`'s (from a shelf first). */
export class ShelvedBuffers extends Slots<Buffer> {
  constructor(
    private readonly shelf: BufferShelf,
    count: number,
    take: () => Buffer,
  ) {
    super(count, take);
  }

  /** Puts the buffers back on the shelf for the next job; only once every one was given back. */
  shelve(): void {
    for (const b of this.idle()) this.shelf.put(b);
  }
}

const shelves = new WeakMap<object, BufferShelf>();

/** The shelf of buffers made by `owner`, created on first use; `divide` cuts them into pieces. */
export function shelfOf(owner: object, divide?: (buffer: Buffer, size: number) => Buffer[]): BufferShelf {
  let shelf = shelves.get(owner);
  if (!shelf) shelves.set(owner, (shelf = new BufferShelf(KEEP, divide)));
  return shelf;
}

/** The shelf of a store's shared memory: the backups' pack buffers and the restores' read buffers (its aligned memory is its own). */
export const storeShelf = (store: BlockStore): BufferShelf => shelfOf(store, store.divide?.bind(store));

/** `size` bytes of shared memory from `store`, as it reads and writes fastest. */
export function storeMemory(store: BlockStore, size: number): Buffer {
  const allocated = store.allocate?.(size, { shared: true });
  return allocated?.buffer instanceof SharedArrayBuffer ? allocated : Buffer.from(new SharedArrayBuffer(size));
}
