/** What the main thread and the scan threads of a backup (scan-worker.ts) tell each other. */
import type { IdHash } from './block-id.js';
import type { IdTableMemory } from './id-table.js';

/** What a backup's scan reads and how it stores what it finds. */
export interface ScanSource {
  /** The source, opened by the main thread (descriptors are shared by all threads). */
  fd: number;
  source: string;
  size: number;
  blockSize: number;
  chunkSize: number;
  level: number;
  packTarget: number;
  table: IdTableMemory;
  /** How the project's blocks are named (block-id.ts). */
  idHash: IdHash;
}

export interface ScanSetup extends ScanSource {
  /** One bit per block, set where the block holds data (not wholly in a hole of the source). */
  dataBlocks: SharedArrayBuffer;
  /** Int32 words shared by every scan thread of the backup: see NEXT_CHUNK and STOP. */
  control: SharedArrayBuffer;
  /** This thread's pack buffers, filled in turn. */
  packs: Array<{ buffer: SharedArrayBuffer; byteOffset: number; length: number }>;
}

export const NEXT_CHUNK = 0;
/** Set by the main thread: a pack write failed or the backup was cancelled. */
export const STOP = 1;
export const CONTROL_WORDS = 2;

/** Fields per block in a pack message's `entries`: block number, offset in the pack, stored length, raw length, flags. */
export const ENTRY_FIELDS = 5;

export type ScanMessage =
  | { kind: 'pack'; slot: number; size: number; entries: Int32Array }
  /** A chunk is done: `bytes` of the volume, of which `read` were read (blocks wholly in holes are not). */
  | { kind: 'chunk'; bytes: number; read: number }
  | { kind: 'done' }
  | { kind: 'failed'; message: string; code?: string };
