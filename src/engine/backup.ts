/**
 * Backup of one volume image: fixed, offset-aligned blocks, read in large chunks, hashed and
 * compressed on the worker threads, deduplicated against the project's blocks; only blocks the
 * store lacks are written. The manifest is written last: a backup without one never happened.
 */
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import { StoreUnavailableError } from '../stores/block-store.js';
import { BackupExistsError, BackupFailedError, EngineError } from './errors.js';
import { checkName, encodeManifest, ID_BYTES, keys, ZERO_ID, type Manifest, type ManifestHeader, type SourceIdentity } from './format.js';
import { idKey, PackWriter, type BlockLocation } from './packs.js';
import { compressInWorker, hashInWorker } from './pool.js';
import { progressReporter, type ProgressListener } from './progress.js';
import type { Repository } from './repository.js';
import { compressBoundTotal } from './worker.js';

export interface BackupOptions {
  /** Path of the raw image (a file, possibly sparse) of the volume or snapshot. */
  source: string;
  backupId: string;
  volumeId: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Read every block even when the source looks unchanged since the volume's last backup. */
  fullScan?: boolean;
}

export interface BackupResult {
  header: ManifestHeader;
  /** Every block of the previous backup was reused without reading the source. */
  unchangedShortcut: boolean;
}

/**
 * A write lands with the file system's coarse clock, so one made just after our stat can carry
 * the same timestamp as the one we saw. Trusting the identity only when the last change is
 * older than the timestamp granularity (a jiffy where nanoseconds are kept, up to 2 s on file
 * systems keeping whole seconds) makes any later write show as a different ctime.
 */
function settledMarginNs(st: BigIntStats): bigint {
  const fine = st.ctimeNs % 1_000_000_000n !== 0n || st.mtimeNs % 1_000_000_000n !== 0n;
  return fine ? 1_000_000_000n : 3_000_000_000n;
}

function identityOf(st: BigIntStats): SourceIdentity {
  return { dev: String(st.dev), ino: String(st.ino), size: Number(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
}

function sameIdentity(a: SourceIdentity | null, b: SourceIdentity): boolean {
  return !!a && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

function reasonOf(err: unknown): string {
  if (err instanceof StoreUnavailableError || err instanceof EngineError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return 'cancelled';
  if (e?.code === 'ENOSPC') return `no space left in the store (ENOSPC): ${e.message}`;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES') return `cannot read the source: ${e.message}`;
  return e?.message ?? String(err);
}

export async function runBackup(repo: Repository, opts: BackupOptions): Promise<BackupResult> {
  const { backupId, volumeId } = opts;
  checkName('backup id', backupId);
  checkName('volume id', volumeId);
  if (await repo.findManifestKey(backupId)) throw new BackupExistsError(backupId);
  const startedAt = new Date();
  const startNs = BigInt(startedAt.getTime()) * 1_000_000n;
  const marker = keys.inflight(repo.project, backupId);
  const markerBody = () =>
    Buffer.from(JSON.stringify({ backupId, volumeId, pid: process.pid, host: os.hostname(), startedAt: startedAt.toISOString(), heartbeat: new Date().toISOString() }));
  await repo.store.put(marker, markerBody());
  const heartbeat = setInterval(() => void repo.store.put(marker, markerBody()).catch(() => undefined), repo.settings.heartbeatMs);
  heartbeat.unref();
  const writer = new PackWriter(repo.store, repo.project, repo.settings.packSize);
  let handle: fs.FileHandle | undefined;
  try {
    await repo.index.refresh();
    const previous = await repo.latestManifest(volumeId);
    handle = await fs.open(opts.source, 'r');
    const before = await handle.stat({ bigint: true });
    if (!before.isFile()) throw new EngineError(`source ${opts.source} is not a regular file`);
    const size = Number(before.size);
    const blockSize = repo.settings.blockSize;
    const blockCount = Math.ceil(size / blockSize);
    const report = progressReporter('backup', size, opts.onProgress);

    let ids: Buffer;
    let bytesRead = 0;
    let bytesNew = 0;
    let reusedFrom: string | null = null;
    const current = identityOf(before);
    if (!opts.fullScan && previous && previous.header.blockSize === blockSize && sameIdentity(previous.header.source, current)) {
      ids = previous.ids;
      reusedFrom = previous.header.backupId;
    } else {
      ids = Buffer.alloc(blockCount * ID_BYTES);
      const fresh = new Set<string>();
      const chunkSize = repo.settings.chunkSize;
      const chunks = Math.ceil(size / chunkSize);
      let next = 0;
      let done = 0;
      const lane = async (): Promise<void> => {
        const shared = new SharedArrayBuffer(chunkSize);
        const view = Buffer.from(shared);
        const output = new SharedArrayBuffer(compressBoundTotal(chunkSize, blockSize));
        const stored = Buffer.from(output);
        while (next < chunks) {
          const c = next++;
          opts.signal?.throwIfAborted();
          const start = c * chunkSize;
          const length = Math.min(chunkSize, size - start);
          let got = 0;
          while (got < length) {
            const { bytesRead: n } = await handle!.read(view, got, length - got, start + got);
            if (n === 0) throw new EngineError(`source ${opts.source} ended early at byte ${start + got} (it shrank during the backup)`);
            got += n;
          }
          bytesRead += length;
          const hashes = await hashInWorker({ buffer: shared, length, blockSize });
          const first = start / blockSize;
          ids.set(hashes, first * ID_BYTES);
          const offsets: number[] = [];
          const lengths: number[] = [];
          const newIds: Buffer[] = [];
          for (let i = 0; i * blockSize < length; i += 1) {
            const id = Buffer.from(hashes.buffer, hashes.byteOffset + i * ID_BYTES, ID_BYTES);
            if (id.equals(ZERO_ID)) continue;
            const k = idKey(id);
            if (repo.index.blocks.has(k) || fresh.has(k)) continue;
            fresh.add(k);
            offsets.push(i * blockSize);
            lengths.push(Math.min(blockSize, length - i * blockSize));
            newIds.push(Buffer.from(id));
          }
          if (offsets.length) {
            const packed = await compressInWorker({ buffer: shared, offsets, lengths, output, level: repo.settings.level });
            let p = 0;
            for (let j = 0; j < offsets.length; j += 1) {
              const compressed = packed.flags[j] !== 0;
              const bytes = compressed ? stored.subarray(p, p + packed.sizes[j]) : view.subarray(offsets[j], offsets[j] + lengths[j]);
              if (compressed) p += packed.sizes[j];
              await writer.add(newIds[j], bytes, lengths[j], packed.flags[j]);
              bytesNew += lengths[j];
            }
          }
          done += length;
          report(done, bytesRead, writer.bytesWritten);
        }
      };
      await Promise.all(Array.from({ length: repo.settings.readAhead }, lane));
    }
    opts.signal?.throwIfAborted();
    for (const pack of await writer.finish()) repo.index.add(pack);
    // Blocks this backup relies on but did not write must still be there: gc may have run.
    await repo.index.refresh();
    let bytesAllocated = 0;
    let bytesReferenced = 0;
    // Locations, not id strings: a set of references costs a fraction of a set of 32-byte keys.
    const counted = new Set<BlockLocation>();
    for (let i = 0; i < blockCount; i += 1) {
      const id = ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES);
      if (id.equals(ZERO_ID)) continue;
      bytesAllocated += Math.min(blockSize, size - i * blockSize);
      const loc = repo.index.blocks.get(idKey(id));
      if (!loc) throw new EngineError(`block ${id.toString('hex')} at offset ${i * blockSize} vanished from the store while the backup ran (garbage collection?); run the backup again`);
      if (!counted.has(loc)) {
        counted.add(loc);
        bytesReferenced += loc.entry.length;
      }
    }
    const after = await handle.stat({ bigint: true });
    const margin = settledMarginNs(before);
    const settled = before.ctimeNs + margin < startNs && before.mtimeNs + margin < startNs;
    const source = sameIdentity(identityOf(after), current) && settled ? current : null;
    const header: ManifestHeader = {
      format: 1,
      backupId,
      project: repo.project,
      volumeId,
      volumeSize: size,
      blockSize,
      blockCount,
      type: previous ? 'incremental' : 'full',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      bytesRead,
      bytesAllocated,
      bytesNew,
      bytesStored: writer.bytesWritten,
      bytesReferenced,
      source,
      reusedFrom,
    };
    const manifest: Manifest = { header, ids };
    await repo.store.put(keys.manifest(repo.project, volumeId, backupId), encodeManifest(manifest));
    report(size, bytesRead, writer.bytesWritten, true);
    return { header, unchangedShortcut: reusedFrom !== null };
  } catch (err) {
    await writer.abandon().catch(() => undefined);
    if (err instanceof BackupExistsError) throw err;
    throw new BackupFailedError(backupId, reasonOf(err), err);
  } finally {
    clearInterval(heartbeat);
    await handle?.close().catch(() => undefined);
    await repo.store.delete(marker).catch(() => undefined);
  }
}
