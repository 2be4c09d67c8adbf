/**
 * A restore's work follows the backup's data, not the volume's size: over an existing volume
 * it reads nothing of the old image, writes only the backup's data blocks and leaves holes
 * where the backup has zeros; a restore that fails leaves the old image as it was.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Range } from '../../src/common/data-ranges.js';
import { closeEngine, CorruptBackupError, removeRestoreLeftovers, runBackup, runRestore } from '../../src/engine/index.js';
import { decodeIndex } from '../../src/engine/format.js';
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

  it('a restore that finds a damaged block leaves the existing volume as it was, and no temporary image', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'r'.repeat(256)); // 16 MiB of distinct 4 KiB blocks: several windows, written one by one
    const storeDir = path.join(dir, 'store');
    const repo = repoAt(storeDir);
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    // The volume's last block is damaged: the windows before it are written before it is found.
    const last = createHash('sha256').update(fs.readFileSync(vol).subarray(-SMALL.blockSize!)).digest();
    const [indexFile, entry] = filesUnder(storeDir, /\/dindex\//)
      .map((f) => [f, decodeIndex(fs.readFileSync(f), 'index').find((e) => e.id.equals(last))] as const)
      .find(([, e]) => e !== undefined)!;
    const packFile = filesUnder(storeDir, new RegExp(`f${path.basename(indexFile).slice(1)}$`)).find((p) => p.includes('/dpacks/'))!;
    const bytes = fs.readFileSync(packFile);
    bytes[entry!.offset + Math.floor(entry!.length / 2)] ^= 0x01;
    fs.writeFileSync(packFile, bytes);

    const target = path.join(dir, 'target.img');
    makeVolume(target, 'rh'.repeat(128));
    const before = sha256(target);
    await assert.rejects(runRestore(repo, { backupId: 'b', target }), CorruptBackupError);
    assert.equal(sha256(target), before);
    assert.deepEqual(filesUnder(dir, /partial/), []);
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
