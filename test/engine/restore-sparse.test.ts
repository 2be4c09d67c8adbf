/**
 * A restore's work follows the backup's data, not the volume's size: over an existing volume
 * it reads only the volume's data, fetches and writes only the blocks that differ and leaves
 * holes where the backup has zeros; a restore that fails half-way leaves the volume partly
 * restored, and running it again finishes it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Range } from '../../src/common/data-ranges.js';
import { closeEngine, CorruptBackupError, removeRestoreLeftovers, runBackup, runRestore } from '../../src/engine/index.js';
import { blockId } from '../../src/engine/block-id.js';
import { decodeIndex, FLAG_BLAKE3 } from '../../src/engine/format.js';
import { bytesReadByProcess, rangesOf } from '../support/sparse-files.js';
import { filesUnder, makeVolume, repoAt, sha256, SMALL, tempDir } from './helpers.js';

after(() => closeEngine());

const EXTENT = 64 * 1024;
const GiB = 1024 ** 3;

const allocated = (file: string): number => fs.statSync(file).blocks * 512;

describe('engine: restore follows the data', () => {
  it('over an existing volume full of other data: the same bytes, holes where the backup has zeros', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    // Data, holes and written zeros (a zero block, stored as none) at known extents.
    const spec = `rr${'h'.repeat(20)}t${'z'.repeat(8)}r${'h'.repeat(30)}d`;
    makeVolume(vol, spec);
    const repo = repoAt(path.join(dir, 'store'), 'proj-a', {});
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });

    const target = path.join(dir, 'target.img');
    fs.writeFileSync(target, randomBytes(spec.length * EXTENT));
    assert.equal(allocated(target), spec.length * EXTENT, 'the target starts fully allocated');
    const res = await runRestore(repo, { backupId: 'b', target });
    assert.equal(res.overwrote, true);
    assert.equal(sha256(target), sha256(vol));

    // Data only where the backup has data: its stale data under zeros is now holes.
    const expected: Range[] = [];
    [...spec].forEach((c, i) => {
      if (c === 'h' || c === 'z') return;
      const last = expected[expected.length - 1];
      if (last && last.to === i * EXTENT) last.to += EXTENT;
      else expected.push({ from: i * EXTENT, to: (i + 1) * EXTENT });
    });
    assert.deepEqual(rangesOf(target), expected);
    assert.ok(allocated(target) <= 5 * EXTENT, `${allocated(target)} bytes allocated for 5 extents of data`);
    assert.deepEqual(filesUnder(dir, /partial/), []);
  });

  it('an empty 16 GiB backup over an existing empty 16 GiB volume reads and writes nothing of it', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    fs.writeFileSync(vol, '');
    fs.truncateSync(vol, 16 * GiB);
    const repo = repoAt(path.join(dir, 'store'), 'proj-a', {});
    await runBackup(repo, { source: vol, backupId: 'empty', volumeId: 'v' });
    const target = path.join(dir, 'target.img');
    fs.writeFileSync(target, '');
    fs.truncateSync(target, 16 * GiB);

    const readBefore = bytesReadByProcess();
    await runRestore(repo, { backupId: 'empty', target });
    const readAfter = bytesReadByProcess();
    assert.equal(fs.statSync(target).size, 16 * GiB);
    assert.deepEqual(rangesOf(target), []);
    assert.ok(allocated(target) <= EXTENT, `${allocated(target)} bytes allocated`);
    // Its manifest and index, not 16 GiB of holes read back as zeros.
    if (readBefore !== undefined && readAfter !== undefined) {
      assert.ok(readAfter - readBefore < 256 * 1024 * 1024, `the restore read ${readAfter - readBefore} bytes`);
    }
  });

  it('into a larger image: sized as asked, the backup at its start and one hole after it', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'rhhr');
    const repo = repoAt(path.join(dir, 'store'), 'proj-a', {});
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const target = path.join(dir, 'target.img');
    makeVolume(target, 'rrrrrrrr'); // stale data past the backup's end too
    await runRestore(repo, { backupId: 'b', target, size: 16 * EXTENT });
    assert.equal(fs.statSync(target).size, 16 * EXTENT);
    assert.deepEqual(rangesOf(target), [
      { from: 0, to: EXTENT },
      { from: 3 * EXTENT, to: 4 * EXTENT },
    ]);
    const got = fs.readFileSync(target);
    assert.ok(got.subarray(0, 4 * EXTENT).equals(fs.readFileSync(vol)));
    assert.ok(got.subarray(4 * EXTENT).equals(Buffer.alloc(12 * EXTENT)));
  });

  it('over a volume that already holds the backup: nothing fetched, nothing written', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, `rrt${'h'.repeat(5)}dzr`);
    const repo = repoAt(path.join(dir, 'store'), 'proj-a', {});
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const target = path.join(dir, 'target.img');
    // Holes where the volume has holes, and where it has written zeros (a zero block to the backup).
    execFileSync('cp', ['--sparse=always', vol, target]);
    fs.utimesSync(target, new Date(2020, 0, 1), new Date(2020, 0, 1));
    const before = fs.statSync(target, { bigint: true });

    const res = await runRestore(repo, { backupId: 'b', target });
    assert.equal(res.bytesFetched, 0);
    const after = fs.statSync(target, { bigint: true });
    assert.equal(after.mtimeNs, before.mtimeNs, 'the volume was not written');
    assert.equal(after.ctimeNs, before.ctimeNs, 'nor its size or blocks changed');
    assert.equal(sha256(target), sha256(vol));
  });

  it('over a volume that differs in a few blocks: fetches and writes those, frees its stale data', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const spec = `${'r'.repeat(40)}${'h'.repeat(8)}${'t'.repeat(16)}`;
    makeVolume(vol, spec);
    const repo = repoAt(path.join(dir, 'store'), 'proj-a', {});
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const target = path.join(dir, 'target.img');
    fs.copyFileSync(vol, target);
    // Two extents changed, data written where the backup has a hole, and a longer volume.
    const fd = fs.openSync(target, 'r+');
    for (const extent of [3, 50]) fs.writeSync(fd, randomBytes(EXTENT), 0, EXTENT, extent * EXTENT);
    fs.writeSync(fd, randomBytes(2 * EXTENT), 0, 2 * EXTENT, 42 * EXTENT);
    fs.writeSync(fd, randomBytes(EXTENT), 0, EXTENT, (spec.length + 2) * EXTENT);
    fs.closeSync(fd);

    const res = await runRestore(repo, { backupId: 'b', target });
    assert.equal(sha256(target), sha256(vol));
    assert.ok(res.bytesFetched > 0, 'the changed blocks came from the store');
    // Two 64 KiB extents of stored blocks, one of them compressible text, with what a read spans around them.
    assert.ok(res.bytesFetched < 4 * 256 * 1024, `fetched ${res.bytesFetched} bytes of a ${spec.length * EXTENT}-byte volume`);
    assert.deepEqual(rangesOf(target), [
      { from: 0, to: 40 * EXTENT },
      { from: 48 * EXTENT, to: 64 * EXTENT },
    ]);
  });

  it('a restore that finds a damaged block says the volume is partly restored; once repaired, a second run finishes it', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'r'.repeat(256)); // 16 MiB of distinct 4 KiB blocks: several windows, written one by one
    const storeDir = path.join(dir, 'store');
    const repo = repoAt(storeDir);
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    // The volume's last block is damaged: the windows before it are written before it is found.
    const last = blockId(fs.readFileSync(vol).subarray(-SMALL.blockSize!), FLAG_BLAKE3);
    const [indexFile, entry] = filesUnder(storeDir, /\/dindex\//)
      .map((f) => [f, decodeIndex(fs.readFileSync(f), 'index').find((e) => e.id.equals(last))] as const)
      .find(([, e]) => e !== undefined)!;
    const packFile = filesUnder(storeDir, new RegExp(`f${path.basename(indexFile).slice(1)}$`)).find((p) => p.includes('/dpacks/'))!;
    const intact = fs.readFileSync(packFile);
    const bytes = Buffer.from(intact);
    bytes[entry!.offset + Math.floor(entry!.length / 2)] ^= 0x01;
    fs.writeFileSync(packFile, bytes);

    const target = path.join(dir, 'target.img');
    makeVolume(target, 'rh'.repeat(128));
    await assert.rejects(runRestore(repo, { backupId: 'b', target }), (err: Error) => {
      assert.ok(err instanceof CorruptBackupError);
      assert.match(err.message, new RegExp(`${last.toString('hex')}.*${target} is partly restored`));
      return true;
    });
    assert.deepEqual(filesUnder(dir, /partial/), []);
    const firstWindow = fs.readFileSync(target).subarray(0, 4 * 1024 * 1024);
    assert.ok(firstWindow.equals(fs.readFileSync(vol).subarray(0, 4 * 1024 * 1024)), 'the windows before the damage were restored');

    // The pack repaired, the run again fetches only what still differs: the last window.
    fs.writeFileSync(packFile, intact);
    const res = await runRestore(repo, { backupId: 'b', target });
    assert.equal(sha256(target), sha256(vol));
    assert.ok(res.bytesFetched <= 4 * 1024 * 1024 + 256 * 1024, `the second run fetched ${res.bytesFetched} bytes`);
  });

  it("removes a killed restore's temporary images of the one target, no other file", async (t) => {
    const dir = tempDir(t);
    const target = path.join(dir, 'vol-1.img');
    fs.writeFileSync(target, 'the volume');
    for (const name of ['.vol-1.img.partial-0a1b2c3d', '.vol-1.img.partial-ffffffff', '.vol-10.img.partial-0a1b2c3d', 'vol-1.img.tmp-0a1b2c3d']) {
      fs.writeFileSync(path.join(dir, name), 'left');
    }
    assert.equal(await removeRestoreLeftovers(target), 2);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.vol-10.img.partial-0a1b2c3d', 'vol-1.img', 'vol-1.img.tmp-0a1b2c3d']);
    assert.equal(await removeRestoreLeftovers(path.join(dir, 'missing', 'x.img')), 0);
  });
});
