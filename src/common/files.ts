/** File writes and syncs that finish what they start: a short write is continued, a directory's entries made durable. */
import fs from 'node:fs/promises';

/** Writes all of `data` at `position` (a single write may take fewer bytes). */
export async function writeAll(handle: fs.FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
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
