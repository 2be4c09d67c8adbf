/**
 * Restore and verify: read every block a backup references in coalesced ranges of its packs
 * (units of work: restore-plan.ts), decompress and check its digest on the worker threads,
 * and only then write it (volume-writer.ts). A block that fails its check is never written;
 * the error names the backup and the block.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyBytes } from '../common/bytes.js';
import { dataRanges } from '../common/data-ranges.js';
import { syncDir } from '../common/files.js';
import { punchHoles } from '../common/punch-holes.js';
import { NotFoundError } from '../stores/block-store.js';
import { CorruptBackupError } from './errors.js';
import { shelfOf, ShelvedBuffers, storeMemory, storeShelf } from './buffer-shelf.js';
import { startWorkers, unpackInWorker } from './pool.js';
import { closeScanThreads } from './scanner.js';
import { progressReporter, type ProgressListener } from './progress.js';
import type { Manifest } from './format.js';
import { packBufferBytes } from './packs.js';
import type { Repository } from './repository.js';
import { compareTarget } from './restore-compare.js';
import { planRestore, planVerify, readCapacity, READS_PER_UNIT, type Read, type Unit, type Wanted } from './restore-plan.js';
import { Slots } from './slots.js';
import { UnpackEntries } from './unpack-protocol.js';
import { VolumeWriter } from './volume-writer.js';

export interface RestoreOptions {
  backupId: string;
  /**
   * The image to restore into: a new file, made whole and renamed into place, or an existing
   * one, restored in place where it differs (see `restoreWith`). Either way it ends sparse,
   * holes for the backup's zero blocks.
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
  /** Over an existing volume: bytes of the backup's data blocks it already held, so neither fetched nor written. */
  bytesUnchanged: number;
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
 * The buffers stored bytes are read into: shared with the worker threads, aligned for the store's
 * direct reads, and pieces of the backups' pack buffers where two fit in one (buffer-shelf.ts).
 */
function inputBuffers(repo: Repository, capacity: number): ShelvedBuffers {
  const shelf = storeShelf(repo.store);
  const whole = packBufferBytes(repo.settings.packSize, repo.settings.blockSize);
  return new ShelvedBuffers(shelf, INPUTS, () => shelf.takePiece(capacity, whole, () => storeMemory(repo.store, whole)) ?? shelf.take(capacity, () => storeMemory(repo.store, capacity)));
}

/** The buffers checked units are written from: of the writer's kind of memory. */
function outputBuffers(writer: VolumeWriter, window: number): ShelvedBuffers {
  const shelf = shelfOf(writer.memoryKind());
  return new ShelvedBuffers(shelf, OUTPUTS, () => shelf.take(window, () => writer.allocate(window)));
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
  const inputs = inputBuffers(repo, inputCapacity);
  // One reader at a time gathers a unit's buffers, so no two wait on each other's.
  let gathering: Promise<unknown> = Promise.resolve();
  const takeInputs = (n: number): Promise<Buffer[]> => {
    const taken = gathering.then(() => Promise.all(Array.from({ length: n }, () => inputs.take())));
    gathering = taken;
    return taken;
  };
  const outputs = out && outputBuffers(out.writer, out.window);
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

/** Sizes the volume, failing as a write of it would. */
async function resize(handle: fs.FileHandle, target: string, size: number): Promise<void> {
  await handle.truncate(size).catch((err: unknown) => {
    throw Object.assign(new Error(`cannot write the restored volume ${target}: ${(err as Error).message}`), { code: (err as NodeJS.ErrnoException).code });
  });
}

/** One restore's parts, for the steps of either kind. */
interface Restoring {
  repo: Repository;
  opts: RestoreOptions;
  writer: VolumeWriter;
  m: Manifest;
  plan: ReturnType<typeof planRestore>;
  report: ReturnType<typeof progressReporter>;
}

/**
 * Writes the plan's units into the volume the writer has open, `doneBefore` bytes of it already
 * the backup's besides its zero blocks; the bytes fetched from the store. `partly`: what a
 * damaged block found on the way left of the volume, for the error.
 */
async function writeUnits({ repo, opts, writer, m, plan, report }: Restoring, doneBefore: number, partly: string): Promise<number> {
  let done = doneBefore + plan.zeroRuns.reduce((s, r) => s + r[1], 0);
  report(done, done, 0);
  const read = await readUnits(
    repo,
    plan.units,
    readCapacity(m.header.blockSize),
    { writer, window: plan.window },
    (unit) => {
      done += unit.blocks.reduce((s, w) => s + w.entry.rawLength * w.targets.length, 0);
      report(done, done, 0);
    },
    opts.signal,
  );
  if (read.problems.length) throw new CorruptBackupError(opts.backupId, read.problems, partly);
  return read.fetched;
}

/**
 * A restore into a new volume builds a sparse file beside the target, writes only the
 * backup's data blocks into it (its zero blocks are already holes), and renames it over the
 * target once it is complete and flushed: a restore killed or failing half-way leaves no
 * volume under the target's name, only a temporary file that the restore itself or recovery
 * (`removeRestoreLeftovers`) removes.
 *
 * A restore over an existing volume restores it in place, writing only what differs
 * (restore-compare.ts): blocks the volume already holds are neither fetched nor written, data
 * where the backup has zeros is freed as holes, and what lies past the backup's end is cut off
 * (a larger volume reads zeros there). Its time then follows the difference, not the volume,
 * and the old image and the new are never both on disk. A failed or killed one leaves the
 * volume partly restored, as a block device restored in place is: the service marks it
 * error_restoring, and running the restore again (as a takeover does) finishes it, since
 * each run writes only what still differs.
 */
async function restoreWith(repo: Repository, opts: RestoreOptions, writer: VolumeWriter): Promise<RestoreResult> {
  const [m] = await Promise.all([repo.readManifest(opts.backupId), repo.index.refresh()]);
  const existing = await fs.stat(opts.target).catch(() => undefined);
  if (existing && !existing.isFile()) throw new Error(`restore target ${opts.target} exists and is not a regular file`);
  const same = existing ? new Uint8Array(m.header.blockCount) : undefined;
  const plan = planRestore(repo, m, same);
  if (plan.missing.length) throw new CorruptBackupError(opts.backupId, plan.missing, '; nothing was written');
  const size = m.header.volumeSize;
  const r: Restoring = { repo, opts, writer, m, plan, report: progressReporter('restore', size, opts.onProgress) };
  const { fetched, unchanged } = same ? await restoreInPlace(r, same) : { fetched: await restoreFresh(r), unchanged: 0 };
  r.report(size, size, 0, true);
  return { backupId: opts.backupId, bytes: size, bytesFetched: fetched, bytesUnchanged: unchanged, overwrote: same !== undefined };
}

async function restoreFresh(r: Restoring): Promise<number> {
  const { opts, writer } = r;
  const size = r.m.header.volumeSize;
  const file = partialName(opts.target);
  const handle = await fs.open(file, 'wx');
  let fetched: number;
  let ok = false;
  try {
    // One hole of the image's size: the zero blocks need no write.
    await resize(handle, opts.target, Math.max(size, opts.size ?? 0));
    await writer.open(handle, file, opts.target);
    fetched = await writeUnits(r, 0, '; nothing was restored');
    if (opts.durable !== false) await handle.sync();
    ok = true;
  } finally {
    await handle.close();
    if (!ok) await fs.rm(file, { force: true });
  }
  try {
    await fs.rename(file, opts.target);
  } catch (err) {
    await fs.rm(file, { force: true });
    throw err;
  }
  if (opts.durable !== false) await syncDir(path.dirname(opts.target));
  return fetched;
}

/** `same`: the plan's, marked here with the blocks the volume already holds. */
async function restoreInPlace(r: Restoring, same: Uint8Array): Promise<{ fetched: number; unchanged: number }> {
  const { opts, writer, m, plan } = r;
  const size = m.header.volumeSize;
  const handle = await fs.open(opts.target, 'r+');
  let fetched: number;
  let unchanged: number;
  try {
    // Past the backup's end the volume is not the backup's: data there is cut off and the
    // volume grown back as a hole. A volume already right is left alone, its times too.
    let current = (await handle.stat()).size;
    const final = Math.max(size, opts.size ?? 0);
    if (current > size && dataRanges(handle.fd, size, current).length > 0) {
      await resize(handle, opts.target, size);
      current = size;
    }
    if (current !== final) await resize(handle, opts.target, final);
    await writer.open(handle, opts.target, opts.target);
    // The buffers that take stored bytes later: aligned as direct reads of the volume want.
    const buffers = inputBuffers(r.repo, readCapacity(m.header.blockSize));
    const state = await compareTarget(handle, opts.target, m, same, plan.flagsOf, buffers, plan.window, opts.signal).finally(() => buffers.shelve());
    unchanged = state.bytesSame;
    await punchHoles(opts.target, handle, state.stale);
    fetched = await writeUnits(r, state.bytesSame, `; ${opts.target} is partly restored`);
    if (opts.durable !== false) await handle.sync();
  } finally {
    await handle.close();
  }
  return { fetched, unchanged };
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
