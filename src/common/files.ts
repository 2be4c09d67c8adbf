/** File writes and syncs that finish what they start: a short write is continued, a directory's entries made durable. */
import fs from 'node:fs/promises';
import path from 'node:path';

/** Writes all of `data` at `position` (a single write may take fewer bytes). */
export async function writeAll(handle: fs.FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Reads into all of `out` from `position`, or up to the end of the file; how many bytes came.
 * `align`: a direct read, which comes short only at the end of the file (and could not go on
 * from an unaligned position).
 */
export async function readAll(handle: fs.FileHandle, out: Buffer, position: number, align = 1): Promise<number> {
  let done = 0;
  while (done < out.length) {
    const { bytesRead } = await handle.read(out, done, out.length - done, position + done);
    done += bytesRead;
    if (bytesRead === 0 || bytesRead % align !== 0) break;
  }
  return done;
}

/** fsyncs a directory, so the entries created or renamed in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Bytes an unprivileged writer may still use on the file system of `dir`; a directory not made
 * yet (a store before its first write) is on its nearest existing parent's.
 */
export async function freeBytesAt(dir: string): Promise<number> {
  for (let at = path.resolve(dir); ; ) {
    try {
      const st = await fs.statfs(at);
      return st.bavail * st.bsize;
    } catch (err) {
      const parent = path.dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw err;
      at = parent;
    }
  }
}
