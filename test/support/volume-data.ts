/** Volume contents for tests that need a backup to take a while. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';

/**
 * Fills the first `bytes` of a volume image with incompressible data, no two 64 KiB blocks alike
 * and no holes to skip: hashing, compressing and storing it keeps a backup running for seconds.
 */
export async function fillDistinct(image: string, bytes: number): Promise<void> {
  const piece = randomBytes(32 * 1024 * 1024);
  const fh = await fs.open(image, 'r+');
  try {
    for (let i = 0; i * piece.length < bytes; i++) {
      for (let block = 0; block < piece.length; block += 64 * 1024) piece.writeUInt32LE(i, block);
      await fh.write(piece, 0, Math.min(piece.length, bytes - i * piece.length), i * piece.length);
    }
  } finally {
    await fh.close();
  }
}
