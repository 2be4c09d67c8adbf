import fs from 'node:fs/promises';

/** Bytes examined at a time; also the granularity at which zeros become holes. */
const CHUNK = 1024 * 1024;
/** Holes are made in filesystem-block units; a zero run shorter than this is written. */
const HOLE_GRAIN = 4096;

export interface CopyResult {
  /** Bytes of the source. */
  size: number;
  /** Bytes actually written: the non-zero regions. */
  written: number;
}

const ZEROS = Buffer.alloc(HOLE_GRAIN);

function isZero(buf: Buffer, from: number, to: number): boolean {
  // Buffer.equals compares with memcmp: far faster than a byte loop in JavaScript.
  return buf.subarray(from, to).equals(to - from === HOLE_GRAIN ? ZEROS : ZEROS.subarray(0, to - from));
}

/**
 * Copies `src` into the open, empty file `dst` at offset 0, writing only the regions that hold
 * data so that zeros stay (or become) holes. `dst` is sized to `size` (the source's size
 * when absent) by truncate, which leaves the tail unallocated.
 */
export async function sparseCopyInto(src: string, dst: fs.FileHandle, options: { size?: number } = {}): Promise<CopyResult> {
  const input = await fs.open(src, 'r');
  try {
    const { size: srcSize } = await input.stat();
    const buf = Buffer.allocUnsafe(CHUNK);
    let written = 0;
    for (let pos = 0; pos < srcSize; pos += CHUNK) {
      const { bytesRead } = await input.read(buf, 0, Math.min(CHUNK, srcSize - pos), pos);
      // Scan in filesystem-block steps and write each run of non-zero blocks in one call.
      let runStart = -1;
      for (let off = 0; off <= bytesRead; off += HOLE_GRAIN) {
        const end = Math.min(off + HOLE_GRAIN, bytesRead);
        const data = off < bytesRead && !isZero(buf, off, end);
        if (data && runStart < 0) runStart = off;
        if (!data && runStart >= 0) {
          await dst.write(buf, runStart, off - runStart, pos + runStart);
          written += off - runStart;
          runStart = -1;
        }
      }
    }
    await dst.truncate(options.size ?? srcSize);
    return { size: srcSize, written };
  } finally {
    await input.close();
  }
}
