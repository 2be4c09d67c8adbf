/**
 * Garbage collection, mark and sweep. Mark: every block any manifest of the project references.
 * Sweep: packs none of whose blocks are live are deleted, packs mostly dead are rewritten with
 * their live blocks only; index first, then pack, so an index never names a missing pack.
 *
 * What protects a running backup: (1) it writes an in-flight marker before it looks at the
 * index, and gc sweeps nothing while a running marker exists (checked again before every
 * deletion); (2) packs younger than the grace period are never touched, so the new blocks of a
 * backup gc cannot see yet survive; (3) before writing its manifest a backup re-reads the index
 * and its own marker, and fails rather than reference a block that vanished.
 *
 * The grace protects running backups, not dead ones: the packs of a backup whose marker has
 * ended (it failed, was cancelled, or recovery found its process dead) or gone stale are named
 * after it, and are collected at once, whatever their age, once no backup runs (a running one
 * may have deduplicated against them). `collectAbandoned` does only that part, cheaply, for the
 * backup that fails and for recovery.
 */
import { copyBytes } from '../common/bytes.js';
import { decodeManifest, encodeMarker, entryKey, ID_BYTES, idKey, indexLength, keys, packOwner, ZERO_ID } from './format.js';
import { PackWriter, type PackInfo } from './packs.js';
import { unpackInWorker } from './pool.js';
import { UnpackEntries } from './unpack-protocol.js';
import type { InflightBackup, Repository } from './repository.js';
import { NotFoundError } from '../stores/block-store.js';

export interface GcOptions {
  /** Packs written less than this long ago are left alone (default one hour). */
  graceMs?: number;
  /** A pack is rewritten when at least this share of its bytes is dead (default 0.25). */
  repackThreshold?: number;
  now?: Date;
}

export interface GcResult {
  /** Why nothing was swept (a backup is running), else null. */
  skipped: string | null;
  manifests: number;
  liveBlocks: number;
  packsDeleted: number;
  packsRepacked: number;
  orphanPacksDeleted: number;
  bytesFreed: number;
  bytesRewritten: number;
  /** Backups that ended without a manifest, or whose process died, cleared: their packs collected, their markers removed. */
  interrupted: string[];
  /** Packs that could not be rewritten because a live block in them is damaged. */
  problems: string[];
}

interface Store {
  removeStaleTemp?(olderThanMs: number): Promise<number>;
}

/** The buffers gc rewrites packs through: a whole old pack (shared with the worker that checks it) and the new one. */
class RewriteBuffers {
  private input: Buffer | undefined;
  private out: Buffer | undefined;

  constructor(private readonly repo: Repository) {}

  private allocate(size: number): Buffer {
    return this.repo.store.allocate?.(size, { shared: true }) ?? Buffer.from(new SharedArrayBuffer(size));
  }

  /** The stored bytes of a pack, in shared memory. */
  async read(packId: string, size: number | undefined): Promise<Buffer> {
    const key = this.repo.index.packKey(packId);
    const { store } = this.repo;
    let data: Buffer;
    if (size !== undefined && store.getRange) {
      if (!this.input || this.input.length < size) this.input = this.allocate(size);
      data = await store.getRange(key, 0, size, this.input);
    } else data = await store.get(key);
    if (data.buffer instanceof SharedArrayBuffer) return data;
    // A store that read into memory of its own.
    const shared = Buffer.from(new SharedArrayBuffer(data.length));
    copyBytes(shared, data);
    return shared;
  }

  output(size: number): Buffer {
    if (!this.out || this.out.length < size) this.out = this.allocate(size);
    return this.out;
  }
}

export async function runGc(repo: Repository, opts: GcOptions = {}): Promise<GcResult> {
  return sweep(repo, opts, { abandonedOnly: false, dead: [] });
}

/**
 * Collects only what backups that will never write a manifest left: the packs named after a
 * backup whose marker ended or went stale (and after the backups in `dead`, whose markers may
 * still look running: the caller knows better) that no manifest needs, whatever their age;
 * then their markers. Nothing while another backup runs: it may have deduplicated against
 * those packs. Then the markers stay, and the next collection (gc, or the end of a backup) does it.
 */
export async function collectAbandoned(repo: Repository, dead: string[] = []): Promise<GcResult> {
  return sweep(repo, {}, { abandonedOnly: true, dead });
}

function emptyResult(): GcResult {
  return { skipped: null, manifests: 0, liveBlocks: 0, packsDeleted: 0, packsRepacked: 0, orphanPacksDeleted: 0, bytesFreed: 0, bytesRewritten: 0, interrupted: [], problems: [] };
}

async function sweep(repo: Repository, opts: GcOptions, scope: { abandonedOnly: boolean; dead: string[] }): Promise<GcResult> {
  const grace = opts.graceMs ?? 3_600_000;
  const threshold = opts.repackThreshold ?? 0.25;
  const nowDate = opts.now ?? new Date();
  const now = nowDate.getTime();
  const result = emptyResult();
  const declaredDead = new Set(scope.dead);
  const running = async (): Promise<string | null> => {
    for (const m of await repo.inflight()) {
      if (!declaredDead.has(m.backupId) && repo.running(m, nowDate)) return `backup ${m.backupId} is running`;
    }
    return null;
  };
  const markers = await repo.inflight();
  const dead = markers.filter((m) => declaredDead.has(m.backupId) || !repo.running(m, nowDate));
  const deadOwners = new Set([...scope.dead, ...dead.map((m) => m.backupId)]);
  if ((result.skipped = await running())) return result;
  if (scope.abandonedOnly && deadOwners.size === 0) return result;
  // A stale marker may belong to a backup that is only paused: ended first, it finds out before
  // writing a manifest that its packs may be gone (and fails) instead of trusting them.
  for (const m of dead) if (!m.ended) await endMarker(repo, m);
  const ownedByDead = (packId: string): boolean => deadOwners.has(packOwner(packId) ?? '');

  // Listed before the mark and the index: a pack written since is not looked at, and one whose
  // index appears later than the listing is seen with it.
  const packSizes = new Map<string, { size: number; modified: Date }>();
  const packsPrefix = keys.packsOf(repo.project);
  for await (const o of repo.store.list(packsPrefix)) packSizes.set(o.key.slice(o.key.lastIndexOf('/') + 1), o);
  const clearMarkers = async (): Promise<GcResult> => {
    for (const m of dead) {
      if ((result.skipped = await running())) return result;
      await repo.store.delete(m.key);
      result.interrupted.push(m.backupId);
    }
    return result;
  };
  if (scope.abandonedOnly && ![...packSizes.keys()].some(ownedByDead)) return clearMarkers();

  // Mark. A manifest that cannot be read stops gc: sweeping on partial knowledge could destroy a
  // backup. One deleted since the listing (another delete's gc runs beside this one) holds
  // nothing live any more: it is passed over, not an error.
  const live = new Set<string>();
  for await (const o of repo.store.list(keys.manifestsOf(repo.project))) {
    const bytes = await repo.store.get(o.key).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    if (!bytes) continue;
    const m = decodeManifest(bytes, `manifest ${o.key}`);
    result.manifests += 1;
    for (let i = 0; i < m.header.blockCount; i += 1) {
      const id = m.ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES);
      if (!id.equals(ZERO_ID)) live.add(idKey(id));
    }
  }
  result.liveBlocks = live.size;
  await repo.index.refresh();

  // Rewritten packs go through one writer and two buffers reused from pack to pack.
  const writer = new PackWriter(repo.store, repo.project, repo.settings.packSize);
  const rewriteBuffers = new RewriteBuffers(repo);

  const removePack = async (pack: PackInfo): Promise<void> => {
    await repo.store.delete(keys.index(repo.project, pack.id));
    await repo.store.delete(repo.index.packKey(pack.id));
    repo.index.packs.delete(pack.id);
    result.bytesFreed += packSizes.get(pack.id)?.size ?? 0;
    packSizes.delete(pack.id); // gone: not an orphan to delete (and count) again below
  };

  for (const pack of [...repo.index.packs.values()]) {
    const exempt = ownedByDead(pack.id);
    if (exempt ? false : scope.abandonedOnly || now - pack.modified.getTime() < grace) continue;
    const liveEntries = pack.entries.filter((e) => {
      const k = entryKey(e);
      return live.has(k) && repo.index.blocks.get(k)?.pack === pack;
    });
    const total = pack.entries.reduce((s, e) => s + e.length, 0);
    const liveBytes = liveEntries.reduce((s, e) => s + e.length, 0);
    if (liveEntries.length === 0) {
      if ((result.skipped = await running())) return result;
      for (const e of pack.entries) if (repo.index.blocks.get(entryKey(e))?.pack === pack) repo.index.blocks.delete(entryKey(e));
      await removePack(pack);
      result.packsDeleted += 1;
      continue;
    }
    if (scope.abandonedOnly || total === 0 || (total - liveBytes) / total < threshold) continue;
    // Rewrite: copy the live blocks' stored bytes, after checking them, into a new pack.
    const packed = await rewriteBuffers.read(pack.id, packSizes.get(pack.id)?.size);
    const toCheck = new UnpackEntries(liveEntries.length);
    for (const e of liveEntries) toCheck.add(e, 0, e.offset);
    const check = await unpackInWorker({ reads: [{ data: packed.buffer as SharedArrayBuffer, offset: packed.byteOffset, length: packed.length }], output: null }, toCheck);
    if (check.bad.length) {
      for (const b of check.bad) result.problems.push(`pack ${pack.id}: block ${liveEntries[b.entry].id.toString('hex')} ${b.reason}; pack left as is`);
      continue;
    }
    const out = rewriteBuffers.output(liveBytes + indexLength(liveEntries.length) + 4);
    let size = 0;
    const entries = liveEntries.map((e) => {
      copyBytes(out, packed.subarray(e.offset, e.offset + e.length), size);
      const moved = { id: e.id, offset: size, length: e.length, rawLength: e.rawLength, flags: e.flags };
      size += e.length;
      return moved;
    });
    const writtenBefore = writer.bytesWritten;
    await writer.write(out, size, entries, () => undefined);
    const fresh = (await writer.finish()).at(-1)!;
    result.bytesRewritten += writer.bytesWritten - writtenBefore;
    repo.index.packs.set(fresh.id, fresh);
    for (const e of fresh.entries) repo.index.blocks.set(entryKey(e), { pack: fresh, entry: e });
    if ((result.skipped = await running())) return result;
    for (const e of pack.entries) if (repo.index.blocks.get(entryKey(e))?.pack === pack) repo.index.blocks.delete(entryKey(e));
    await removePack(pack);
    result.packsRepacked += 1;
  }

  // Packs without an index: written by a backup that died before indexing them.
  for (const [id, o] of packSizes) {
    if (repo.index.packs.has(id)) continue;
    if (ownedByDead(id) ? false : scope.abandonedOnly || now - o.modified.getTime() < grace) continue;
    if ((result.skipped = await running())) return result;
    await repo.store.delete(repo.index.packKey(id));
    result.orphanPacksDeleted += 1;
    result.bytesFreed += o.size;
  }
  if (!scope.abandonedOnly) {
    const store = repo.store as Store;
    // A temp file is a write in progress until it is older than a live writer's heartbeat
    // window, whatever the grace asked for: a grace of 0 must not cut a running put short.
    if (typeof store.removeStaleTemp === 'function') await store.removeStaleTemp(Math.max(grace, repo.settings.staleAfterMs));
  }
  return clearMarkers();
}

/** Rewrites a marker as ended; a store too full to take it still has the stale marker, which says as much. */
async function endMarker(repo: Repository, m: InflightBackup): Promise<void> {
  await repo.store.put(m.key, encodeMarker({ backupId: m.backupId, volumeId: m.volumeId, startedAt: m.startedAt, ended: true })).catch(() => undefined);
}
