/** A finished backup's figures in the keys of the VBS API's `service_metadata`. */
import type { ManifestHeader } from './format.js';

export interface ServiceMetadata {
  /** Backup progress, percent. */
  progress: number;
  /** 0 full, 1 incremental. */
  Type: 0 | 1;
  /** Average throughput, MB/s, one decimal. */
  AT: number;
  /** Space saving rate, percent: how much less the store took than the volume's size. */
  SS: number;
  /** MB the backup references in the store (every backup is its own whole chain). */
  CS: number;
  /** 3: deduplication and compression. */
  DL: 3;
}

export function serviceMetadata(h: ManifestHeader): ServiceMetadata {
  const seconds = Math.max(0.001, (Date.parse(h.finishedAt) - Date.parse(h.startedAt)) / 1000);
  return {
    progress: 100,
    Type: h.type === 'full' ? 0 : 1,
    AT: Math.round((h.volumeSize / 1e6 / seconds) * 10) / 10,
    SS: h.volumeSize === 0 ? 0 : Math.max(0, Math.min(100, Math.round(100 * (1 - h.bytesStored / h.volumeSize)))),
    CS: Math.round(h.bytesReferenced / 1e6),
    DL: 3,
  };
}
