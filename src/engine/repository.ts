/**
 * One project's namespace in a block store: its manifests, packs and indexes. The engine's
 * operations (runBackup, runRestore, runVerify, runGc) are functions taking a Repository, which
 * depends on none of them: each builds on it, and none is tied to the others through it.
 */
import os from 'node:os';
import type { BlockStore } from '../stores/block-store.js';
import { NotFoundError } from '../stores/block-store.js';
import type { IdHash } from './block-id.js';
import { BackupNotFoundError } from './errors.js';
import { checkName, decodeManifest, decodeMarker, keys, type Manifest, type ManifestHeader } from './format.js';
import { sharedPackIndex } from './index-cache.js';
import type { PackIndex } from './packs.js';

export interface EngineSettings {
  /** Bytes per block; see docs/engine.md for why 64 KiB. */
  blockSize: number;
  /** A pack is written once it holds this many stored bytes. */
  packSize: number;
  /** zstd level. */
  level: number;
  /** Bytes read from the source at once (a multiple of blockSize). */
  chunkSize: number;
  /** Threads scanning the source (each reads, hashes and compresses a chunk at a time, filling packs of its own): bounds memory. */
  scanThreads: number;
  /** How often a running backup refreshes its in-flight marker. */
  heartbeatMs: number;
  /** A marker not refreshed for this long belongs to an interrupted backup. */
  staleAfterMs: number;
  /** How a project that holds no SHA-256 blocks names new ones (block-id.ts); one that does keeps SHA-256. */
  newIdHash: IdHash;
}

export const DEFAULT_SETTINGS: EngineSettings = {
  blockSize: 64 * 1024,
  packSize: 8 * 1024 * 1024,
  level: 1,
  chunkSize: 4 * 1024 * 1024,
  scanThreads: Math.max(1, Math.min(4, os.availableParallelism())),
  heartbeatMs: 60_000,
  staleAfterMs: 10 * 60_000,
  newIdHash: 'blake3',
};

export interface InterruptedBackup {
  backupId: string;
  volumeId: string;
  startedAt: string;
  lastHeartbeat: Date;
}

export interface InflightBackup extends InterruptedBackup {
  key: string;
  /** The backup ended without a manifest: it no longer runs, whatever the marker's age. */
  ended: boolean;
}

export class Repository {
  readonly index: PackIndex;
  readonly settings: EngineSettings;

  constructor(
    readonly store: BlockStore,
    readonly project: string,
    settings: Partial<EngineSettings> = {},
  ) {
    checkName('project key', project);
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    if (this.settings.chunkSize % this.settings.blockSize !== 0) throw new Error('chunkSize must be a multiple of blockSize');
    this.index = sharedPackIndex(store, project);
  }

  /** Removes the backup's manifest; its blocks stay until gc finds no other backup needs them. */
  async deleteBackup(backupId: string): Promise<void> {
    const key = await this.findManifestKey(backupId);
    if (!key) throw new BackupNotFoundError(backupId);
    await this.store.delete(key);
  }

  async findManifestKey(backupId: string): Promise<string | undefined> {
    checkName('backup id', backupId);
    for await (const o of this.store.list(keys.manifestsOf(this.project))) {
      if (o.key.endsWith(`/${backupId}`)) return o.key;
    }
    return undefined;
  }

  async readManifest(backupId: string): Promise<Manifest> {
    const key = await this.findManifestKey(backupId);
    if (!key) throw new BackupNotFoundError(backupId);
    return this.readManifestAt(key, backupId);
  }

  private async readManifestAt(key: string, backupId: string): Promise<Manifest> {
    try {
      return decodeManifest(await this.store.get(key), `manifest of backup ${backupId} (${key})`);
    } catch (err) {
      if (err instanceof NotFoundError) throw new BackupNotFoundError(backupId);
      throw err;
    }
  }

  /** Headers of every backup of the project (optionally of one volume): the catalogue, from the store alone. */
  async listManifests(volumeId?: string): Promise<ManifestHeader[]> {
    const prefix = volumeId ? keys.manifestsOfVolume(this.project, checkName('volume id', volumeId)) : keys.manifestsOf(this.project);
    const out: ManifestHeader[] = [];
    for await (const o of this.store.list(prefix)) {
      const backupId = o.key.slice(o.key.lastIndexOf('/') + 1);
      try {
        out.push((await this.readManifestAt(o.key, backupId)).header);
      } catch (err) {
        if (!(err instanceof BackupNotFoundError)) throw err;
      }
    }
    return out.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  }

  /** The volume's newest backup, by store time. */
  async latestManifest(volumeId: string): Promise<Manifest | undefined> {
    let newest: { key: string; modified: Date } | undefined;
    for await (const o of this.store.list(keys.manifestsOfVolume(this.project, volumeId))) {
      if (!newest || o.modified > newest.modified) newest = o;
    }
    if (!newest) return undefined;
    try {
      return await this.readManifestAt(newest.key, newest.key.slice(newest.key.lastIndexOf('/') + 1));
    } catch (err) {
      if (err instanceof BackupNotFoundError) return undefined;
      throw err;
    }
  }

  /** Backups that started and neither finished nor failed cleanly (their process died). */
  async listInterrupted(now = new Date()): Promise<InterruptedBackup[]> {
    return (await this.inflight()).filter((m) => !m.ended && !this.fresh(m, now));
  }

  /** Every in-flight marker: running, stale or ended. */
  async inflight(): Promise<InflightBackup[]> {
    const out: InflightBackup[] = [];
    for await (const o of this.store.list(keys.inflightOf(this.project))) {
      const fromKey = o.key.slice(o.key.lastIndexOf('/') + 1);
      // Unreadable or just removed: still a marker by its key, and a running one until it goes stale.
      const body = await this.store.get(o.key).then(decodeMarker, () => null);
      out.push({
        key: o.key,
        backupId: fromKey,
        volumeId: body?.volumeId ?? '',
        startedAt: body?.startedAt ?? '',
        lastHeartbeat: o.modified,
        ended: body?.ended ?? false,
      });
    }
    return out;
  }

  /** Refreshed within `staleAfterMs` (of `now` and of this moment alike, so a `now` in the future cannot make a marker look stale). */
  fresh(marker: InterruptedBackup, now = new Date()): boolean {
    const age = Math.max(now.getTime(), Date.now()) - marker.lastHeartbeat.getTime();
    return age <= this.settings.staleAfterMs;
  }

  /** The marker of a backup that may still write packs and read the index: gc and collection wait for it. */
  running(marker: InflightBackup, now = new Date()): boolean {
    return !marker.ended && this.fresh(marker, now);
  }
}

export function openRepository(store: BlockStore, projectKey: string, settings: Partial<EngineSettings> = {}): Repository {
  return new Repository(store, projectKey, settings);
}

/** Every manifest key of every project with this backup id (for tools that know only the id). */
export async function findBackupProject(store: BlockStore, backupId: string): Promise<string | undefined> {
  checkName('backup id', backupId);
  for await (const o of store.list('manifests/')) {
    const parts = o.key.split('/');
    if (parts.length === 4 && parts[3] === backupId) return parts[1];
  }
  return undefined;
}

/** Project keys that have anything in the store. */
export async function listProjects(store: BlockStore): Promise<string[]> {
  const found = new Set<string>();
  for (const kind of ['manifests/', 'index/', 'inflight/']) {
    for await (const o of store.list(kind)) found.add(o.key.split('/')[1]);
  }
  return [...found].sort();
}
