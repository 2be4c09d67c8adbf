/**
 * Restore and verify: read every block a backup references, pack by pack in coalesced ranges,
 * decompress and check its SHA-256 on the worker threads, and only then write it. A block that
 * fails its check is never written; the error names the backup and the block.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NotFoundError } from '../stores/block-store.js';
import { CorruptBackupError } from './errors.js';
import { ID_BYTES, ZERO_ID, type IndexEntry, type Manifest } from './format.js';
import { idKey, type PackInfo } from './packs.js';
import { startWorkers, unpackInWorker } from './pool.js';
import { progressReporter, type ProgressListener } from './progress.js';
import type { Repository } from './repository.js';
import { Slots } from './slots.js';
import { VolumeWriter } from './volume-writer.js';

export interface RestoreOptions {
  backupId: string;
  /** A new file (created sparse) or an existing one (overwritten entirely, zeros included). */
  target: string;
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

interface Wanted {
  entry: IndexEntry;
  /** Volume offsets where this block goes. */
  targets: number[];
}

interface Range {
  pack: PackInfo;
  start: number;
  end: number;
  raw: number;
  blocks: Wanted[];
}

const MAX_RANGE = 4 * 1024 * 1024;
const MAX_GAP = 256 * 1024;

/** Groups the backup's blocks by pack and coalesces them into ranges; lists what is missing. */
function plan(repo: Repository, m: Manifest): { ranges: Range[]; missing: string[]; zeroRuns: Array<[number, number]>; distinct: number } {
  const { blockSize, blockCount, volumeSize } = m.header;
  const byPack = new Map<PackInfo, Map<number, Wanted>>();
  const missing: string[] = [];
  const zeroRuns: Array<[number, number]> = [];
  let distinct = 0;
  for (let i = 0; i < blockCount; i += 1) {
    const id = m.ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES);
    const at = i * blockSize;
    if (id.equals(ZERO_ID)) {
      const len = Math.min(blockSize, volumeSize - at);
      const last = zeroRuns[zeroRuns.length - 1];
      if (last && last[0] + last[1] === at) last[1] += len;
      else zeroRuns.push([at, len]);
      continue;
    }
    const loc = repo.index.blocks.get(idKey(id));
    if (!loc) {
      missing.push(`block ${id.toString('hex')} at volume offset ${at} is missing from the store`);
      continue;
    }
    let inPack = byPack.get(loc.pack);
    if (!inPack) byPack.set(loc.pack, (inPack = new Map()));
    const w = inPack.get(loc.entry.offset);
    if (w) w.targets.push(at);
    else {
      inPack.set(loc.entry.offset, { entry: loc.entry, targets: [at] });
      distinct += 1;
    }
  }
  const ranges: Range[] = [];
  for (const [pack, wanted] of byPack) {
    const sorted = [...wanted.values()].sort((a, b) => a.entry.offset - b.entry.offset);
    let cur: Range | undefined;
    for (const w of sorted) {
      const s = w.entry.offset;
      const e = s + w.entry.length;
      if (cur && s - cur.end <= MAX_GAP && e - cur.start <= MAX_RANGE && cur.raw + w.entry.rawLength <= MAX_RANGE) {
        cur.end = e;
        cur.raw += w.entry.rawLength;
        cur.blocks.push(w);
      } else {
        cur = { pack, start: s, end: e, raw: w.entry.rawLength, blocks: [w] };
        ranges.push(cur);
      }
    }
  }
  return { ranges, missing, zeroRuns, distinct };
}

function describe(w: Wanted, range: Range, reason: string): string {
  return `block ${w.entry.id.toString('hex')} at volume offset ${w.targets[0]} (pack ${range.pack.id}) ${reason}`;
}

/** Ranges read at once: enough to keep the disk's queue from running dry while the workers check. */
const READERS = 3;
/** Buffers of stored bytes: the readers' and those of ranges waiting for a worker or in one. */
const INPUTS = 5;
/** Buffers of checked plaintext: ranges being checked and ranges queued for the writer. */
const OUTPUTS = 4;
/**
 * Ranges checked at once. A restore leaves one core to the writer thread and the kernel's I/O
 * work: on two cores, checking on both made every write wait longer for the CPU after the
 * disk was done (median 2.45 s against 2.17 s checking on one, six runs each, alternated).
 */
const checkTurns = (writing: boolean): number => Math.max(1, os.availableParallelism() - (writing ? 1 : 0));

/** The range's stored bytes, in `input` (whose memory the workers share). */
async function readRange(repo: Repository, range: Range, input: Buffer): Promise<Buffer> {
  const key = repo.index.packKey(range.pack.id);
  const length = range.end - range.start;
  const data = repo.store.getRange
    ? await repo.store.getRange(key, range.start, length, input)
    : (await repo.store.get(key)).subarray(range.start, range.end);
  const got = data.subarray(0, Math.min(data.length, length));
  if (got.buffer === input.buffer) return got;
  // A store without `into` support answered with bytes of its own.
  input.set(got);
  return input.subarray(0, got.length);
}

/**
 * Fetches and checks every range: readers fetch ahead while the worker threads check, and with
 * `writer` every checked range is queued for writing, so reading, checking and writing overlap.
 */
async function readRanges(
  repo: Repository,
  ranges: Range[],
  writer: VolumeWriter | undefined,
  onRange: (range: Range) => void,
  signal: AbortSignal | undefined,
): Promise<{ problems: string[]; fetched: number }> {
  const problems: string[] = [];
  let fetched = 0;
  let next = 0;
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
  };
  // A restore stops writing at the first damage; a verify reads on to report every bad block.
  const stopped = (): boolean => failure !== undefined || (writer !== undefined && problems.length > 0);
  const inputCapacity = ranges.reduce((m, r) => Math.max(m, r.end - r.start), 0);
  const inputs = new Slots(INPUTS, () => {
    const allocated = repo.store.allocate?.(inputCapacity, { shared: true });
    return allocated?.buffer instanceof SharedArrayBuffer ? allocated : Buffer.from(new SharedArrayBuffer(inputCapacity));
  });
  const outputCapacity = ranges.reduce((m, r) => Math.max(m, r.raw), 0);
  const outputs = writer && new Slots(OUTPUTS, () => writer.allocate(outputCapacity));
  const turns = new Slots(checkTurns(writer !== undefined), () => true);
  const checks: Array<Promise<void>> = [];

  const check = async (range: Range, input: Buffer, data: Buffer): Promise<void> => {
    const output = await outputs?.take();
    const turn = await turns.take();
    try {
      const result = await unpackInWorker({
        data: input.buffer as SharedArrayBuffer,
        dataOffset: data.byteOffset,
        dataLength: data.length,
        output: output ? (output.buffer as SharedArrayBuffer) : null,
        outputOffset: output?.byteOffset,
        entries: range.blocks.map((w) => ({
          offset: w.entry.offset - range.start,
          length: w.entry.length,
          rawLength: w.entry.rawLength,
          flags: w.entry.flags,
          id: w.entry.id.toString('hex'),
        })),
      }).finally(() => {
        turns.give(turn);
        inputs.give(input);
      });
      for (const b of result.bad) problems.push(describe(range.blocks[b.entry], range, b.reason));
      if (writer && output) {
        if (stopped()) return;
        await writer.write(output, range.blocks.map((w) => ({ rawLength: w.entry.rawLength, targets: w.targets })));
      }
      onRange(range);
    } finally {
      if (output) outputs?.give(output);
    }
  };

  const reader = async (): Promise<void> => {
    while (next < ranges.length && !stopped()) {
      signal?.throwIfAborted();
      const input = await inputs.take();
      if (next >= ranges.length || stopped()) return inputs.give(input);
      const range = ranges[next++];
      let data: Buffer;
      try {
        data = await readRange(repo, range, input);
      } catch (err) {
        inputs.give(input);
        if (!(err instanceof NotFoundError)) throw err;
        for (const w of range.blocks) problems.push(describe(w, range, 'is missing: its pack is gone'));
        continue;
      }
      fetched += data.length;
      checks.push(check(range, input, data).catch(fail));
    }
  };

  await Promise.all(Array.from({ length: READERS }, () => reader().catch(fail)));
  // Every check ends before this returns: none may write after the caller closes the volume.
  await Promise.all(checks);
  if (failure !== undefined) throw failure;
  return { problems, fetched };
}

async function writeAll(handle: fs.FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

const ZERO_SCAN = 1024 * 1024;

/**
 * Stale data under the backup's zero blocks must read as zeros after the restore. Only the
 * parts that do not already read as zeros are written: holes of the target (a new volume is
 * one large hole) stay holes instead of filling the disk with written zeros.
 */
async function zeroStaleData(handle: fs.FileHandle, zeroRuns: Array<[number, number]>, signal: AbortSignal | undefined): Promise<void> {
  const seen = Buffer.alloc(ZERO_SCAN);
  const zeros = Buffer.alloc(ZERO_SCAN);
  for (const [at, len] of zeroRuns) {
    for (let p = 0; p < len; p += ZERO_SCAN) {
      signal?.throwIfAborted();
      const n = Math.min(ZERO_SCAN, len - p);
      const { bytesRead } = await handle.read(seen, 0, n, at + p);
      // Past the old end of file the truncate already made zeros.
      if (!seen.subarray(0, bytesRead).equals(zeros.subarray(0, bytesRead))) await writeAll(handle, zeros.subarray(0, n), at + p);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export async function runRestore(repo: Repository, opts: RestoreOptions): Promise<RestoreResult> {
  startWorkers();
  // Its thread starts now, so that overlaps reading the manifest and the index.
  const writer = new VolumeWriter();
  try {
    return await restoreWith(repo, opts, writer);
  } finally {
    await writer.close();
  }
}

async function restoreWith(repo: Repository, opts: RestoreOptions, writer: VolumeWriter): Promise<RestoreResult> {
  const [m] = await Promise.all([repo.readManifest(opts.backupId), repo.index.refresh()]);
  const { ranges, missing, zeroRuns } = plan(repo, m);
  if (missing.length) throw new CorruptBackupError(opts.backupId, missing, '; nothing was written');
  const size = m.header.volumeSize;
  const existing = await fs.stat(opts.target).catch(() => undefined);
  if (existing && !existing.isFile()) throw new Error(`restore target ${opts.target} exists and is not a regular file`);
  const overwrite = existing !== undefined;
  // A new volume is built under a temporary name: a crash never leaves a half volume under the real one.
  const file = overwrite ? opts.target : path.join(path.dirname(opts.target), `.${path.basename(opts.target)}.partial-${randomBytes(4).toString('hex')}`);
  const handle = await fs.open(file, overwrite ? 'r+' : 'wx');
  const report = progressReporter('restore', size, opts.onProgress);
  let done = 0;
  let ok = false;
  try {
    await handle.truncate(size); // new: one hole; existing: cut or extend to the volume's size
    await writer.open(handle, file, opts.target);
    if (overwrite) await zeroStaleData(handle, zeroRuns, opts.signal);
    done += zeroRuns.reduce((s, r) => s + r[1], 0);
    const { problems, fetched } = await readRanges(
      repo,
      ranges,
      writer,
      (range) => {
        done += range.blocks.reduce((s, w) => s + w.entry.rawLength * w.targets.length, 0);
        report(done, done, 0);
      },
      opts.signal,
    );
    if (problems.length) {
      throw new CorruptBackupError(opts.backupId, problems, overwrite ? `; ${opts.target} was left partly restored` : '; nothing was restored');
    }
    if (opts.durable !== false) await handle.sync();
    ok = true;
    report(size, size, 0, true);
    return { backupId: opts.backupId, bytes: size, bytesFetched: fetched, overwrote: overwrite };
  } finally {
    await handle.close();
    if (!overwrite) {
      if (ok) {
        await fs.rename(file, opts.target);
        if (opts.durable !== false) await syncDir(path.dirname(opts.target));
      } else {
        await fs.rm(file, { force: true });
      }
    }
  }
}

export async function runVerify(repo: Repository, backupId: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  startWorkers();
  const m = await repo.readManifest(backupId);
  await repo.index.refresh();
  const { ranges, missing, distinct } = plan(repo, m);
  const total = ranges.reduce((s, r) => s + r.blocks.reduce((t, w) => t + w.entry.rawLength, 0), 0);
  const report = progressReporter('verify', total, opts.onProgress);
  let done = 0;
  const { problems } = await readRanges(
    repo,
    ranges,
    undefined,
    (range) => {
      done += range.blocks.reduce((s, w) => s + w.entry.rawLength, 0);
      report(done, done, 0);
    },
    opts.signal,
  );
  const all = [...missing, ...problems];
  if (all.length) throw new CorruptBackupError(backupId, all);
  report(total, total, 0, true);
  return { backupId, blocks: m.header.blockCount, distinctBlocks: distinct, bytesChecked: total };
}
