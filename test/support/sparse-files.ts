/** Sparse image files in tests: where they hold data, their first bytes, and whether two hold the same bytes. */
import fs from 'node:fs';
import { dataRanges, type Range } from '../../src/common/data-ranges.js';

/** The file's data ranges (SEEK_DATA/SEEK_HOLE): what is not in one is a hole. */
export function rangesOf(file: string): Range[] {
  const fd = fs.openSync(file, 'r');
  try {
    return dataRanges(fd, 0, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

/** The file's first `length` bytes (zeros past its end). */
export function headOf(file: string, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, 0);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether two sparse images hold the same bytes, read where either holds data (a hole reads as
 * zeros, so the rest is equal): not gigabytes of holes read back.
 */
export function sameBytes(a: string, b: string): boolean {
  if (fs.statSync(a).size !== fs.statSync(b).size) return false;
  const spans = [...rangesOf(a), ...rangesOf(b)].sort((x, y) => x.from - y.from);
  const [fa, fb] = [fs.openSync(a, 'r'), fs.openSync(b, 'r')];
  try {
    const [ba, bb] = [Buffer.alloc(1024 * 1024), Buffer.alloc(1024 * 1024)];
    for (const { from, to } of spans) {
      for (let at = from; at < to; at += ba.length) {
        const n = Math.min(ba.length, to - at);
        fs.readSync(fa, ba, 0, n, at);
        fs.readSync(fb, bb, 0, n, at);
        if (!ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
      }
    }
    return true;
  } finally {
    fs.closeSync(fa);
    fs.closeSync(fb);
  }
}

/** Bytes this process (every thread of it) has read with read(2) and its kin so far; undefined where Linux's /proc does not tell. */
export function bytesReadByProcess(): number | undefined {
  try {
    const got = /^rchar: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
    return got ? Number(got[1]) : undefined;
  } catch {
    return undefined;
  }
}
