import type { Readable, Writable } from 'node:stream';

export const GiB = 1024 ** 3;

/** Where a volume's or a snapshot's bytes are. */
export type ImageKind = 'volume' | 'snapshot';

export interface ReadOptions {
  /** First byte to read; 0 when absent. */
  start?: number;
  /** Last byte to read, inclusive; the end of the image when absent. */
  end?: number;
}

/**
 * The block devices behind the volume API. Sizes are whole GiB; ids are the records' UUIDs.
 * Every method leaves either the old state or the new one behind, never a half-made image.
 */
export interface VolumeDriver {
  /** A new, zero-filled volume of `sizeGiB` that occupies no space until written. */
  createVolume(id: string, sizeGiB: number): Promise<void>;
  /** A new volume holding the snapshot's data, grown to `sizeGiB` (>= the snapshot's size). */
  createVolumeFromSnapshot(id: string, snapshotId: string, sizeGiB: number): Promise<void>;
  /** A new volume holding a copy of another volume's data, grown to `sizeGiB`. */
  cloneVolume(id: string, sourceId: string, sizeGiB: number): Promise<void>;
  /** Replaces the volume's whole content with a raw image file, sized to `sizeGiB`; `onProgress` is told the file's bytes copied. */
  importVolume(id: string, file: string, sizeGiB: number, onProgress?: (bytesDone: number) => void): Promise<void>;
  /** Copies the image to `file` (a new sparse file; zeros become holes); `onProgress` is told the image's bytes copied. */
  exportImage(kind: ImageKind, id: string, file: string, onProgress?: (bytesDone: number) => void): Promise<void>;
  /** Removes the volume; a volume that is already gone is no error. */
  deleteVolume(id: string): Promise<void>;
  /** Grows the volume to `newSizeGiB`; the new space reads as zeros. */
  extendVolume(id: string, newSizeGiB: number): Promise<void>;
  /** A point-in-time copy of the volume: later writes to the volume do not change it. */
  createSnapshot(snapshotId: string, volumeId: string): Promise<void>;
  /** Removes the snapshot; one that is already gone is no error. */
  deleteSnapshot(snapshotId: string): Promise<void>;
  /** The local path of the image, for tools that need one (import, export, attach). */
  path(kind: ImageKind, id: string): string;
  /** Size in bytes of the image as it is now. */
  sizeBytes(kind: ImageKind, id: string): Promise<number>;
  /** Reads the image (or a byte range of it), as the backup engine does. */
  openRead(kind: ImageKind, id: string, options?: ReadOptions): Readable;
  /** Writes into the volume from `start` without truncating it, as a restore does. */
  openWrite(volumeId: string, start?: number): Writable;
}
