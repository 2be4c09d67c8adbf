/**
 * Where a sparse file holds data: lseek(2) with SEEK_DATA and SEEK_HOLE, which Node does not
 * offer (fs-ext wraps lseek). A backup then reads only the allocated parts of a thin volume
 * instead of copying gigabytes of zeros out of the page cache. Main thread only: fs-ext keeps
 * process-wide handles that break when worker threads load it and exit.
 */
import { seekSync } from 'fs-ext';

// Linux's values; other systems number them differently or lack them.
const SEEK_DATA = 3;
const SEEK_HOLE = 4;

export interface Range {
  from: number;
  to: number;
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The data ranges of the open file `fd` within [start, end), in order, relative to `start`.
 * Where holes cannot be asked for, the whole span is data: reading zeros is slower, never wrong.
 */
export function dataRanges(fd: number, start: number, end: number): Range[] {
  if (process.platform !== 'linux') return [{ from: 0, to: end - start }];
  const ranges: Range[] = [];
  let at = start;
  try {
    while (at < end) {
      let data: number;
      try {
        data = seekSync(fd, at, SEEK_DATA);
      } catch (err) {
        if (errnoOf(err) === 'ENXIO') break; // no data from here to the end of the file
        throw err;
      }
      if (data >= end) break;
      const hole = Math.min(end, seekSync(fd, data, SEEK_HOLE));
      ranges.push({ from: data - start, to: hole - start });
      at = hole;
    }
  } catch (err) {
    // A file system without SEEK_DATA (EINVAL) or an odd answer: read it all.
    if (errnoOf(err) === 'EINVAL' || errnoOf(err) === 'ENOTSUP' || errnoOf(err) === 'EOPNOTSUPP') return [{ from: 0, to: end - start }];
    throw err;
  }
  return ranges;
}

/**
 * One bit per `blockSize` block of the open file's first `size` bytes, set where the block holds
 * data (is not wholly in a hole), in shared memory so threads can read it: block `b` is bit
 * `b & 7` of byte `b >> 3`.
 */
export function dataBlockMap(fd: number, size: number, blockSize: number): Uint8Array {
  const map = new Uint8Array(new SharedArrayBuffer(Math.ceil(Math.ceil(size / blockSize) / 8)));
  for (const { from, to } of dataRanges(fd, 0, size)) {
    for (let block = Math.floor(from / blockSize); block * blockSize < to; block += 1) map[block >> 3] |= 1 << (block & 7);
  }
  return map;
}
