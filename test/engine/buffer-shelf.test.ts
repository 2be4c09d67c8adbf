/**
 * Restores and verifies reuse their shared buffers from one job to the next: the kept buffers
 * hold the last job's bytes, which must never reach another restore's volume.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BufferShelf } from '../../src/engine/buffer-shelf.js';
import { closeEngine, runBackup, runRestore, runVerify } from '../../src/engine/index.js';
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
