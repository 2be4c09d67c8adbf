/**
 * Scan threads are kept from one backup to the next (src/engine/scanner.ts): a later backup
 * scans on the same threads, backups at once each get their own, and a backup cancelled in its
 * scan leaves threads that scan the next backup right.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { closeEngine, openRepository, runBackup, runRestore } from '../../src/engine/index.js';
import { keptScanThreads } from '../../src/engine/scanner.js';
import { FsBlockStore } from '../../src/stores/fs-store.js';
import { makeVolume, sha256, SMALL, tempDir } from './helpers.js';

after(() => closeEngine());

describe('engine: scan threads kept between backups', () => {
  it('scans a later backup on the threads of the one before, and backups at once each on their own', async (t) => {
    const dir = tempDir(t);
    const store = new FsBlockStore(path.join(dir, 'store'));
    const repo = () => openRepository(store, 'p', SMALL);
    const vols = ['a', 'b', 'c'].map((name) => path.join(dir, `${name}.img`));
    for (const vol of vols) makeVolume(vol, 'rt'.repeat(16));

    await runBackup(repo(), { source: vols[0], backupId: 'a1', volumeId: 'a' });
    const first = keptScanThreads();
    assert.equal(first.length, SMALL.scanThreads, 'the threads of the backup are kept');
    await runBackup(repo(), { source: vols[1], backupId: 'b1', volumeId: 'b' });
    assert.deepEqual(keptScanThreads().sort(), [...first].sort(), 'the second backup scanned on the same threads');

    await Promise.all(vols.map((source, i) => runBackup(repo(), { source, backupId: `x${i}`, volumeId: `v${i}` })));
    assert.ok(keptScanThreads().length >= first.length);
    for (const [i, vol] of vols.entries()) {
      const target = path.join(dir, `x${i}.restored`);
      await runRestore(repo(), { backupId: `x${i}`, target });
      assert.equal(sha256(target), sha256(vol), `backup x${i} restores its own volume`);
    }
  });

  it('scans right on threads whose last backup was cancelled in its scan', async (t) => {
    const dir = tempDir(t);
    const store = new FsBlockStore(path.join(dir, 'store'));
    const repo = () => openRepository(store, 'p', SMALL);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'r'.repeat(64));
    const ctl = new AbortController();
    await assert.rejects(
      runBackup(repo(), { source: vol, backupId: 'cut', volumeId: 'v', signal: ctl.signal, onProgress: (p) => p.percent > 10 && ctl.abort() }),
      /cancelled/,
    );
    await runBackup(repo(), { source: vol, backupId: 'whole', volumeId: 'v' });
    const target = path.join(dir, 'restored.img');
    await runRestore(repo(), { backupId: 'whole', target });
    assert.equal(sha256(target), sha256(vol));
  });
});
