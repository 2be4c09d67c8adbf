/**
 * Shared-memory buffers kept from one restore or verify for the next. A SharedArrayBuffer's
 * memory is freed only once every thread that was handed it has collected its handle, and the
 * worker threads, idle between jobs, collect rarely: with fresh buffers per restore, three
 * restores in a row grew the server's resident memory from 117 to 160 to 205 MB. Reused, the
 * buffers of one restore are all that stays.
 */
import { Slots } from './slots.js';

export class BufferShelf {
  private readonly free = new Map<number, Buffer[]>();

  /** `keep`: buffers of one size kept at most (what one job uses); more are left to the collector. */
  constructor(readonly keep: number) {}

  /** A kept buffer of `size` bytes, or `make()`'s. */
  take(size: number, make: () => Buffer): Buffer {
    return this.free.get(size)?.pop() ?? make();
  }

  /** Keeps `buffer` for a later `take` of its size; only once nothing will use it any more. */
  put(buffer: Buffer): void {
    let list = this.free.get(buffer.length);
    if (!list) this.free.set(buffer.length, (list = []));
    if (list.length < this.keep) list.push(buffer);
  }
}

/** A job's buffers of one size: at most the shelf's `keep`, taken from the shelf first, made after. */
export class ShelvedBuffers extends Slots<Buffer> {
  constructor(
    private readonly shelf: BufferShelf,
    size: number,
    make: () => Buffer,
  ) {
    super(shelf.keep, () => shelf.take(size, make));
  }

  /** Puts the buffers back on the shelf for the next job; only once every one was given back. */
  shelve(): void {
    for (const b of this.idle()) this.shelf.put(b);
  }
}

const shelves = new WeakMap<object, BufferShelf>();

/** The shelf of buffers made by `owner` (a store's aligned memory is its own), created on first use. */
export function shelfOf(owner: object, keep: number): BufferShelf {
  let shelf = shelves.get(owner);
  if (!shelf) shelves.set(owner, (shelf = new BufferShelf(keep)));
  return shelf;
}
