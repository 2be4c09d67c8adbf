/**
 * Block ids: a new project's blocks are named by BLAKE3; a project that holds SHA-256 blocks
 * (written before BLAKE3 ids) keeps naming new ones by SHA-256, so they still deduplicate, and
 * every path that checks a block (restore, verify, the in-place compare) checks it by its own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { closeEngine, runBackup, runRestore, runVerify } from '../../src/engine/index.js';
import { blockId } from '../../src/engine/block-id.js';
import { decodeIndex, FLAG_BLAKE3, FLAG_ZSTD, type IndexEntry } from '../../src/engine/format.js';
import { filesUnder, makeVolume, repoAt, sha256, SMALL, tempDir } from './helpers.js';

after(() => closeEngine());

const entriesOf = (storeDir: string, project: string): IndexEntry[] =>
  filesUnder(storeDir, new RegExp(`/dindex/d${project}/`)).flatMap((f) => decodeIndex(fs.readFileSync(f), f));

describe('engine: block ids', () => {
  it('names a block by the BLAKE3 or the SHA-256 digest its flag says, as the published test vectors give them', () => {
    const abc = Buffer.from('abc');
    assert.equal(blockId(abc, FLAG_BLAKE3).toString('hex'), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
    assert.equal(blockId(abc, 0).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(blockId(abc, FLAG_BLAKE3 | FLAG_ZSTD).toString('hex'), blockId(abc, FLAG_BLAKE3).toString('hex'), 'the compression flag does not change the id');
  });

  it('a project holding SHA-256 blocks keeps SHA-256 and deduplicates against them; a new one names its blocks by BLAKE3', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'rtrrhtr');
    const storeDir = path.join(dir, 'store');

    // A project as an engine before BLAKE3 ids left it.
    await runBackup(repoAt(storeDir, 'old', { ...SMALL, newIdHash: 'sha256' }), { source: vol, backupId: 'o1', volumeId: 'v' });
    const before = entriesOf(storeDir, 'old');
    assert.ok(before.length > 0 && before.every((e) => !(e.flags & FLAG_BLAKE3)));

    // Today's engine on it: the same blocks found, nothing stored again, every check passes.
    const old = repoAt(storeDir, 'old');
    const again = await runBackup(old, { source: vol, backupId: 'o2', volumeId: 'v', fullScan: true });
    assert.equal(again.header.bytesNew, 0, 'the SHA-256 blocks deduplicated');
    assert.equal(entriesOf(storeDir, 'old').length, before.length);
    await runVerify(old, 'o2');
    const target = path.join(dir, 'old.img');
    await runRestore(old, { backupId: 'o2', target });
    assert.equal(sha256(target), sha256(vol));
    const over = await runRestore(old, { backupId: 'o1', target });
    assert.equal(over.bytesFetched, 0, 'the in-place compare matched the SHA-256 ids');

    // A new project in the same store.
    const fresh = repoAt(storeDir, 'fresh');
    await runBackup(fresh, { source: vol, backupId: 'f1', volumeId: 'v' });
    const named = entriesOf(storeDir, 'fresh');
    assert.ok(named.length > 0 && named.every((e) => e.flags & FLAG_BLAKE3), 'BLAKE3 ids');
    await runVerify(fresh, 'f1');
    const copy = path.join(dir, 'fresh.img');
    await runRestore(fresh, { backupId: 'f1', target: copy });
    assert.equal(sha256(copy), sha256(vol));
    assert.equal((await runRestore(fresh, { backupId: 'f1', target: copy })).bytesFetched, 0);
  });
});
