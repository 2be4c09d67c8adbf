/**
 * Garbage collection, mark and sweep. Mark: every block any manifest of the project references.
 * Sweep: packs none of whose blocks are live are deleted, packs mostly dead are rewritten with
 * their live blocks only; index first, then pack, so an index never names a missing pack.
 *
 * What protects a running backup: (1) it writes an in-flight marker before it looks at the
 * index, and gc sweeps nothing while a fresh marker exists (checked again before every
 * deletion); (2) packs younger than the grace period are never touched, so the new blocks of a
 * backup gc cannot see yet survive; (3) before writing its manifest a backup re-reads the index
 * and fails rather than reference a block that vanished.
 */
import { keys, decodeManifest, ID_BYTES, ZERO_ID } from './format.js';
import { idKey, PackWriter, type PackInfo } from './packs.js';
import { unpackInWorker } from './pool.js';
import type { Repository } from './repository.js';

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
  /** Backups found interrupted (their markers were removed). */
  interrupted: string[];
  /** Packs that could not be rewritten because a live block in them is damaged. */
  problems: string[];
}

interface Store {
  removeStaleTemp?(olderThanMs: number): Promise<number>;
}

export async function runGc(repo: Repository, opts: GcOptions = {}): Promise<GcResult> {
  const grace = opts.graceMs ?? 3_600_000;
  const threshold = opts.repackThreshold ?? 0.25;
  const now = (opts.now ?? new Date()).getTime();
  const result: GcResult = {
    skipped: null,
    manifests: 0,
    liveBlocks: 0,
    packsDeleted: 0,
    packsRepacked: 0,
    orphanPacksDeleted: 0,
    bytesFreed: 0,
    bytesRewritten: 0,
    interrupted: [],
    problems: [],
  };
  const running = async (): Promise<string | null> => {
    for (const m of await repo.inflight()) {
      if (now - m.lastHeartbeat.getTime() <= repo.settings.staleAfterMs && Date.now() - m.lastHeartbeat.getTime() <= repo.settings.staleAfterMs) {
        return `backup ${m.backupId} is running`;
      }
    }
    return null;
  };
  for (const m of await repo.inflight()) {
    if (Date.now() - m.lastHeartbeat.getTime() > repo.settings.staleAfterMs) {
      result.interrupted.push(m.backupId);
      await repo.store.delete(m.key);
    }
  }
  if ((result.skipped = await running())) return result;

  // Mark. A manifest that cannot be read stops gc: sweeping on partial knowledge could destroy a backup.
  const live = new Set<string>();
  for await (const o of repo.store.list(keys.manifestsOf(repo.project))) {
    const m = decodeManifest(await repo.store.get(o.key), `manifest ${o.key}`);
    result.manifests += 1;
    for (let i = 0; i < m.header.blockCount; i += 1) {
      const id = m.ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES);
      if (!id.equals(ZERO_ID)) live.add(idKey(id));
    }
  }
  result.liveBlocks = live.size;
  await repo.index.refresh();

  const packSizes = new Map<string, { size: number; modified: Date }>();
  const packsPrefix = keys.packsOf(repo.project);
  for await (const o of repo.store.list(packsPrefix)) packSizes.set(o.key.slice(o.key.lastIndexOf('/') + 1), o);

  const removePack = async (pack: PackInfo): Promise<void> => {
    await repo.store.delete(keys.index(repo.project, pack.id));
    await repo.store.delete(repo.index.packKey(pack.id));
    repo.index.packs.delete(pack.id);
    result.bytesFreed += packSizes.get(pack.id)?.size ?? 0;
  };

  for (const pack of [...repo.index.packs.values()]) {
    if (now - pack.modified.getTime() < grace) continue;
    const liveEntries = pack.entries.filter((e) => {
      const k = idKey(e.id);
      return live.has(k) && repo.index.blocks.get(k)?.pack === pack;
    });
    const total = pack.entries.reduce((s, e) => s + e.length, 0);
    const liveBytes = liveEntries.reduce((s, e) => s + e.length, 0);
    if (liveEntries.length === 0) {
      if ((result.skipped = await running())) return result;
      for (const e of pack.entries) if (repo.index.blocks.get(idKey(e.id))?.pack === pack) repo.index.blocks.delete(idKey(e.id));
      await removePack(pack);
      result.packsDeleted += 1;
      continue;
    }
    if (total === 0 || (total - liveBytes) / total < threshold) continue;
    // Rewrite: copy the live blocks' stored bytes, after checking them, into a new pack.
    const data = await repo.store.get(repo.index.packKey(pack.id));
    const shared = new SharedArrayBuffer(data.length);
    Buffer.from(shared).set(data);
    const check = await unpackInWorker({
      data: shared,
      dataOffset: 0,
      dataLength: data.length,
      output: null,
      entries: liveEntries.map((e) => ({ offset: e.offset, length: e.length, rawLength: e.rawLength, flags: e.flags, id: e.id.toString('hex') })),
    });
    if (check.bad.length) {
      for (const b of check.bad) result.problems.push(`pack ${pack.id}: block ${liveEntries[b.entry].id.toString('hex')} ${b.reason}; pack left as is`);
      continue;
    }
    const writer = new PackWriter(repo.store, repo.project, Number.MAX_SAFE_INTEGER);
    for (const e of liveEntries) await writer.add(e.id, Buffer.from(data.subarray(e.offset, e.offset + e.length)), e.rawLength, e.flags);
    const [fresh] = await writer.finish();
    result.bytesRewritten += writer.bytesWritten;
    repo.index.packs.set(fresh.id, fresh);
    for (const e of fresh.entries) repo.index.blocks.set(idKey(e.id), { pack: fresh, entry: e });
    if ((result.skipped = await running())) return result;
    for (const e of pack.entries) if (repo.index.blocks.get(idKey(e.id))?.pack === pack) repo.index.blocks.delete(idKey(e.id));
    await removePack(pack);
    result.packsRepacked += 1;
  }

  // Packs without an index: written by a backup that died before indexing them.
  for (const [id, o] of packSizes) {
    if (repo.index.packs.has(id) || now - o.modified.getTime() < grace) continue;
    if ((result.skipped = await running())) return result;
    await repo.store.delete(repo.index.packKey(id));
    result.orphanPacksDeleted += 1;
    result.bytesFreed += o.size;
  }
  const store = repo.store as Store;
  if (typeof store.removeStaleTemp === 'function') await store.removeStaleTemp(grace);
  return result;
}
