/**
 * What of an existing volume already holds the backup restored over it, so that the restore
 * writes only what differs. The volume is read only where it holds data (SEEK_DATA), window by
 * window, and each block the backup has data for is hashed on the worker threads and compared
 * with the block's id. A block the volume has as a hole differs without a read; data where the
 * backup has zeros is stale and is freed.
 */
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import { dataBlockMap } from '../common/data-ranges.js';
import { readAll } from '../common/files.js';
import { DIRECT_ALIGN } from '../stores/direct-io.js';
import { ID_BYTES, ZERO_ID, type Manifest } from './format.js';
import { compareInWorker } from './pool.js';
import type { Slots } from './slots.js';

/**
 * Windows compared at once, each in a buffer of the caller's, so reads keep the disk busy while
 * the worker threads hash. Over the benchmark's 2 GiB volume (1.5 GiB of data, already equal),
 * alternated runs took 1.38-1.84 s six at a time against 1.46-1.94 s three at a time and
 * 1.71-2.12 s two at a time: the disk bounds it (`dd iflag=direct` reads the image in 1.1-1.4 s).
 */
const AT_ONCE = 6;

export interface TargetState {
  /** Bytes of the backup's blocks the volume already holds. */
  bytesSame: number;
  /** Where the volume holds data and the backup zeros: (offset, length), whole blocks, in order. */
  stale: Array<[number, number]>;
}

/** Reads all of `length` bytes at `position` into `into` from `at`, directly where `direct` takes it. */
async function readWindowPiece(handle: fs.FileHandle, direct: fs.FileHandle | undefined, into: Buffer, at: number, length: number, position: number): Promise<void> {
  const piece = into.subarray(at, at + length);
  if (direct) {
    try {
      if ((await readAll(direct, piece, position, DIRECT_ALIGN)) === length) return;
    } catch (err) {
      // A piece direct I/O does not take (the volume's unaligned last block): the page cache does.
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
    }
  }
  // Past the end the volume reads as zeros, which is what the restore makes of it.
  piece.fill(0, await readAll(handle, piece, position));
}

/**
 * Compares the volume open as `handle` (the file `file`) with the backup `m`, marking in `same`
 * (a byte per block) the blocks it already holds; `flagsOf` gives a block's index flags (which
 * digest its id is). `buffers` hands out buffers of shared memory of at least `window` bytes,
 * aligned for direct reads where the file system has them; all are given back when this
 * returns or throws.
 */
export async function compareTarget(
  handle: fs.FileHandle,
  file: string,
  m: Manifest,
  same: Uint8Array,
  flagsOf: (block: number) => number,
  buffers: Slots<Buffer>,
  window: number,
  signal?: AbortSignal,
): Promise<TargetState> {
  const { blockSize, blockCount, volumeSize } = m.header;
  const perWindow = Math.max(1, Math.floor(window / blockSize));
  const lengthOf = (block: number): number => Math.min(blockSize, volumeSize - block * blockSize);
  const dataMap = dataBlockMap(handle.fd, volumeSize, blockSize);
  const stale: Array<[number, number]> = [];
  /** Windows (their first block) with blocks to compare, and those blocks. */
  const windows = new Map<number, number[]>();
  for (let b = 0; b < blockCount; b += 1) {
    if (((dataMap[b >> 3] >> (b & 7)) & 1) === 0) continue;
    if (m.ids.compare(ZERO_ID, 0, ID_BYTES, b * ID_BYTES, (b + 1) * ID_BYTES) === 0) {
      const last = stale[stale.length - 1];
      if (last && last[0] + last[1] === b * blockSize) last[1] += lengthOf(b);
      else stale.push([b * blockSize, lengthOf(b)]);
      continue;
    }
    const first = b - (b % perWindow);
    let blocks = windows.get(first);
    if (!blocks) windows.set(first, (blocks = []));
    blocks.push(b);
  }

  const direct = await fs.open(file, fsc.O_RDONLY | fsc.O_DIRECT).catch(() => undefined);
  let bytesSame = 0;
  const compareWindow = async (first: number, blocks: number[], buffer: Buffer): Promise<void> => {
    // Each run of neighbouring blocks in one read.
    for (let k = 0; k < blocks.length; ) {
      let end = k + 1;
      while (end < blocks.length && blocks[end] === blocks[end - 1] + 1) end += 1;
      const length = blocks.slice(k, end).reduce((s, b) => s + lengthOf(b), 0);
      await readWindowPiece(handle, direct, buffer, (blocks[k] - first) * blockSize, length, blocks[k] * blockSize);
      k = end;
    }
    const table = new Uint32Array(3 * blocks.length);
    const ids = Buffer.allocUnsafeSlow(blocks.length * ID_BYTES);
    blocks.forEach((b, k) => {
      table.set([(b - first) * blockSize, lengthOf(b), flagsOf(b)], 3 * k);
      m.ids.copy(ids, k * ID_BYTES, b * ID_BYTES, (b + 1) * ID_BYTES);
    });
    const { same: equal } = await compareInWorker({ data: buffer.buffer as SharedArrayBuffer, offset: buffer.byteOffset, table, ids });
    for (const k of equal) {
      same[blocks[k]] = 1;
      bytesSame += lengthOf(blocks[k]);
    }
  };

  try {
    const pending = windows.entries();
    let failed = false;
    const next = async (): Promise<void> => {
      for (let w = pending.next(); !w.done && !failed; w = pending.next()) {
        signal?.throwIfAborted();
        const buffer = await buffers.take();
        try {
          await compareWindow(w.value[0], w.value[1], buffer);
        } catch (err) {
          failed = true;
          throw err;
        } finally {
          buffers.give(buffer);
        }
      }
    };
    // Settled, not raced: every buffer is back and no read runs once this goes on.
    const results = await Promise.allSettled(Array.from({ length: AT_ONCE }, next));
    const rejected = results.find((r) => r.status === 'rejected');
    if (rejected) throw (rejected as PromiseRejectedResult).reason;
  } finally {
    await direct?.close();
  }
  return { bytesSame, stale };
}
