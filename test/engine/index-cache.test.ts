/**
 * A project's pack index is kept between jobs: the next job reads only the index objects it has
 * not seen, and the kept index follows what others do to the store (another node's packs, gc's
 * removals).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { closeEngine, openRepository, runBackup, runGc, runRestore } from '../../src/engine/index.js';
import { keys } from '../../src/engine/format.js';
import { sharedPackIndex } from '../../src/engine/index-cache.js';
import type { StoredObject } from '../../src/stores/block-store.js';
import { FsBlockStore } from '../../src/stores/fs-store.js';
import { makeVolume, scribble, sha256, SMALL, tempDir } from './helpers.js';

after(() => closeEngine());

/** A store that counts the index objects read from it, and its listings of them. */
class CountingStore extends FsBlockStore {
  indexReads = 0;
  indexListings = 0;
  override async get(key: string): Promise<Buffer> {
    if (key.startsWith('index/')) this.indexReads += 1;
    return super.get(key);
  }
  override list(prefix: string): AsyncIterable<StoredObject> {
    if (prefix.startsWith('index/')) this.indexListings += 1;
    return super.list(prefix);
  }
}

/** Two store objects over one store, as two processes see it, and two volumes of different data. */
function twoNodes(t: TestContext): { dir: string; here: FsBlockStore; there: FsBlockStore; a: string; b: string } {
  const dir = tempDir(t);
  const root = path.join(dir, 'store');
  const a = path.join(dir, 'a.img');
  const b = path.join(dir, 'b.img');
  makeVolume(a, 'r'.repeat(16));
  makeVolume(b, 'r'.repeat(16));
  return { dir, here: new FsBlockStore(root), there: new FsBlockStore(root), a, b };
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

    // Another process reads the whole index once: one listing gives it every object's time.
    const other = new CountingStore(path.join(dir, 'store'));
    await sharedPackIndex(other, 'p').refresh();
    assert.equal(sharedPackIndex(other, 'p').packs.size, packs);
    assert.equal(other.indexListings, 1, 'the first read of the index lists it once');

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
    const { dir, here, there, a, b } = twoNodes(t);
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

  it('deduplicates against packs added since the last backup, and never against packs gc removed', async (t) => {
    const { dir, here, there, a, b } = twoNodes(t);
    await runBackup(openRepository(here, 'p', SMALL), { source: a, backupId: 'a1', volumeId: 'va' });
    const kept = sharedPackIndex(here, 'p');
    const first = kept.knownIds();
    assert.equal(kept.knownIds(), first, 'an unchanged index hands out the same table');

    // Packs another node added extend the table: b's blocks are known here.
    await runBackup(openRepository(there, 'p', SMALL), { source: b, backupId: 'b1', volumeId: 'vb' });
    const again = await runBackup(openRepository(here, 'p', SMALL), { source: b, backupId: 'b2', volumeId: 'vb2', fullScan: true });
    assert.equal(again.header.bytesNew, 0, 'every block of b is deduplicated against the other node\'s packs');
    assert.ok(kept.knownIds().count > first.count);

    // Gc on the other node removes b's packs: a backup here must store b's blocks again.
    for (const id of ['b1', 'b2']) await openRepository(there, 'p', SMALL).deleteBackup(id);
    await runGc(openRepository(there, 'p', SMALL), { graceMs: 0 });
    const third = await runBackup(openRepository(here, 'p', SMALL), { source: b, backupId: 'b3', volumeId: 'vb3', fullScan: true });
    assert.ok(third.header.bytesNew > 0, 'blocks of removed packs are stored anew');
    const target = path.join(dir, 'b-restored.img');
    await runRestore(openRepository(here, 'p', SMALL), { backupId: 'b3', target });
    assert.equal(sha256(target), sha256(b));
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
