/**
 * Backup of one volume image: fixed, offset-aligned blocks, read in large chunks, hashed and
 * compressed on the worker threads, deduplicated against the project's blocks; only blocks the
 * store lacks are written. The manifest is written last: a backup without one never happened.
 */
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import { NotFoundError, StoreUnavailableError } from '../stores/block-store.js';
import { BackupExistsError, BackupFailedError, EngineError } from './errors.js';
import { checkName, decodeMarker, encodeManifest, encodeMarker, ID_BYTES, idKeyAt, keys, ZERO_ID, type Manifest, type ManifestHeader, type SourceIdentity } from './format.js';
import { collectAbandoned } from './gc.js';
import { IdTable } from './id-table.js';
import { PackWriter, type BlockLocation } from './packs.js';
import { progressReporter, type ProgressListener } from './progress.js';
import type { Repository } from './repository.js';
import { ScanThreads } from './scanner.js';

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
  const markerBody = (ended = false) => encodeMarker({ backupId, volumeId, startedAt: startedAt.toISOString(), ended });
  await repo.store.put(marker, markerBody());
  // The last refresh is awaited before the marker is ended or removed, so none lands after it.
  let beat: Promise<void> = Promise.resolve();
  const heartbeat = setInterval(() => {
    beat = beat.then(() => repo.store.put(marker, markerBody())).catch(() => undefined);
  }, repo.settings.heartbeatMs);
  heartbeat.unref();
  const stopHeartbeat = async (): Promise<void> => {
    clearInterval(heartbeat);
    await beat;
  };
  // Each scan thread fills one pack while another of its own is written.
  const writer = new PackWriter(repo.store, repo.project, repo.settings.packSize, 2 * repo.settings.scanThreads, backupId);
  let failed = false;
  let handle: fs.FileHandle | undefined;
  let threads: ScanThreads | undefined;
  try {
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
    const unchanged = !opts.fullScan && previous?.header.blockSize === blockSize && sameIdentity(previous.header.source, current);
    // Scan threads start before the index is read, so their start-up overlaps it.
    const work: { reuse: Manifest } | { scan: ScanThreads } = unchanged && previous ? { reuse: previous } : { scan: (threads = new ScanThreads(repo.settings.scanThreads)) };
    await repo.index.refresh();
    if ('reuse' in work) {
      ids = work.reuse.ids;
      reusedFrom = work.reuse.header.backupId;
    } else {
      const table = IdTable.create(repo.index.knownIds(), blockCount);
      const { settings } = repo;
      const scanned = await work.scan.scan({
        fd: handle.fd,
        source: opts.source,
        size,
        blockSize,
        chunkSize: settings.chunkSize,
        level: settings.level,
        packTarget: settings.packSize,
        table,
        idHash: repo.index.idHash(settings.newIdHash),
        store: repo.store,
        writer,
        signal: opts.signal,
        onChunk: (done, read) => report(done, read, writer.bytesWritten),
      });
      ids = Buffer.from(table.ids);
      bytesRead = scanned.bytesRead;
      bytesNew = scanned.bytesNew;
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
      // Compared and keyed in place: a view per block is garbage the size of the manifest.
      if (ids.compare(ZERO_ID, 0, ID_BYTES, i * ID_BYTES, (i + 1) * ID_BYTES) === 0) continue;
      bytesAllocated += Math.min(blockSize, size - i * blockSize);
      const loc = repo.index.blocks.get(idKeyAt(ids, i * ID_BYTES));
      if (!loc) throw new EngineError(`block ${ids.toString('hex', i * ID_BYTES, (i + 1) * ID_BYTES)} at offset ${i * blockSize} vanished from the store while the backup ran (garbage collection?); run the backup again`);
      if (!counted.has(loc)) {
        counted.add(loc);
        bytesReferenced += loc.entry.length;
      }
    }
    const after = await handle.stat({ bigint: true });
    // Holes are not read, so a shrink shows here rather than as a short read.
    if (Number(after.size) < size) throw new EngineError(`source ${opts.source} shrank during the backup (from ${size} to ${after.size} bytes)`);
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
    // Declared dead meanwhile (recovery, or gc finding the marker stale), its packs may be gone.
    const own = await repo.store.get(marker).then(decodeMarker, (err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    if (!own || own.ended) throw new EngineError(`the backup was declared dead while it ran (its in-flight marker ${own ? 'ended' : 'vanished or is unreadable'}); run it again`);
    await repo.store.put(keys.manifest(repo.project, volumeId, backupId), encodeManifest(manifest));
    report(size, bytesRead, writer.bytesWritten, true);
    return { header, unchangedShortcut: reusedFrom !== null };
  } catch (err) {
    failed = true;
    threads?.close();
    await writer.abandon().catch(() => undefined);
    await stopHeartbeat();
    await abandonBackup(repo, backupId, markerBody(true)).catch(() => undefined);
    throw new BackupFailedError(backupId, reasonOf(err), err);
  } finally {
    threads?.close();
    await stopHeartbeat();
    await handle?.close().catch(() => undefined);
    if (!failed) {
      await repo.store.delete(marker).catch(() => undefined);
      // Backups that failed while this one ran left their packs to whichever ends last.
      await collectAbandoned(repo).catch(() => undefined);
    }
  }
}

/**
 * A backup that will never finish (it failed, or recovery found its process dead) removes what
 * it wrote: its marker rewritten as ended first (a crash from here on leaves the rest to gc, the
 * end of the next backup or recovery, none of which waits for the grace period then), its
 * manifest if one landed, the packs named after it that no manifest needs, then the marker. A
 * store too full to take the ended marker still has the running one, whose heartbeat has
 * stopped: this collection knows better, and anyone else sees it go stale. While another backup
 * of the project runs, the packs and the ended marker stay for whichever ends last.
 */
export async function abandonBackup(repo: Repository, backupId: string, endedMarker?: Buffer): Promise<void> {
  checkName('backup id', backupId);
  const marker = keys.inflight(repo.project, backupId);
  const body = endedMarker ?? encodeMarker({ backupId, volumeId: '', startedAt: '', ended: true });
  await repo.store.put(marker, body).catch(() => undefined);
  const manifest = await repo.findManifestKey(backupId);
  if (manifest) await repo.store.delete(manifest);
  await collectAbandoned(repo, [backupId]);
}
