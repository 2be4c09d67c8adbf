import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { GiB, type ImageKind, type ReadOptions, type VolumeDriver } from './driver.js';
import { sparseCopyFile, type CopyProgress } from './sparse-copy.js';

/** Errors of a reflink on a filesystem (or between filesystems) that cannot share extents. */
const NO_REFLINK = new Set(['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS', 'ENOTTY', 'EPERM']);

export class VolumeImageMissingError extends Error {}

/**
 * One sparse raw image per volume (`<dataDir>/volumes/<id>.img`) and per snapshot
 * (`<dataDir>/snapshots/<id>.img`). New images are built under a temporary name, flushed
 * and renamed into place, so a crash leaves either no image or a whole one.
 */
export class FileVolumeDriver implements VolumeDriver {
  private readonly dirs: Record<ImageKind, string>;

  constructor(dataDir: string) {
    this.dirs = { volume: path.join(dataDir, 'volumes'), snapshot: path.join(dataDir, 'snapshots') };
  }

  path(kind: ImageKind, id: string): string {
    // Ids reach here only after UUID checks; the guard keeps a bad caller inside the directory.
    if (!/^[0-9A-Za-z-]+$/.test(id)) throw new Error(`invalid image id "${id}"`);
    return path.join(this.dirs[kind], `${id}.img`);
  }

  async createVolume(id: string, sizeGiB: number): Promise<void> {
    await this.build('volume', id, (tmp) => withNewFile(tmp, (fh) => fh.truncate(sizeGiB * GiB)));
  }

  async createVolumeFromSnapshot(id: string, snapshotId: string, sizeGiB: number): Promise<void> {
    await this.copyImage(this.path('snapshot', snapshotId), 'volume', id, sizeGiB * GiB);
  }

  async cloneVolume(id: string, sourceId: string, sizeGiB: number): Promise<void> {
    await this.copyImage(this.path('volume', sourceId), 'volume', id, sizeGiB * GiB);
  }

  async importVolume(id: string, file: string, sizeGiB: number, onProgress?: CopyProgress): Promise<void> {
    await this.copyImage(file, 'volume', id, sizeGiB * GiB, onProgress);
  }

  async exportImage(kind: ImageKind, id: string, file: string, onProgress?: CopyProgress): Promise<void> {
    const source = this.path(kind, id);
    await fsp.access(source).catch((err: unknown) => {
      throw this.missing(err, source);
    });
    const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      if (await reflink(source, tmp)) {
        onProgress?.((await fsp.stat(source)).size);
      } else {
        await fsp.rm(tmp, { force: true });
        await sparseCopyFile(source, tmp, undefined, onProgress);
      }
      const fh = await fsp.open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, file);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async deleteVolume(id: string): Promise<void> {
    await fsp.rm(this.path('volume', id), { force: true });
  }

  async extendVolume(id: string, newSizeGiB: number): Promise<void> {
    const file = this.path('volume', id);
    const fh = await this.openExisting(file, 'r+');
    try {
      const { size } = await fh.stat();
      if (newSizeGiB * GiB < size) throw new Error(`volume ${id} is larger than ${newSizeGiB} GiB; images only grow`);
      await fh.truncate(newSizeGiB * GiB);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async createSnapshot(snapshotId: string, volumeId: string): Promise<void> {
    await this.copyImage(this.path('volume', volumeId), 'snapshot', snapshotId);
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await fsp.rm(this.path('snapshot', snapshotId), { force: true });
  }

  async sizeBytes(kind: ImageKind, id: string): Promise<number> {
    try {
      return (await fsp.stat(this.path(kind, id))).size;
    } catch (err) {
      throw this.missing(err, this.path(kind, id));
    }
  }

  openRead(kind: ImageKind, id: string, options: ReadOptions = {}): Readable {
    return fs.createReadStream(this.path(kind, id), { start: options.start, end: options.end, highWaterMark: 1024 * 1024 });
  }

  openWrite(volumeId: string, start = 0): Writable {
    // r+ writes in place: the image keeps its size and holes outside what is written.
    return fs.createWriteStream(this.path('volume', volumeId), { flags: 'r+', start });
  }

  /** Makes `kind/id` a copy of `source` sized to `size` bytes (the source's size when absent). */
  private async copyImage(source: string, kind: ImageKind, id: string, size?: number, onProgress?: CopyProgress): Promise<void> {
    await fsp.access(source).catch((err: unknown) => {
      throw this.missing(err, source);
    });
    await this.build(kind, id, async (tmp) => {
      if (await reflink(source, tmp)) {
        onProgress?.((await fsp.stat(source)).size);
        if (size !== undefined) await fsp.truncate(tmp, size);
        return;
      }
      await fsp.rm(tmp, { force: true });
      await sparseCopyFile(source, tmp, size, onProgress);
    });
  }

  /** Runs `fill` to create a temporary file, flushes it and renames it to the image's name. */
  private async build(kind: ImageKind, id: string, fill: (tmp: string) => Promise<unknown>): Promise<void> {
    const final = this.path(kind, id);
    await fsp.mkdir(path.dirname(final), { recursive: true });
    const tmp = `${final}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await fill(tmp);
      const fh = await fsp.open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, final);
      await syncDir(path.dirname(final));
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  private async openExisting(file: string, flags: string): Promise<fsp.FileHandle> {
    try {
      return await fsp.open(file, flags);
    } catch (err) {
      throw this.missing(err, file);
    }
  }

  private missing(err: unknown, file: string): Error {
    return (err as NodeJS.ErrnoException)?.code === 'ENOENT' ? new VolumeImageMissingError(`image ${file} does not exist`) : (err as Error);
  }
}

async function withNewFile<T>(file: string, work: (fh: fsp.FileHandle) => Promise<T>): Promise<T> {
  const fh = await fsp.open(file, 'wx');
  try {
    return await work(fh);
  } finally {
    await fh.close();
  }
}

/** Shares the source's extents with `dest` (copy-on-write); false where the filesystem cannot. */
async function reflink(source: string, dest: string): Promise<boolean> {
  try {
    await fsp.copyFile(source, dest, fs.constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch (err) {
    if (NO_REFLINK.has((err as NodeJS.ErrnoException).code ?? '')) return false;
    throw err;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself has happened.
  } finally {
    await fh.close();
  }
}
