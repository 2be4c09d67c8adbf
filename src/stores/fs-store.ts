/**
 * The default BlockStore: objects as files under one directory (`<VBS_DATA_DIR>/store`).
 *
 * A key `a/b/c` lives at `<root>/da/db/fc`: every directory segment gets a `d` and the last
 * segment an `f`, so an object `a` and objects under `a/` never collide on disk, and the
 * crash-leftovers of writes (`.tmp-*`) can never be mistaken for objects. The engine's keys
 * already shard (e.g. `packs/3f/...`), which keeps directories small.
 *
 * Writes are crash-safe: temp file in the target directory, fsync, rename over the target,
 * fsync the directory. A crash leaves either the old object, the new one, or a stray temp file.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { slicesOf } from '../common/bytes.js';
import { freeBytesAt, readAll, syncDir, writeAll } from '../common/files.js';
import { NotFoundError, StoreUnavailableError, type BlockStore, type StoredObject } from './block-store.js';
import { LOCAL_CONTAINER } from './container-name.js';
import { alignedBuffer, closeDirectProbe, DIRECT_ALIGN, openDirectProbe } from './direct-io.js';

const TEMP_PREFIX = '.tmp-';
/** Objects from this size on (packs) are written with direct I/O where the file system has it. */
const DIRECT_MIN = 1024 * 1024;
/** Objects whose size and time a listing asks for at once. */
const STAT_BATCH = 32;

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function checkKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.endsWith('/') || key.includes('//')) {
    throw new Error(`invalid store key "${key}"`);
  }
  if (!/^[\x21-\x7e]+$/.test(key) || key.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error(`invalid store key "${key}"`);
  }
}

export class FsBlockStore implements BlockStore {
  readonly description: string;
  readonly containerName = LOCAL_CONTAINER;
  private readonly madeDirs = new Set<string>();
  /** null: not probed yet; undefined: no direct I/O here. */
  private probe: number | undefined | null = null;
  /** Buffers `allocate` handed out, with the aligned memory around them that direct reads fill. */
  private readonly aligned = new WeakMap<Uint8Array, Buffer>();

  constructor(readonly root: string) {
    this.root = path.resolve(root);
    this.description = `fs:${this.root}`;
  }

  private pathOf(key: string): string {
    checkKey(key);
    const segments = key.split('/');
    const last = segments.pop() as string;
    return path.join(this.root, ...segments.map((s) => `d${s}`), `f${last}`);
  }

  private unavailable(op: string, key: string, err: unknown): Error {
    const code = errnoOf(err);
    if (code === 'ENOSPC') return new StoreUnavailableError(`${this.description}: no space left on the device (ENOSPC) while writing ${key}`, { code });
    if (code === 'EDQUOT') return new StoreUnavailableError(`${this.description}: disk quota exceeded (EDQUOT) while writing ${key}`, { code });
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'EIO') {
      return new StoreUnavailableError(`${this.description}: cannot ${op} ${key}: ${(err as Error).message}`);
    }
    return err as Error;
  }

  /** Creates `dir` and missing parents, fsyncing each parent so the new entries survive a crash. */
  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    const missing: string[] = [];
    let cur = dir;
    while (cur.length >= this.root.length) {
      try {
        await fs.access(cur);
        break;
      } catch {
        missing.push(cur);
        cur = path.dirname(cur);
      }
    }
    for (const d of missing.reverse()) {
      try {
        await fs.mkdir(d);
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw err;
      }
      await syncDir(path.dirname(d));
    }
    this.madeDirs.add(dir);
  }

  private directProbe(): number | undefined {
    if (this.probe === null) this.probe = openDirectProbe(this.root);
    return this.probe;
  }

  allocate(size: number, options: { shared?: boolean } = {}): Buffer {
    const probe = size >= DIRECT_MIN ? this.directProbe() : undefined;
    if (probe === undefined) return options.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
    // Room for a range read widened to aligned ends on both sides.
    const whole = alignedBuffer(size + 2 * DIRECT_ALIGN, probe, options.shared);
    const buffer = whole.subarray(0, size);
    this.aligned.set(buffer, whole);
    return buffer;
  }

  /** Pieces at aligned offsets, each with the room after it that a widened direct read fills. */
  divide(buffer: Buffer, size: number): Buffer[] {
    const region = this.aligned.get(buffer);
    if (!region) return slicesOf(buffer, size);
    const room = size + 2 * DIRECT_ALIGN;
    const step = Math.ceil(room / DIRECT_ALIGN) * DIRECT_ALIGN;
    const pieces: Buffer[] = [];
    for (let at = 0; at + room <= region.length; at += step) {
      const piece = region.subarray(at, at + size);
      this.aligned.set(piece, region.subarray(at, at + room));
      pieces.push(piece);
    }
    return pieces;
  }

  /**
   * Writes the aligned head of `data` to `file` with direct I/O; how many bytes that was (0 when
   * the buffer is not aligned, or the file system refuses): the caller writes the rest.
   */
  private async writeHeadDirect(file: string, data: Buffer): Promise<number> {
    const head = data.length - (data.length % DIRECT_ALIGN);
    if (head === 0 || data.length < DIRECT_MIN || this.directProbe() === undefined) return 0;
    let direct: fs.FileHandle | undefined;
    try {
      direct = await fs.open(file, fsc.O_WRONLY | fsc.O_DIRECT);
      await writeAll(direct, data.subarray(0, head), 0);
      return head;
    } catch (err) {
      if (errnoOf(err) === 'EINVAL') return 0; // not aligned: the page cache takes it all
      throw err;
    } finally {
      await direct?.close();
    }
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    const temp = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await this.ensureDir(dir);
      const handle = await fs.open(temp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o640);
      try {
        const direct = await this.writeHeadDirect(temp, data);
        await writeAll(handle, data.subarray(direct), direct);
        // Also makes the direct writes durable: fsync flushes the disk's cache and the file's metadata.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, target);
      await syncDir(dir);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw this.unavailable('write', key, err);
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (err) {
      throw this.readError(key, err);
    }
  }

  /**
   * `length` bytes from `offset`; fewer only at the object's end. Long ranges into a buffer of
   * `allocate` are read with direct I/O: packs are written past the page cache, so a read
   * through it would only copy them once more and fill the cache with data read once.
   */
  async getRange(key: string, offset: number, length: number, into?: Uint8Array): Promise<Buffer> {
    const file = this.pathOf(key);
    const whole = into && length >= DIRECT_MIN ? this.aligned.get(into) : undefined;
    if (whole) {
      const direct = await this.readDirect(key, file, offset, length, whole);
      if (direct) return direct;
    }
    const handle = await this.open(key, file, fsc.O_RDONLY);
    try {
      const out = into ? Buffer.from(into.buffer, into.byteOffset, length) : Buffer.allocUnsafe(length);
      const got = await readAll(handle, out, offset);
      return got === length ? out : out.subarray(0, got);
    } finally {
      await handle.close();
    }
  }

  /** The range read directly into `whole`, widened to aligned ends; undefined where direct I/O refuses. */
  private async readDirect(key: string, file: string, offset: number, length: number, whole: Buffer): Promise<Buffer | undefined> {
    const start = offset - (offset % DIRECT_ALIGN);
    const span = Math.ceil((offset + length) / DIRECT_ALIGN) * DIRECT_ALIGN - start;
    if (span > whole.length) return undefined;
    const handle = await this.open(key, file, fsc.O_RDONLY | fsc.O_DIRECT);
    try {
      const got = await readAll(handle, whole.subarray(0, span), start, DIRECT_ALIGN);
      const skip = offset - start;
      return whole.subarray(skip, skip + Math.max(0, Math.min(length, got - skip)));
    } catch (err) {
      if (errnoOf(err) === 'EINVAL') return undefined; // not aligned after all
      throw this.unavailable('read', key, err);
    } finally {
      await handle.close();
    }
  }

  private async open(key: string, file: string, flags: number): Promise<fs.FileHandle> {
    try {
      return await fs.open(file, flags);
    } catch (err) {
      throw this.readError(key, err);
    }
  }

  /** An absent object is NotFoundError; anything else as `unavailable` says. */
  private readError(key: string, err: unknown): Error {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return new NotFoundError(key);
    return this.unavailable('read', key, err);
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await fs.stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    try {
      await fs.unlink(target);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.unavailable('delete', key, err);
    }
    await syncDir(path.dirname(target)).catch(() => undefined);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for await (const { dir, keyPrefix, names } of this.directories(prefix)) {
      // Sizes and times of a directory's objects are asked for a batch at a time, not one by one.
      for (let i = 0; i < names.length; i += STAT_BATCH) {
        const batch = names.slice(i, i + STAT_BATCH);
        const stats = await Promise.all(
          batch.map((name) =>
            fs.stat(path.join(dir, name)).catch((err: unknown) => {
              if (errnoOf(err) === 'ENOENT') return undefined; // deleted while listing
              throw err;
            }),
          ),
        );
        for (let j = 0; j < batch.length; j += 1) {
          const st = stats[j];
          if (st) yield { key: `${keyPrefix}${batch[j].slice(1)}`, size: st.size, modified: st.mtime };
        }
      }
    }
  }

  async *listKeys(prefix: string): AsyncIterable<string> {
    for await (const { keyPrefix, names } of this.directories(prefix)) for (const name of names) yield `${keyPrefix}${name.slice(1)}`;
  }

  /** The directories holding keys that start with `prefix`, each with the names of those objects' files. */
  private async *directories(prefix: string): AsyncGenerator<{ dir: string; keyPrefix: string; names: string[] }> {
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut < 0 ? '' : prefix.slice(0, cut);
    if (dirKey !== '' && (dirKey.startsWith('/') || dirKey.split('/').some((s) => s === '' || s === '.' || s === '..'))) return;
    const dir = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/').map((s) => `d${s}`));
    yield* this.walk(dir, dirKey === '' ? '' : `${dirKey}/`, prefix);
  }

  private async *walk(dir: string, keyPrefix: string, wanted: string): AsyncGenerator<{ dir: string; keyPrefix: string; names: string[] }> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    const names: string[] = [];
    for (const entry of entries) {
      const kind = entry.name[0];
      const name = entry.name.slice(1);
      if (kind === 'd' && entry.isDirectory()) {
        const sub = `${keyPrefix}${name}/`;
        // Descend only where keys can still start with the wanted prefix.
        if (sub.startsWith(wanted) || wanted.startsWith(sub)) yield* this.walk(path.join(dir, entry.name), sub, wanted);
      } else if (kind === 'f' && entry.isFile() && `${keyPrefix}${name}`.startsWith(wanted)) names.push(entry.name);
    }
    if (names.length) yield { dir, keyPrefix, names };
  }

  /** Removes temp files older than `olderThanMs` left by writes a crash interrupted. */
  async removeStaleTemp(olderThanMs: number): Promise<number> {
    let removed = 0;
    const now = Date.now();
    const visit = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await visit(p);
        else if (e.name.startsWith(TEMP_PREFIX)) {
          const st = await fs.stat(p).catch(() => undefined);
          if (st && now - st.mtimeMs > olderThanMs) {
            await fs.rm(p, { force: true });
            removed += 1;
          }
        }
      }
    };
    await visit(this.root);
    return removed;
  }

  async freeBytes(): Promise<number> {
    return freeBytesAt(this.root);
  }

  async close(): Promise<void> {
    this.madeDirs.clear();
    closeDirectProbe(this.probe ?? undefined);
    this.probe = null;
  }
}


