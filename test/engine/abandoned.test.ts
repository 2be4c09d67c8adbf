/**
 * A backup that fails, is cancelled or dies removes what it wrote: afterwards the store holds
 * only what manifests reference and its in-flight marker is gone, so gc with its default grace
 * finds nothing left and skips nothing. Where another backup runs, the packs wait for it (it may
 * have deduplicated against them) and go when it ends, whatever their age.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { abandonBackup, closeEngine, openRepository, runBackup, runGc, runVerify, type Repository } from '../../src/engine/index.js';
import { FsBlockStore } from '../../src/stores/fs-store.js';
import { filesUnder, makeVolume, repoAt, SMALL, tempDir } from './helpers.js';

after(() => closeEngine());

/** A store whose disk fills once `budget` bytes of packs and indexes were written: writes past it hit /dev/full, a real ENOSPC. */
class FillingStore extends FsBlockStore {
  budget = Infinity;
  packsWritten = 0;
  override async put(key: string, data: Buffer): Promise<void> {
    if (!key.startsWith('inflight/')) {
      this.budget -= data.length;
      if (this.budget < 0) fs.writeFileSync('/dev/full', data);
    }
    await super.put(key, data);
    if (key.startsWith('packs/')) this.packsWritten += 1;
  }
}

/** Keys of the project's packs and indexes. */
async function dataKeys(repo: Repository): Promise<string[]> {
  const out: string[] = [];
  for (const prefix of [`packs/${repo.project}/`, `index/${repo.project}/`]) for await (const o of repo.store.list(prefix)) out.push(o.key);
  return out.sort();
}

async function assertNothingLeft(repo: Repository, expected: string[]): Promise<void> {
  assert.deepEqual(await dataKeys(repo), expected, 'only the packs and indexes of backups with a manifest are left');
  assert.deepEqual(await repo.inflight(), [], 'no in-flight marker is left');
  const gc = await runGc(repo);
  assert.equal(gc.skipped, null);
  assert.deepEqual([gc.packsDeleted, gc.orphanPacksDeleted, gc.bytesFreed], [0, 0, 0], `gc found nothing left to free: ${JSON.stringify(gc)}`);
}

describe('engine: what a backup that does not finish leaves', () => {
  it('a backup failing on a full store (ENOSPC) removes the packs it wrote', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    makeVolume(vol, 'rrtr');
    const ok = repoAt(storeDir);
    await runBackup(ok, { source: vol, backupId: 'before', volumeId: 'v' });
    const kept = await dataKeys(ok);

    makeVolume(vol, 'r'.repeat(64)); // 4 MiB of new blocks: 16 packs of SMALL's size
    const store = new FillingStore(storeDir);
    store.budget = 1024 * 1024;
    await assert.rejects(runBackup(openRepository(store, 'proj-a', SMALL), { source: vol, backupId: 'after', volumeId: 'v' }), /backup after failed: no space left in the store \(ENOSPC\)/);
    assert.ok(store.packsWritten >= 2, `the backup wrote packs before the store filled (${store.packsWritten})`);
    await assertNothingLeft(ok, kept);
    await runVerify(ok, 'before');
  });

  it('a cancelled backup removes the packs it wrote', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    makeVolume(vol, 'r'.repeat(64));
    const store = new FillingStore(storeDir);
    const repo = openRepository(store, 'proj-a', SMALL);
    const ctl = new AbortController();
    await assert.rejects(
      runBackup(repo, { source: vol, backupId: 'cut', volumeId: 'v', signal: ctl.signal, onProgress: (p) => p.percent > 50 && ctl.abort() }),
      /backup cut failed: cancelled/,
    );
    assert.ok(store.packsWritten >= 1, 'the backup wrote packs before it was cancelled');
    await assertNothingLeft(repo, []);
  });

  it('a failed backup beside a running one leaves its packs to the one that ends last, which removes them at once', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    const store = new FillingStore(storeDir);
    const repo = openRepository(store, 'proj-a', SMALL);
    // Another backup of the project runs (its marker is fresh): it may have deduplicated against the failed one's packs.
    const other = 'inflight/proj-a/other';
    await store.put(other, Buffer.from(JSON.stringify({ backupId: 'other', volumeId: 'v2', startedAt: new Date().toISOString() })));
    makeVolume(vol, 'r'.repeat(64));
    store.budget = 1024 * 1024;
    await assert.rejects(runBackup(repo, { source: vol, backupId: 'failed', volumeId: 'v' }), /ENOSPC/);
    const left = await dataKeys(repo);
    assert.ok(left.length > 0, 'the packs stay while the other backup runs');
    assert.equal((await runGc(repo)).skipped, 'backup other is running', 'only the running backup holds gc back');
    assert.deepEqual(await repo.listInterrupted(), []);

    // The other backup ends; the failed one's packs go at once, though younger than gc's grace.
    store.budget = Infinity;
    await store.delete(other);
    makeVolume(vol, 'rt');
    await runBackup(repo, { source: vol, backupId: 'later', volumeId: 'v' });
    const now = await dataKeys(repo);
    assert.deepEqual(
      left.filter((k) => now.includes(k)),
      [],
      'no pack or index of the failed backup is left',
    );
    await assertNothingLeft(repo, now);
    await runVerify(repo, 'later');
  });

  it('a backup whose process was killed: recovery removes what it wrote, and so does gc once its marker is stale', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    makeVolume(vol, 'r'.repeat(512)); // 32 MiB of random blocks
    const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.js');
    /** Runs a backup in a child process and kills it with SIGKILL once it has written packs. */
    // Packs written whole, not the temp files of writes a kill cut.
    const packs = () => (fs.existsSync(storeDir) ? filesUnder(storeDir, /\/dpacks\/.*\/f[^/]+$/).length : 0);
    const killedBackup = async (id: string): Promise<void> => {
      const p = spawn(process.execPath, [child, storeDir, 'backup', vol, id], { stdio: 'ignore' });
      const exited = new Promise((resolve) => p.once('exit', resolve));
      let done = false;
      void exited.then(() => (done = true));
      while (!done && packs() < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      p.kill('SIGKILL');
      await exited;
      assert.equal(p.signalCode, 'SIGKILL', 'the backup was killed before it finished');
      assert.ok(packs() >= 3);
    };

    // Recovery knows the backup's process is dead (its job's lease ran out): its marker is still fresh.
    await killedBackup('killed');
    const repo = repoAt(storeDir, 'crash');
    assert.equal((await runGc(repo)).skipped, 'backup killed is running');
    await abandonBackup(repo, 'killed');
    await assertNothingLeft(repo, []);

    // Without recovery, gc takes it once the marker is stale, without waiting for the grace period.
    await killedBackup('stale');
    const later = repoAt(storeDir, 'crash', { ...SMALL, staleAfterMs: 0 });
    const gc = await runGc(later);
    assert.equal(gc.skipped, null);
    assert.deepEqual(gc.interrupted, ['stale']);
    assert.ok(gc.bytesFreed > 0);
    await assertNothingLeft(later, []);
  });
});
