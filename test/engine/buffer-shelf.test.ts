/**
 * Backups, restores and verifies reuse their shared buffers from one job to the next, a store's
 * memory one shelf for all of them: the kept buffers hold the last job's bytes, which must never
 * reach another restore's volume.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BufferShelf } from '../../src/engine/buffer-shelf.js';
import { closeEngine, openRepository, runBackup, runRestore, runVerify } from '../../src/engine/index.js';
import { FsBlockStore } from '../../src/stores/fs-store.js';
import { makeVolume, repoAt, sha256, tempDir } from './helpers.js';

after(() => closeEngine());

describe('engine: buffers kept between jobs', () => {
  it('a shelf hands back a kept buffer of the asked size, keeps at most its limit, and makes the rest', () => {
    const shelf = new BufferShelf(1);
    const a = Buffer.alloc(8);
    const b = Buffer.alloc(8);
    shelf.put(a);
    shelf.put(b);
    let made = 0;
    const make = (size: number) => () => ((made += 1), Buffer.alloc(size));
    assert.equal(shelf.take(8, make(8)), a);
    assert.notEqual(shelf.take(8, make(8)), b, 'a second buffer of the size was not kept');
    assert.equal(shelf.take(16, make(16)).length, 16);
    assert.equal(made, 2);
  });

  it('a shelf cuts pieces from a kept buffer and makes it whole again once every piece is back', () => {
    const shelf = new BufferShelf(4);
    const whole = Buffer.alloc(20);
    shelf.put(whole);
    let made = 0;
    const make = (size: number) => () => ((made += 1), Buffer.alloc(size));
    const first = shelf.takePiece(8, 20, make(20))!;
    const second = shelf.takePiece(8, 20, make(20))!;
    assert.equal(made, 0, 'both pieces came from the kept buffer');
    assert.equal(first.buffer, whole.buffer);
    assert.equal(second.buffer, whole.buffer);
    assert.notEqual(first.byteOffset, second.byteOffset);
    shelf.put(first);
    assert.notEqual(shelf.take(20, make(20)), whole, 'not whole while a piece is out');
    shelf.put(second);
    assert.equal(shelf.take(20, make(20)), whole, 'whole again');
    assert.equal(shelf.takePiece(12, 20, make(20)), undefined, 'two pieces of 12 bytes do not fit in 20');
    assert.equal(made, 2);
  });

  it("a restore after a backup reads into the backup's pack buffers, and the next backup gets them back whole", async (t) => {
    const dir = tempDir(t);
    const store = new FsBlockStore(path.join(dir, 'store'));
    const allocate = store.allocate.bind(store);
    let made = 0;
    store.allocate = (size, options) => ((made += 1), allocate(size, options));
    // The default block and pack sizes: two of a restore's read buffers fit in a pack buffer.
    const repo = openRepository(store, 'proj-a', { scanThreads: 2 });
    const volume = path.join(dir, 'v.img');
    makeVolume(volume, 'rt'.repeat(200));
    await runBackup(repo, { source: volume, backupId: 'b1', volumeId: 'v' });
    const packBuffers = made;
    assert.ok(packBuffers >= 2, `the backup made its pack buffers (${packBuffers})`);
    const target = path.join(dir, 'restored.img');
    await runRestore(repo, { backupId: 'b1', target });
    assert.equal(sha256(target), sha256(volume));
    assert.equal(made, packBuffers, 'the restore made no store memory of its own');
    makeVolume(volume, 'tr'.repeat(200));
    await runBackup(repo, { source: volume, backupId: 'b2', volumeId: 'v' });
    assert.equal(made, packBuffers, 'nor did the next backup');
    await runRestore(repo, { backupId: 'b2', target });
    assert.equal(sha256(target), sha256(volume));
  });

  it('a restore after restoring and verifying other data writes only its own backup, holes included', async (t) => {
    const dir = tempDir(t);
    const repo = repoAt(path.join(dir, 'store'), 'proj-a', {});
    const full = path.join(dir, 'full.img');
    const sparse = path.join(dir, 'sparse.img');
    // The same size: the second restore's windows fall where the first one's data was.
    makeVolume(full, 'r'.repeat(96));
    makeVolume(sparse, `${'h'.repeat(40)}r${'z'.repeat(30)}t${'h'.repeat(24)}`);
    await runBackup(repo, { source: full, backupId: 'full', volumeId: 'v1' });
    await runBackup(repo, { source: sparse, backupId: 'sparse', volumeId: 'v2' });

    const first = path.join(dir, 'first.img');
    await runRestore(repo, { backupId: 'full', target: first });
    await runVerify(repo, 'full');
    assert.equal(sha256(first), sha256(full));
    const second = path.join(dir, 'second.img');
    await runRestore(repo, { backupId: 'sparse', target: second });
    assert.equal(sha256(second), sha256(sparse));
    // Over the first restore's image too: nothing of it, nor of the kept buffers, remains.
    await runRestore(repo, { backupId: 'sparse', target: first });
    assert.equal(sha256(first), sha256(sparse));
    assert.ok(fs.statSync(first).blocks * 512 < fs.statSync(full).size / 4, 'the sparse restore left holes');
  });
});
