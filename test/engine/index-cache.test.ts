/**
 * A project's pack index is kept between jobs: the next job reads only the index objects it has
 * not seen, and the kept index follows what others do to the store (another node's packs, gc's
 * removals).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { closeEngine, openRepository, runBackup, runGc, runRestore } from '../../src/engine/index.js';
import { keys } from '../../src/engine/format.js';
import { sharedPackIndex } from '../../src/engine/index-cache.js';
import { FsBlockStore } from '../../src/stores/fs-store.js';
import { makeVolume, scribble, sha256, SMALL, tempDir } from './helpers.js';

after(() => closeEngine());

/** A store that counts the index objects read from it. */
class CountingStore extends FsBlockStore {
  indexReads = 0;
  override async get(key: string): Promise<Buffer> {
    if (key.startsWith('index/')) this.indexReads += 1;
    return super.get(key);
  }
}

describe('engine: pack indexes kept between jobs', () => {
  it('a second backup reads only the index objects written since the first, and restores what the kept index names', async (t) => {
    const dir = tempDir(t);
    const store = new CountingStore(path.join(dir, 'store'));
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'r'.repeat(64));
    await runBackup(openRepository(store, 'p', SMALL), { source: vol, backupId: 'b1', volumeId: 'v' });
    const packs = sharedPackIndex(store, 'p').packs.size;
    assert.ok(packs > 10, `the project has ${packs} packs`);

    store.indexReads = 0;
    scribble(vol, 3);
    // A change older than the timestamp granularity, as a volume backed up a while after its last write.
    const past = new Date(Date.now() - 5000);
    fs.utimesSync(vol, past, past);
    await runBackup(openRepository(store, 'p', SMALL), { source: vol, backupId: 'b2', volumeId: 'v' });
    assert.ok(store.indexReads <= 3, `the second backup read ${store.indexReads} index objects, not the project's ${packs}`);

    const target = path.join(dir, 'restored.img');
    await runRestore(openRepository(store, 'p', SMALL), { backupId: 'b2', target });
    assert.equal(sha256(target), sha256(vol));
  });

  it("sees another node's packs and forgets what gc removed", async (t) => {
    const dir = tempDir(t);
    const root = path.join(dir, 'store');
    const here = new FsBlockStore(root);
    const there = new FsBlockStore(root); // another process on the same store
    const a = path.join(dir, 'a.img');
    const b = path.join(dir, 'b.img');
    makeVolume(a, 'r'.repeat(16));
    makeVolume(b, 'r'.repeat(16));
    await runBackup(openRepository(here, 'p', SMALL), { source: a, backupId: 'ba', volumeId: 'va' });
    const kept = sharedPackIndex(here, 'p');
    const before = kept.packs.size;

    await runBackup(openRepository(there, 'p', SMALL), { source: b, backupId: 'bb', volumeId: 'vb' });
    await kept.refresh();
    assert.ok(kept.packs.size > before, "the other node's packs are seen");
    const target = path.join(dir, 'b-restored.img');
    await runRestore(openRepository(here, 'p', SMALL), { backupId: 'bb', target });
    assert.equal(sha256(target), sha256(b));

    // Gc on the other node, after b's backup is deleted there: its packs go from the store and from the kept index.
    await openRepository(there, 'p', SMALL).deleteBackup('bb');
    await runGc(openRepository(there, 'p', SMALL), { graceMs: 0 });
    await kept.refresh();
    assert.equal(kept.packs.size, before);
    for (const id of kept.packs.keys()) await here.get(keys.index('p', id)); // every pack it keeps is still in the store
  });

  it('drops the least recently used projects past its bound, never the one asked for', async (t) => {
    const dir = tempDir(t);
    const store = new FsBlockStore(path.join(dir, 'store'));
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'r'.repeat(8));
    for (const p of ['p1', 'p2']) await runBackup(openRepository(store, p, SMALL), { source: vol, backupId: `b-${p}`, volumeId: 'v' });
    const p1 = sharedPackIndex(store, 'p1');
    const p2 = sharedPackIndex(store, 'p2');
    assert.ok(p1.size > 0 && p2.size > 0);
    assert.equal(sharedPackIndex(store, 'p1'), p1, 'kept while within the bound');
    // A bound smaller than both: asking for p2 drops p1 (used longer ago), not p2 itself.
    assert.equal(sharedPackIndex(store, 'p2', 1), p2);
    assert.notEqual(sharedPackIndex(store, 'p1'), p1, 'p1 was dropped and is read again');
  });
});
