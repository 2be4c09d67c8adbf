/**
 * Direct I/O (O_DIRECT) for large writes of the fs store. Written through the page cache, a
 * pack costs the kernel a copy into fresh cache pages and a writeback on fsync: about as much
 * CPU as hashing and compressing it. Written directly, the data goes from our buffer to the
 * disk. The kernel only takes buffers whose address and length are multiples of the device's
 * block size; Node says nothing of a buffer's address, so alignment is found by trying.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsc, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Address and length multiple that every device accepts (sector sizes are 512 or 4096). */
export const DIRECT_ALIGN = 4096;

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * A probe in `dir` opened with O_DIRECT: a direct read of its written (not sparse: holes read
 * without the check) first block fails with EINVAL exactly when the buffer is misaligned. The
 * file is unlinked at once; the descriptor lives on. Undefined where the file system has no
 * direct I/O (tmpfs, some network file systems): everything then goes through the page cache.
 */
export function openDirectProbe(dir: string): number | undefined {
  if (fsc.O_DIRECT === undefined) return undefined;
  const file = path.join(dir, `.direct-io-probe-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, Buffer.alloc(DIRECT_ALIGN, 1), { mode: 0o600 });
    return openSync(file, fsc.O_RDONLY | fsc.O_DIRECT);
  } catch (err) {
    if (errnoOf(err) === 'EINVAL' || errnoOf(err) === 'EOPNOTSUPP') return undefined;
    throw err;
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * A `size`-byte buffer at an address direct I/O accepts (a view into a slightly larger one;
 * unaligned if none is found). `shared`: over a SharedArrayBuffer, for worker threads.
 */
export function alignedBuffer(size: number, probe: number, shared = false): Buffer {
  const raw = shared ? Buffer.from(new SharedArrayBuffer(size + DIRECT_ALIGN)) : Buffer.allocUnsafeSlow(size + DIRECT_ALIGN);
  // Allocators return at least 16-byte aligned memory, so an aligned start is a multiple of 16 away.
  for (let offset = 0; offset < DIRECT_ALIGN; offset += 16) {
    try {
      readSync(probe, raw, offset, DIRECT_ALIGN, 0);
      return raw.subarray(offset, offset + size);
    } catch (err) {
      if (errnoOf(err) !== 'EINVAL') throw err;
    }
  }
  return raw.subarray(0, size);
}

export function closeDirectProbe(probe: number | undefined): void {
  if (probe !== undefined) closeSync(probe);
}
