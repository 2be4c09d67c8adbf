/**
 * Where every stored block of a project is: the in-memory map from block id to its place in a
 * pack, loaded from the project's index objects, and the writer that groups new blocks into
 * pack objects (one store write and one fsync per ~16 MiB instead of one per block).
 */
import type { BlockStore } from '../stores/block-store.js';
import type { IdHash } from './block-id.js';
import { copyId, decodeIndex, encodeIndex, entryKey, FLAG_BLAKE3, ID_BYTES, indexLength, keys, newPackId, type IndexEntry } from './format.js';
import { IdTable, type KnownIds } from './id-table.js';

export interface PackInfo {
  id: string;
  /** When its index was written (store time); gc spares young packs. */
  modified: Date;
  entries: IndexEntry[];
}

export interface BlockLocation {
  pack: PackInfo;
  entry: IndexEntry;
}

const idLists = new WeakMap<PackInfo, Buffer>();

/** New index objects whose times a kept index asks one by one; more than this, it lists them all again. */
const FRESH_TIMES_ONE_BY_ONE = 16;

/**
 * The pack's block ids, 32 bytes each, one after another: what the known-id table is made
 * from. Made once per pack and kept with it, so a table made anew for a project of 2,000 packs
 * copies 2,000 lists instead of 256,000 ids one by one.
 */
function packIds(pack: PackInfo): Buffer {
  let ids = idLists.get(pack);
  if (!ids) {
    ids = Buffer.allocUnsafeSlow(pack.entries.length * ID_BYTES);
    pack.entries.forEach((e, i) => copyId(e, ids!, i * ID_BYTES));
    idLists.set(pack, ids);
  }
  return ids;
}

export class PackIndex {
  readonly packs = new Map<string, PackInfo>();
  readonly blocks = new Map<string, BlockLocation>();
  /** Refreshes run one after another: jobs of one project share this index (index-cache.ts). */
  private refreshing: Promise<void> = Promise.resolve();
  /** The known-id table last handed out, and the packs it holds. */
  private known?: { packs: Set<PackInfo>; ids: KnownIds };
  /** Entries named by SHA-256 (no FLAG_BLAKE3): while there are any, the project's new blocks are too. */
  private sha256Entries = 0;

  constructor(
    private readonly store: BlockStore,
    private readonly project: string,
  ) {}

  /**
   * Brings the map up to date with the store: loads index objects it has not seen, forgets
   * removed ones. An index object is written once, under its pack's new id, and only ever
   * removed, so only the listing and the new objects are read: a kept index costs a job what
   * changed since the last one, not the whole project.
   */
  refresh(): Promise<void> {
    const run = this.refreshing.then(() => this.load());
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  /**
   * The ids the index's packs hold, as a backup's id table reads them: the last table extended
   * with the packs added since, made anew only when a pack went (a gc here or on another node).
   */
  knownIds(): KnownIds {
    const packs = [...this.packs.values()];
    const last = this.known;
    let ids: KnownIds;
    if (last && [...last.packs].every((p) => this.packs.get(p.id) === p)) {
      const added = packs.filter((p) => !last.packs.has(p));
      ids = added.length === 0 ? last.ids : IdTable.known(added.map(packIds), last.ids);
    } else ids = IdTable.known(packs.map(packIds));
    this.known = { packs: new Set(packs), ids };
    return ids;
  }

  /** How the project's new blocks are named: as its stored ones, `fresh` when it holds only BLAKE3 ones or none. */
  idHash(fresh: IdHash): IdHash {
    return this.sha256Entries > 0 ? 'sha256' : fresh;
  }

  /** Blocks the index knows: for the cache's bound on memory. */
  get size(): number {
    return this.blocks.size;
  }

  private async load(): Promise<void> {
    const prefix = keys.indexesOf(this.project);
    const listed = new Map<string, Date | undefined>();
    // A kept index lists keys only where that is cheaper (the fs store stats every file for the
    // times), and then asks the times of just the objects it has not seen.
    const listKeys = this.packs.size > 0 ? this.store.listKeys : undefined;
    const keysOnly = listKeys !== undefined;
    if (keysOnly) for await (const key of listKeys.call(this.store, prefix)) listed.set(key.slice(prefix.length), undefined);
    else for await (const o of this.store.list(prefix)) listed.set(o.key.slice(prefix.length), o.modified);
    for (const id of [...this.packs.keys()]) if (!listed.has(id)) this.forget(id);
    const fresh = [...listed.keys()].filter((id) => !this.packs.has(id));
    if (keysOnly && fresh.length > FRESH_TIMES_ONE_BY_ONE) for await (const o of this.store.list(prefix)) listed.set(o.key.slice(prefix.length), o.modified);
    let next = 0;
    const lanes = Array.from({ length: Math.min(8, fresh.length) }, async () => {
      while (next < fresh.length) {
        const id = fresh[next++];
        const key = keys.index(this.project, id);
        let data: Buffer;
        let modified: Date | undefined;
        try {
          data = await this.store.get(key);
          modified = listed.get(id) ?? (await this.timeOf(key));
        } catch {
          continue; // removed since the listing
        }
        if (modified) this.add({ id, modified, entries: decodeIndex(data, `pack index ${key}`) });
      }
    });
    await Promise.all(lanes);
  }

  private async timeOf(key: string): Promise<Date | undefined> {
    for await (const o of this.store.list(key)) if (o.key === key) return o.modified;
    return undefined;
  }

  add(pack: PackInfo): void {
    // Added again (a backup's own packs, then a listing): counted once.
    if (this.packs.has(pack.id)) this.forget(pack.id);
    this.packs.set(pack.id, pack);
    for (const entry of pack.entries) {
      if (!(entry.flags & FLAG_BLAKE3)) this.sha256Entries += 1;
      const k = entryKey(entry);
      if (!this.blocks.has(k)) this.blocks.set(k, { pack, entry });
    }
  }

  forget(packId: string): void {
    const pack = this.packs.get(packId);
    if (!pack) return;
    this.packs.delete(packId);
    const orphaned = new Set<string>();
    for (const entry of pack.entries) {
      if (!(entry.flags & FLAG_BLAKE3)) this.sha256Entries -= 1;
      const k = entryKey(entry);
      if (this.blocks.get(k)?.pack === pack) {
        this.blocks.delete(k);
        orphaned.add(k);
      }
    }
    if (orphaned.size === 0) return;
    // Another pack may hold the same block (a retried or concurrent write): point there.
    for (const other of this.packs.values()) {
      for (const entry of other.entries) {
        const k = entryKey(entry);
        if (orphaned.delete(k)) this.blocks.set(k, { pack: other, entry });
      }
      if (orphaned.size === 0) return;
    }
  }

  packKey(packId: string): string {
    return keys.pack(this.project, packId);
  }
}

/** A pack buffer's bytes: a full pack, one more block (compressed, it can grow a little) and the index copy. */
export const packBufferBytes = (packTarget: number, blockSize: number): number => packTarget + 2 * blockSize + indexLength(packTarget / 1024) + 4;

/**
 * Collects stored blocks and writes them as packs: pack object first, its index after, so an
 * index never names a pack that is not durable. Blocks are copied straight into one of a few
 * reused pack buffers; at most `maxPending` packs are being written while the next one fills.
 */
export class PackWriter {
  private entries: IndexEntry[] = [];
  private size = 0;
  private buffer: Buffer | undefined;
  private readonly spare: Buffer[] = [];
  /** Every write not yet done, its index included. */
  private pending = new Set<Promise<void>>();
  /** Writes whose pack is not yet written: at most `maxPending`. */
  private packing = new Set<Promise<void>>();
  private failure: Error | undefined;
  private abandoned = false;
  bytesWritten = 0;
  readonly written: PackInfo[] = [];

  constructor(
    private readonly store: BlockStore,
    private readonly project: string,
    private readonly target: number,
    private readonly maxPending = 2,
    /** The backup writing the packs, named in their ids so that what it leaves can be found if it never finishes. */
    private readonly owner?: string,
  ) {}

  /** Adds one stored block (copied: the caller may reuse `stored`); waits when packs queue up. */
  async add(id: Buffer, stored: Buffer, rawLength: number, flags: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.buffer && this.size + stored.length > this.buffer.length) await this.seal();
    if (!this.buffer) {
      // Room for a full pack, one more block and the index copy at its end; one size, so reusable.
      const capacity = Math.min(this.target, 1 << 30) + Math.max(stored.length, 64 * 1024) + 256 * 1024;
      const reuse = this.spare.pop();
      this.buffer = reuse && reuse.length >= capacity ? reuse : (this.store.allocate?.(capacity) ?? Buffer.allocUnsafeSlow(capacity));
    }
    stored.copy(this.buffer, this.size);
    this.entries.push({ id, offset: this.size, length: stored.length, rawLength, flags });
    this.size += stored.length;
    if (this.size >= this.target) await this.seal();
  }

  private async seal(): Promise<void> {
    if (this.entries.length === 0 || !this.buffer) return;
    const { entries, buffer, size } = this;
    this.entries = [];
    this.buffer = undefined;
    this.size = 0;
    await this.write(buffer, size, entries, () => {
      if (this.spare.length < this.maxPending + 1) this.spare.push(buffer);
    });
  }

  /**
   * Writes a pack of the `size` stored bytes at the start of `buffer`, which `entries` describe;
   * waits while `maxPending` packs are being written. `release` is called once the buffer is
   * no longer needed (the pack is written, or failed), before its index is written.
   */
  async write(buffer: Buffer, size: number, entries: IndexEntry[], release: () => void): Promise<void> {
    const index = encodeIndex(entries);
    // The pack carries a copy of its index, so packs alone can rebuild the indexes.
    let body: Buffer;
    if (size + index.length + 4 <= buffer.length) {
      index.copy(buffer, size);
      buffer.writeUInt32BE(index.length, size + index.length);
      body = buffer.subarray(0, size + index.length + 4);
    } else {
      const trailer = Buffer.alloc(4);
      trailer.writeUInt32BE(index.length);
      body = Buffer.concat([buffer.subarray(0, size), index, trailer]);
    }
    try {
      while (this.packing.size >= this.maxPending) await Promise.race(this.packing);
      if (this.failure) throw this.failure;
      if (this.abandoned) throw new Error('the pack writer was abandoned');
    } catch (err) {
      release();
      throw err;
    }
    const packId = newPackId(this.owner);
    // The index has bytes of its own: the buffer takes the next pack while the index is written.
    // Writing both before handing the buffer back, a scan thread waited for its buffer a good
    // part of a full backup.
    const packed = this.store.put(keys.pack(this.project, packId), body).finally(release);
    const job = packed
      .then(async () => {
        await this.store.put(keys.index(this.project, packId), index);
        this.bytesWritten += body.length + index.length;
        // Entries read back from the index bytes are far smaller than one Buffer per block id.
        this.written.push({ id: packId, modified: new Date(), entries: decodeIndex(index, `pack index ${packId}`) });
      })
      .catch((err: unknown) => {
        this.failure ??= err as Error;
      });
    const slot = packed.catch(() => undefined);
    this.packing.add(slot);
    void slot.finally(() => this.packing.delete(slot));
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  /** The first write failure, if any. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Writes what is left and waits for every pack; throws the first write failure. */
  async finish(): Promise<PackInfo[]> {
    if (!this.failure) await this.seal();
    await Promise.all(this.pending);
    if (this.failure) throw this.failure;
    return this.written;
  }

  /**
   * Waits for in-flight writes without writing the rest (after a failure or abort); a write
   * still waiting for its turn writes nothing, so once this resolves no pack appears any more.
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    await Promise.all(this.pending);
  }
}
