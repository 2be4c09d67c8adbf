/**
 * Frees ranges of a file so they read as zeros and take no space: fallocate(2) with
 * FALLOC_FL_PUNCH_HOLE, which Node does not offer, run through util-linux's `fallocate`. Where
 * that cannot be run or the file system has no holes, the ranges are written with zeros: they
 * read the same, only allocated.
 */
import { execFile } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';
import { writeAll } from './files.js';

/** Punches run at once: each is a short-lived process, mostly waiting for the file system. */
const AT_ONCE = 4;
const ZEROS = Buffer.alloc(1024 * 1024);

function punch(file: string, offset: number, length: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('fallocate', ['--punch-hole', '--offset', String(offset), '--length', String(length), '--', file], (err, _stdout, stderr) => {
      if (!err) return resolve(true);
      // No fallocate here, or a file system without holes: zeros instead.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || /not supported/i.test(stderr)) return resolve(false);
      reject(new Error(`cannot free ${length} bytes at ${offset} of ${file}: ${stderr.trim() || err.message}`));
    });
  });
}

async function writeZeros(handle: FileHandle, offset: number, length: number): Promise<void> {
  for (let done = 0; done < length; done += ZEROS.length) {
    await writeAll(handle, ZEROS.subarray(0, Math.min(ZEROS.length, length - done)), offset + done);
  }
}

/** Makes each (offset, length) range of `file` (open as `handle`) read as zeros, as holes where it can. */
export async function punchHoles(file: string, handle: FileHandle, ranges: ReadonlyArray<readonly [number, number]>): Promise<void> {
  let next = 0;
  let holes = true;
  const worker = async (): Promise<void> => {
    for (let r = next++; r < ranges.length; r = next++) {
      const [offset, length] = ranges[r];
      if (holes && (await punch(file, offset, length))) continue;
      holes = false;
      await writeZeros(handle, offset, length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, ranges.length) }, worker));
}
