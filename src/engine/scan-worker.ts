/**
 * One scan thread of a backup: takes the next chunk of the volume, reads it, hashes its blocks,
 * claims the ids the store lacks in the shared id table, and compresses those blocks straight
 * into a pack buffer it fills. Full packs go to the main thread, which writes them to the store
 * and hands the buffer back. Every byte is touched on this thread only: the main thread does
 * no per-block work, and no block is copied between threads.
 */
import { readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import binding from 'zstd-napi/binding.js';
import { copyBytes } from '../common/bytes.js';
import { blockId, idFlag } from './block-id.js';
import { FLAG_ZSTD, ID_BYTES, indexLength } from './format.js';
import { IdTable } from './id-table.js';
import { ENTRY_FIELDS, NEXT_CHUNK, STOP, type ScanMessage, type ScanSetup } from './scan-protocol.js';

/** Stored only when compression saves at least 1/32: restore then skips a useless decompress. */
const worthIt = (packed: number, raw: number): boolean => packed < raw - (raw >> 5);

/**
 * A block is first compressed in two samples of this size, at its start and its middle; when
 * neither shrinks, it is stored raw without compressing the whole. Incompressible data (an
 * encrypted volume, media) then costs two small trials instead of a whole compression (6 against
 * 13-31 µs a 64 KiB block, measured), and compressible data one more small trial (about 3 µs). A
 * block that only looks incompressible at both samples is stored raw: a little space, never a
 * wrong byte.
 */
const SAMPLE_BYTES = 1024;

class PackFiller {
  private readonly buffers: Buffer[];
  private readonly free: number[];
  private wake: (() => void) | undefined;
  private slot = -1;
  private entries: number[] = [];
  size = 0;

  constructor(setup: ScanSetup) {
    this.buffers = setup.packs.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length));
    this.free = this.buffers.map((_, i) => i);
  }

  /** The main thread wrote the pack in buffer `slot`: it can be filled again. */
  giveBack(slot: number): void {
    this.free.push(slot);
    this.wake?.();
    this.wake = undefined;
  }

  /** The buffer to add a block of at most `bound` stored bytes to; a full one is sealed first. */
  async room(bound: number): Promise<Buffer> {
    if (this.slot >= 0) {
      const buffer = this.buffers[this.slot];
      if (this.size + bound + indexLength(this.entries.length / ENTRY_FIELDS + 1) + 4 <= buffer.length) return buffer;
      this.seal();
    }
    while (this.free.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    this.slot = this.free.shift()!;
    return this.buffers[this.slot];
  }

  add(block: number, stored: number, rawLength: number, flags: number): void {
    this.entries.push(block, this.size, stored, rawLength, flags);
    this.size += stored;
  }

  seal(): void {
    if (this.slot < 0) return;
    if (this.entries.length > 0) {
      const entries = Int32Array.from(this.entries);
      const message: ScanMessage = { kind: 'pack', slot: this.slot, size: this.size, entries };
      parentPort!.postMessage(message, [entries.buffer]);
    } else this.free.push(this.slot);
    this.slot = -1;
    this.entries = [];
    this.size = 0;
  }
}

/** The pack buffers of the scan running, if one is. */
let filling: PackFiller | undefined;

/**
 * The thread's own buffers, kept from one scan to the next like the thread itself: an idle
 * thread collects rarely, so a buffer made per scan would stay in memory beside the next one.
 */
const buffers = new Map<string, Buffer>();
function kept(name: string, size: number, make: (size: number) => Buffer): Buffer {
  let buffer = buffers.get(name);
  if (buffer?.length !== size) buffers.set(name, (buffer = make(size)));
  return buffer;
}
const cctx = new binding.CCtx();

async function scan(setup: ScanSetup): Promise<void> {
  const { fd, size, blockSize, chunkSize, level, packTarget } = setup;
  const idFlags = idFlag(setup.idHash);
  const control = new Int32Array(setup.control);
  const table = new IdTable(setup.table);
  const ids = Buffer.from(setup.table.ids);
  const chunk = kept('chunk', chunkSize, Buffer.allocUnsafeSlow);
  const zeros = kept('zeros', blockSize, Buffer.alloc);
  const bound = binding.compressBound(blockSize);
  const sampled = kept('sample', binding.compressBound(SAMPLE_BYTES), Buffer.allocUnsafeSlow);
  const shrinksAt = (raw: Buffer, at: number): boolean => worthIt(cctx.compress(sampled, raw.subarray(at, at + SAMPLE_BYTES), level), SAMPLE_BYTES);
  /** Whether zstd shrinks either sample of `raw`; blocks too small to sample are compressed whole. */
  const mayShrink = (raw: Buffer): boolean => raw.length < 4 * SAMPLE_BYTES || shrinksAt(raw, 0) || shrinksAt(raw, raw.length >> 1);
  const packs = (filling = new PackFiller(setup));
  const dataMap = new Uint8Array(setup.dataBlocks);
  const hasData = (block: number): boolean => ((dataMap[block >> 3] >> (block & 7)) & 1) === 1;
  try {
    while (Atomics.load(control, STOP) === 0) {
      const start = Atomics.add(control, NEXT_CHUNK, 1) * chunkSize;
      if (start >= size) break;
      const length = Math.min(chunkSize, size - start);
      const first = start / blockSize;
      const blocks = Math.ceil(length / blockSize);
      // Runs of blocks holding data are read whole (a hole inside one reads as zeros); blocks
      // wholly in a hole are neither read nor stored.
      let read = 0;
      for (let i = 0; i < blocks; ) {
        if (!hasData(first + i)) {
          i += 1;
          continue;
        }
        let j = i + 1;
        while (j < blocks && hasData(first + j)) j += 1;
        const to = Math.min(length, j * blockSize);
        for (let got = i * blockSize; got < to; ) {
          const n = readSync(fd, chunk, got, to - got, start + got);
          if (n === 0) throw new Error(`source ${setup.source} ended early at byte ${start + got} (it shrank during the backup)`);
          got += n;
        }
        read += to - i * blockSize;
        i = j;
      }
      for (let i = 0; i < blocks; i += 1) {
        if (!hasData(first + i)) continue;
        const at = i * blockSize;
        const raw = chunk.subarray(at, Math.min(length, at + blockSize));
        // All-zero blocks keep the zero id and are never stored: a memcmp is far cheaper than a hash.
        if (raw.equals(zeros.subarray(0, raw.length))) continue;
        const block = first + i;
        ids.set(blockId(raw, idFlags), block * ID_BYTES);
        if (!table.claim(block)) continue;
        const pack = await packs.room(bound);
        const packed = mayShrink(raw) ? cctx.compress(pack.subarray(packs.size, packs.size + bound), raw, level) : raw.length;
        if (worthIt(packed, raw.length)) packs.add(block, packed, raw.length, FLAG_ZSTD | idFlags);
        else {
          copyBytes(pack, raw, packs.size);
          packs.add(block, raw.length, raw.length, idFlags);
        }
        if (packs.size >= packTarget) packs.seal();
      }
      parentPort!.postMessage({ kind: 'chunk', bytes: length, read } satisfies ScanMessage);
    }
    packs.seal();
    parentPort!.postMessage({ kind: 'done' } satisfies ScanMessage);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    parentPort!.postMessage({ kind: 'failed', message: e.message, code: e.code } satisfies ScanMessage);
  } finally {
    filling = undefined;
  }
}

// A thread scans for one backup after another (scanner.ts keeps it between them). A setup starts
// a scan; a number hands back a pack buffer of the scan running. One that comes after its scan
// ended, when the main thread wrote a pack late, is dropped: its buffer belonged to that scan.
parentPort!.on('message', (message: ScanSetup | number) => {
  if (typeof message === 'number') filling?.giveBack(message);
  else void scan(message);
});
