/**
 * Restore and verify: read every block a backup references in coalesced ranges of its packs
 * (units of work: restore-plan.ts), decompress and check its SHA-256 on the worker threads,
 * and only then write it (volume-writer.ts). A block that fails its check is never written;
 * the error names the backup and the block.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyBytes } from '../common/bytes.js';
import { syncDir } from '../common/files.js';
import { NotFoundError } from '../stores/block-store.js';
import { CorruptBackupError } from './errors.js';
import { shelfOf, ShelvedBuffers } from './buffer-shelf.js';
import { startWorkers, unpackInWorker } from './pool.js';
import { closeScanThreads } from './scanner.js';
import { progressReporter, type ProgressListener } from './progress.js';
import type { Repository } from './repository.js';
import { planRestore, planVerify, readCapacity, READS_PER_UNIT, type Read, type Unit, type Wanted } from './restore-plan.js';
import { Slots } from './slots.js';
import { UnpackEntries } from './unpack-protocol.js';
import { VolumeWriter } from './volume-writer.js';

export interface RestoreOptions {
  backupId: string;
  /**
   * The image to restore into: a new file, or an existing one that the restored image
   * replaces whole once complete (see `restoreWith`). Either way it is sparse, holes for the
   * backup's zero blocks.
   */
  target: string;
  /** The image's size in bytes when larger than the backup's volume (a larger volume): zeros past the backup's end. */
  size?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /**
   * fsync the volume before returning (default true): a restore reported done survives a power
   * loss. The benchmark turns it off to compare with tools that do not sync (restic, borg).
   */
  durable?: boolean;
}

export interface RestoreResult {
  backupId: string;
  bytes: number;
  /** Bytes read from the store. */
  bytesFetched: number;
  overwrote: boolean;
}

export interface VerifyOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface VerifyResult {
  backupId: string;
  blocks: number;
  distinctBlocks: number;
  bytesChecked: number;
}

function describe(w: Wanted, unit: Unit, reason: string): string {
  return `block ${w.entry.id.toString('hex')} at volume offset ${w.at} (pack ${unit.reads[w.read].pack.id}) ${reason}`;
}

/** Units read at once: enough to keep the disk's queue from running dry while the workers check. */
const READERS = 3;
/** Buffers of stored bytes, one per read: the readers' and those of units waiting for a worker or in one. */
const INPUTS = 2 * READS_PER_UNIT;
/** Buffers of checked plaintext: units being checked and units queued for the writer. */
const OUTPUTS = 3;
/**
 * Units checked at once: one per core. The writer thread mostly waits for the disk (long runs
 * go out with direct I/O), so checking on every core keeps it fed. Through the API, restoring the
 * benchmark's 2 GiB backup took 2.97-3.39 s checking on two cores against 3.54-3.89 s on one,
 * a core left to the writer (six restores each, alternated runs, quiet machine).
 */
const CHECK_TURNS = os.availableParallelism();

/** The read's stored bytes, in `input` (whose memory the workers share). */
async function readRange(repo: Repository, read: Read, input: Buffer): Promise<Buffer> {
  const key = repo.index.packKey(read.pack.id);
  const length = read.end - read.start;
  const data = repo.store.getRange
    ? await repo.store.getRange(key, read.start, length, input)
    : (await repo.store.get(key)).subarray(read.start, read.end);
  const got = data.subarray(0, Math.min(data.length, length));
  if (got.buffer === input.buffer) return got;
  // A store without `into` support answered with bytes of its own.
  copyBytes(input, got);
  return input.subarray(0, got.length);
}

/**
 * Fetches and checks every unit: readers fetch ahead while the worker threads check, and with
 * `writer` (and `window`, a unit's output size) every checked unit is queued for writing, so
 * reading, checking and writing overlap.
 */
async function readUnits(
  repo: Repository,
  units: Iterable<Unit>,
  inputCapacity: number,
  out: { writer: VolumeWriter; window: number } | undefined,
  onUnit: (unit: Unit) => void,
  signal: AbortSignal | undefined,
): Promise<{ problems: string[]; fetched: number }> {
  const problems: string[] = [];
  let fetched = 0;
  const pending = units[Symbol.iterator]();
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
  };
  // A restore stops writing at the first damage; a verify reads on to report every bad block.
  const stopped = (): boolean => failure !== undefined || (out !== undefined && problems.length > 0);
  const inputs = new ShelvedBuffers(shelfOf(repo.store, INPUTS), inputCapacity, () => {
    const allocated = repo.store.allocate?.(inputCapacity, { shared: true });
    return allocated?.buffer instanceof SharedArrayBuffer ? allocated : Buffer.from(new SharedArrayBuffer(inputCapacity));
  });
  // One reader at a time gathers a unit's buffers, so no two wait on each other's.
  let gathering: Promise<unknown> = Promise.resolve();
  const takeInputs = (n: number): Promise<Buffer[]> => {
    const taken = gathering.then(() => Promise.all(Array.from({ length: n }, () => inputs.take())));
    gathering = taken;
    return taken;
  };
  const outputs = out && new ShelvedBuffers(shelfOf(out.writer.memoryKind(), OUTPUTS), out.window, () => out.writer.allocate(out.window));
  const turns = new Slots(CHECK_TURNS, () => true);
  const checks = new Set<Promise<void>>();

  const check = async (unit: Unit, taken: Buffer[], data: Buffer[]): Promise<void> => {
    const output = await outputs?.take();
    const turn = await turns.take();
    try {
      const entries = new UnpackEntries(unit.blocks.length, unit.blocks.reduce((n, w) => n + w.targets.length, 0));
      for (const w of unit.blocks) entries.add(w.entry, w.read, w.entry.offset - unit.reads[w.read].start, w.targets);
      const result = await unpackInWorker(
        {
          reads: data.map((d) => ({ data: d.buffer as SharedArrayBuffer, offset: d.byteOffset, length: d.length })),
          output: output ? (output.buffer as SharedArrayBuffer) : null,
          outputOffset: output?.byteOffset,
        },
        entries,
      ).finally(() => {
        turns.give(turn);
        for (const b of taken) inputs.give(b);
      });
      for (const b of result.bad) problems.push(describe(unit.blocks[b.entry], unit, b.reason));
      if (out && output) {
        if (stopped()) return;
        signal?.throwIfAborted();
        await out.writer.write(output, unit.at, unit.runs);
      }
      onUnit(unit);
    } finally {
      if (output) outputs?.give(output);
    }
  };

  const reader = async (): Promise<void> => {
    for (let next = pending.next(); !next.done && !stopped(); next = pending.next()) {
      signal?.throwIfAborted();
      const unit = next.value;
      const taken = await takeInputs(unit.reads.length);
      // Settled, not raced: no buffer goes back while a read may still fill it.
      const settled = await Promise.allSettled(unit.reads.map((r, k) => readRange(repo, r, taken[k])));
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) {
        for (const b of taken) inputs.give(b);
        if (!(failed.reason instanceof NotFoundError)) throw failed.reason;
        for (const w of unit.blocks) problems.push(describe(w, unit, 'is missing: its pack is gone'));
        continue;
      }
      const data = settled.map((s) => (s as PromiseFulfilledResult<Buffer>).value);
      fetched += data.reduce((s, d) => s + d.length, 0);
      const running: Promise<void> = check(unit, taken, data)
        .catch(fail)
        .finally(() => checks.delete(running));
      checks.add(running);
    }
  };

  await Promise.all(Array.from({ length: READERS }, () => reader().catch(fail)));
  // Every check ends before this returns: none may write after the caller closes the volume.
  await Promise.all([...checks]);
  inputs.shelve();
  outputs?.shelve();
  if (failure !== undefined) throw failure;
  return { problems, fetched };
}

export async function runRestore(repo: Repository, opts: RestoreOptions): Promise<RestoreResult> {
  startWorkers();
  void closeScanThreads();
  // Its thread starts now, so that overlaps reading the manifest and the index.
  const writer = new VolumeWriter();
  try {
    return await restoreWith(repo, opts, writer);
  } finally {
    await writer.close();
  }
}

const PARTIAL = '.partial-';

/**
 * Where a restore into `target` builds the image before renaming it into place. The name
 * starts with a dot and names the target, so `removeRestoreLeftovers` finds what a killed
 * restore of that target left.
 */
function partialName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}${PARTIAL}${randomBytes(4).toString('hex')}`);
}

/**
 * Removes what restores into `target` killed mid-way left beside it (their images under a
 * temporary name); how many. For recovery: only while no restore into `target` runs.
 */
export async function removeRestoreLeftovers(target: string): Promise<number> {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}${PARTIAL}`;
  const names = await fs.readdir(dir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  const left = names.filter((n) => n.startsWith(prefix));
  await Promise.all(left.map((n) => fs.rm(path.join(dir, n), { force: true })));
  return left.length;
}

/**
 * Every restore, into a new volume or over an existing one, builds a fresh sparse file beside
 * the target, writes only the backup's data blocks into it (its zero blocks are already
 * holes), and renames it over the target once it is complete and flushed. Chosen over
 * restoring in place (walking the target's data with SEEK_DATA and punching holes where the
 * backup has zeros) because:
 * - the time follows the backup's data: nothing of the old image is read, compared or
 *   punched, so an empty backup restores over an existing 64 GiB volume as fast as into a new one;
 * - it is crash safe by construction: until the rename the target is untouched, after it the
 *   target is the whole backup, so a killed or failed restore (a damaged block found half-way,
 *   a full disk) never leaves a half-written volume, only a temporary file that the restore
 *   itself or recovery (`removeRestoreLeftovers`) removes;
 * - in place, holes could only be punched by running util-linux's `fallocate` (Node has no
 *   fallocate), or zeros written over stale data, which allocates instead of freeing.
 * The price: while it runs, the old image's data and the backup's data are both on disk. The
 * image is exactly the backup's volume, grown to `size`: what the target held past the
 * backup's end is not kept (stale data of another disk is not left in a restored volume).
 */
async function restoreWith(repo: Repository, opts: RestoreOptions, writer: VolumeWriter): Promise<RestoreResult> {
  const [m] = await Promise.all([repo.readManifest(opts.backupId), repo.index.refresh()]);
  const { units, missing, zeroRuns, window } = planRestore(repo, m);
  if (missing.length) throw new CorruptBackupError(opts.backupId, missing, '; nothing was written');
  const size = m.header.volumeSize;
  const existing = await fs.stat(opts.target).catch(() => undefined);
  if (existing && !existing.isFile()) throw new Error(`restore target ${opts.target} exists and is not a regular file`);
  const overwrite = existing !== undefined;
  const file = partialName(opts.target);
  const handle = await fs.open(file, 'wx');
  const report = progressReporter('restore', size, opts.onProgress);
  let done = 0;
  let fetched = 0;
  let ok = false;
  try {
    // One hole of the image's size: the zero blocks need no write.
    await handle.truncate(Math.max(size, opts.size ?? 0)).catch((err: unknown) => {
      throw Object.assign(new Error(`cannot write the restored volume ${opts.target}: ${(err as Error).message}`), { code: (err as NodeJS.ErrnoException).code });
    });
    await writer.open(handle, file, opts.target);
    done += zeroRuns.reduce((s, r) => s + r[1], 0);
    const read = await readUnits(
      repo,
      units,
      readCapacity(m.header.blockSize),
      { writer, window },
      (unit) => {
        done += unit.blocks.reduce((s, w) => s + w.entry.rawLength * w.targets.length, 0);
        report(done, done, 0);
      },
      opts.signal,
    );
    fetched = read.fetched;
    if (read.problems.length) {
      throw new CorruptBackupError(opts.backupId, read.problems, overwrite ? `; ${opts.target} was left as it was` : '; nothing was restored');
    }
    if (opts.durable !== false) await handle.sync();
    ok = true;
  } finally {
    await handle.close();
    if (!ok) await fs.rm(file, { force: true });
  }
  // Held open across the rename, the old image is freed when this handle closes rather than
  // inside the rename: for a 1.6 GB image that took 0.36-0.42 s, on the restore's own time.
  const previous = overwrite ? await fs.open(opts.target, 'r').catch(() => undefined) : undefined;
  try {
    try {
      await fs.rename(file, opts.target);
    } catch (err) {
      await fs.rm(file, { force: true });
      throw err;
    }
    if (opts.durable !== false) await syncDir(path.dirname(opts.target));
  } finally {
    // Not awaited: nothing waits for the old image's blocks to be freed.
    void previous?.close().catch(() => undefined);
  }
  report(size, size, 0, true);
  return { backupId: opts.backupId, bytes: size, bytesFetched: fetched, overwrote: overwrite };
}

export async function runVerify(repo: Repository, backupId: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  startWorkers();
  const [m] = await Promise.all([repo.readManifest(backupId), repo.index.refresh()]);
  const { units, missing, distinct } = planVerify(repo, m);
  const total = units.reduce((s, u) => s + u.blocks.reduce((t, w) => t + w.entry.rawLength, 0), 0);
  const report = progressReporter('verify', total, opts.onProgress);
  let done = 0;
  const { problems } = await readUnits(
    repo,
    units,
    readCapacity(m.header.blockSize),
    undefined,
    (unit) => {
      done += unit.blocks.reduce((s, w) => s + w.entry.rawLength, 0);
      report(done, done, 0);
    },
    opts.signal,
  );
  const all = [...missing, ...problems];
  if (all.length) throw new CorruptBackupError(backupId, all);
  report(total, total, 0, true);
  return { backupId, blocks: m.header.blockCount, distinctBlocks: distinct, bytesChecked: total };
}
