import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BackupExistsError,
  BackupFailedError,
  BackupNotFoundError,
  closeEngine,
  CorruptBackupError,
  openRepository,
  runBackup,
  runGc,
  runRestore,
  runVerify,
  serviceMetadata,
  type Progress,
} from '../../src/engine/index.js';
import { blockId } from '../../src/engine/block-id.js';
import { decodeIndex, FLAG_BLAKE3, FLAG_ZSTD } from '../../src/engine/format.js';
import type { BlockStore } from '../../src/stores/block-store.js';
import { FsBlockStore } from '../../src/stores/fs-store.js';
import { filesUnder, makeVolume, repoAt, scribble, sha256, SMALL, storeBytes, tempDir } from './helpers.js';

after(() => closeEngine());

describe('engine: backup and restore', () => {
  it('restores full and incremental backups bit for bit, storing only what changed', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'rtrhzdrtdhhrtr');
    const repo = repoAt(path.join(dir, 'store'));
    const progress: Progress[] = [];
    const full = await runBackup(repo, { source: vol, backupId: 'b1', volumeId: 'vol-1', onProgress: (p) => progress.push(p) });
    const sum1 = sha256(vol);
    assert.equal(full.header.type, 'full');
    assert.equal(full.header.volumeSize, 14 * 65536);
    assert.ok(full.header.bytesNew > 0 && full.header.bytesStored > 0);
    // The duplicate extents ('d') are stored once: new bytes are fewer than allocated ones.
    assert.ok(full.header.bytesNew < full.header.bytesAllocated, `${full.header.bytesNew} < ${full.header.bytesAllocated}`);
    assert.equal(progress.at(-1)?.percent, 100);
    assert.equal(progress.at(-1)?.phase, 'backup');

    scribble(vol, 3);
    const sum2 = sha256(vol);
    const inc = await runBackup(repo, { source: vol, backupId: 'b2', volumeId: 'vol-1' });
    assert.equal(inc.header.type, 'incremental');
    assert.ok(inc.header.bytesNew <= 3 * 4096, `incremental stored ${inc.header.bytesNew} new bytes for 3 changed pages`);
    assert.equal(inc.header.blockCount, full.header.blockCount, 'each manifest lists every block');

    await runRestore(repo, { backupId: 'b1', target: path.join(dir, 'r1.img') });
    await runRestore(repo, { backupId: 'b2', target: path.join(dir, 'r2.img') });
    assert.equal(sha256(path.join(dir, 'r1.img')), sum1);
    assert.equal(sha256(path.join(dir, 'r2.img')), sum2);

    const meta = serviceMetadata(inc.header);
    assert.equal(meta.Type, 1);
    assert.equal(serviceMetadata(full.header).Type, 0);
    assert.ok(meta.SS > 90 && meta.SS <= 100, `space saving ${meta.SS}`);
    assert.ok(meta.AT > 0);

    const listed = await repo.listManifests();
    assert.deepEqual(listed.map((h) => h.backupId).sort(), ['b1', 'b2']);
    assert.deepEqual((await repo.listManifests('vol-1')).length, 2);
    assert.deepEqual(await repo.listManifests('other-volume'), []);
  });

  it('restores a sparse volume as a sparse file, holes for zero blocks', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, `r${'h'.repeat(62)}t`);
    const repo = repoAt(path.join(dir, 'store'));
    const r = await runBackup(repo, { source: vol, backupId: 'sparse', volumeId: 'v' });
    assert.equal(r.header.bytesAllocated, 2 * 65536);
    const target = path.join(dir, 'restored.img');
    await runRestore(repo, { backupId: 'sparse', target });
    assert.equal(sha256(target), sha256(vol));
    const st = fs.statSync(target);
    assert.equal(st.size, 64 * 65536);
    assert.ok(st.blocks * 512 <= 4 * 65536, `restored file allocates ${st.blocks * 512} bytes`);
  });

  it('restores with the default block and pack sizes: long runs, repeated blocks and holes in place', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    // Runs of 8 and 16 blocks (written directly where the file system allows), repeats of one
    // block at several offsets, also side by side, holes and written zeros between them.
    makeVolume(vol, `${'r'.repeat(8)}d${'h'.repeat(16)}${'t'.repeat(16)}zdrdz${'h'.repeat(8)}${'r'.repeat(5)}dddr`);
    const repo = repoAt(path.join(dir, 'store'), 'proj-a', {});
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const fresh = path.join(dir, 'new.img');
    await runRestore(repo, { backupId: 'b', target: fresh });
    assert.equal(sha256(fresh), sha256(vol));
    assert.ok(fs.statSync(fresh).blocks * 512 <= fs.statSync(vol).blocks * 512, 'holes and zeros stay holes');
    const existing = path.join(dir, 'existing.img');
    fs.writeFileSync(existing, randomBytes(fs.statSync(vol).size + 65536));
    await runRestore(repo, { backupId: 'b', target: existing });
    assert.equal(sha256(existing), sha256(vol));
  });

  it('restores, verifies and collects through a store that answers reads with memory of its own', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'rtrhdrt'.repeat(8));
    // Whole-object reads only, into buffers of the store's own: every read is copied into shared memory.
    const fsStore = new FsBlockStore(path.join(dir, 'store'));
    const whole: BlockStore = {
      description: fsStore.description,
      containerName: fsStore.containerName,
      put: (key, data) => fsStore.put(key, data),
      get: (key) => fsStore.get(key),
      has: (key) => fsStore.has(key),
      delete: (key) => fsStore.delete(key),
      list: (prefix) => fsStore.list(prefix),
      close: () => fsStore.close(),
    };
    const repo = openRepository(whole, 'proj-a', SMALL);
    await runBackup(repo, { source: vol, backupId: 'b1', volumeId: 'v' });
    scribble(vol, 40);
    await runBackup(repo, { source: vol, backupId: 'b2', volumeId: 'v' });
    await repo.deleteBackup('b1');
    const gc = await runGc(repo, { graceMs: 0, repackThreshold: 0.01 });
    assert.ok(gc.packsRepacked > 0, 'gc rewrote packs');
    await runVerify(repo, 'b2');
    const target = path.join(dir, 'out.img');
    await runRestore(repo, { backupId: 'b2', target });
    assert.equal(sha256(target), sha256(vol));
  });

  it('restores over an existing file: stale data under zero blocks and past the end is gone', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'rhhtzhr');
    const repo = repoAt(path.join(dir, 'store'));
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const target = path.join(dir, 'existing.img');
    makeVolume(target, 'rrrrrrrrrrr'); // longer and full of stale random bytes
    const res = await runRestore(repo, { backupId: 'b', target });
    assert.equal(res.overwrote, true);
    assert.equal(fs.statSync(target).size, fs.statSync(vol).size);
    assert.equal(sha256(target), sha256(vol));
  });

  it('restores over an existing sparse file without filling its holes', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, `r${'h'.repeat(60)}r`);
    const repo = repoAt(path.join(dir, 'store'));
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const target = path.join(dir, 'empty.img');
    fs.writeFileSync(target, '');
    fs.truncateSync(target, fs.statSync(vol).size); // a new volume: one hole
    await runRestore(repo, { backupId: 'b', target });
    assert.equal(sha256(target), sha256(vol));
    assert.ok(fs.statSync(target).blocks * 512 <= 4 * 64 * 1024, `${fs.statSync(target).blocks * 512} bytes allocated for 128 KiB of data`);
  });

  it('keeps every other backup restorable when any one is deleted, and gc reclaims the space', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    const repo = repoAt(storeDir);
    const sums: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      makeVolume(vol, 'rrrrtrrr'); // entirely new data each time
      sums.push(sha256(vol));
      await runBackup(repo, { source: vol, backupId: `b${i}`, volumeId: 'v' });
    }
    const full = storeBytes(storeDir);
    for (const victim of ['b1', 'b0', 'b3']) {
      await repo.deleteBackup(victim);
      const gc = await runGc(repo, { graceMs: 0, repackThreshold: 0.1 });
      assert.equal(gc.skipped, null);
      for (let i = 0; i < 4; i += 1) {
        const id = `b${i}`;
        if (['b1', 'b0', 'b3'].slice(0, ['b1', 'b0', 'b3'].indexOf(victim) + 1).includes(id)) {
          await assert.rejects(runRestore(repo, { backupId: id, target: path.join(dir, 'x.img') }), BackupNotFoundError);
          continue;
        }
        const target = path.join(dir, `${id}-${victim}.img`);
        await runVerify(repo, id);
        await runRestore(repo, { backupId: id, target });
        assert.equal(sha256(target), sums[i], `${id} after deleting ${victim}`);
        fs.rmSync(target);
      }
    }
    const left = storeBytes(storeDir);
    assert.ok(left < full * 0.4, `store shrank from ${full} to ${left} bytes with one of four backups left`);
    await assert.rejects(repo.deleteBackup('b1'), BackupNotFoundError);
  });

  it('gc passes over a manifest another delete removed after gc listed it, and keeps the rest', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    makeVolume(vol, 'rrrr');
    await runBackup(repoAt(storeDir), { source: vol, backupId: 'gone', volumeId: 'v' });
    makeVolume(vol, 'rrrr');
    const sum = sha256(vol);
    await runBackup(repoAt(storeDir), { source: vol, backupId: 'kept', volumeId: 'v' });
    /** A store on which the delete of `gone` lands between gc's listing and its read of the manifest. */
    class RacedStore extends FsBlockStore {
      override async get(key: string): Promise<Buffer> {
        if (key.startsWith('manifests/') && key.endsWith('/gone')) await this.delete(key);
        return super.get(key);
      }
    }
    const raced = openRepository(new RacedStore(storeDir), 'proj-a', SMALL);
    const gc = await runGc(raced, { graceMs: 0 });
    assert.equal(gc.skipped, null);
    assert.equal(gc.manifests, 1);
    assert.ok(gc.packsDeleted > 0, `the packs only 'gone' used are swept: ${JSON.stringify(gc)}`);
    await runVerify(repoAt(storeDir), 'kept');
    await runRestore(repoAt(storeDir), { backupId: 'kept', target: path.join(dir, 'r.img') });
    assert.equal(sha256(path.join(dir, 'r.img')), sum);
  });

  it('gc rewrites packs that are mostly dead and the live backup still verifies', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    const repo = repoAt(storeDir, 'p', { ...SMALL, packSize: 1024 * 1024 });
    makeVolume(vol, 'rrrrrrrr');
    await runBackup(repo, { source: vol, backupId: 'old', volumeId: 'v' });
    scribble(vol, 60);
    const sum = sha256(vol);
    await runBackup(repo, { source: vol, backupId: 'new', volumeId: 'v' });
    await repo.deleteBackup('old');
    const before = storeBytes(storeDir);
    const packsBefore = new Map(filesUnder(storeDir, /\/dpacks\//).map((f) => [f, fs.statSync(f).size]));
    const gc = await runGc(repo, { graceMs: 0, repackThreshold: 0.05 });
    assert.ok(gc.packsRepacked >= 1, JSON.stringify(gc));
    assert.ok(storeBytes(storeDir) < before);
    // Every pack had an index, and what gc says it freed is what the packs it removed held.
    assert.equal(gc.orphanPacksDeleted, 0);
    const left = new Set(filesUnder(storeDir, /\/dpacks\//));
    const removed = [...packsBefore].filter(([f]) => !left.has(f));
    assert.equal(gc.packsRepacked + gc.packsDeleted, removed.length);
    assert.equal(gc.bytesFreed, removed.reduce((sum, [, size]) => sum + size, 0));
    await runVerify(repo, 'new');
    await runRestore(repo, { backupId: 'new', target: path.join(dir, 'r.img') });
    assert.equal(sha256(path.join(dir, 'r.img')), sum);
  });

  it('gc leaves young packs and running backups alone', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    const repo = repoAt(storeDir);
    makeVolume(vol, 'rrrr'.repeat(40));
    // gc in a loop while the backup runs: its blocks are referenced by no manifest yet.
    let done = false;
    const skipped: string[] = [];
    const collector = (async () => {
      while (!done) {
        const r = await runGc(repoAt(storeDir), { graceMs: 0 });
        if (r.skipped) skipped.push(r.skipped);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await runBackup(repo, { source: vol, backupId: 'running', volumeId: 'v' });
    done = true;
    await collector;
    assert.ok(skipped.some((s) => s.includes('running')), 'gc saw the running backup');
    await runVerify(repo, 'running');

    // Blocks of no manifest: kept within the grace period, removed after it.
    await repo.deleteBackup('running');
    const kept = await runGc(repo, { graceMs: 3_600_000 });
    assert.equal(kept.packsDeleted, 0);
    const swept = await runGc(repo, { graceMs: 0 });
    assert.ok(swept.packsDeleted > 0);
    assert.deepEqual(filesUnder(storeDir, /\/dpacks\//), []);
  });

  it('reads only the blocks of a sparse source that hold data, and the rest of such a block as zeros', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'thin.img');
    const K = 1024;
    // One thread and 256 KiB chunks of 64 KiB blocks: the chunk buffer is reused, so a block
    // partly in a hole would show the previous chunk's bytes if only its data were read.
    const repo = repoAt(path.join(dir, 'store'), 'proj-a', { blockSize: 64 * K, chunkSize: 256 * K, scanThreads: 1 });
    const fd = fs.openSync(vol, 'w');
    const writes: Array<[number, number]> = [
      [0, 256 * K], // the whole first chunk
      [256 * K + 8 * K, 4 * K], // 4 KiB in the middle of the second chunk's first block
      [1536 * K - 4 * K, 8 * K], // across a chunk boundary, ending inside a block
      [1024 * 1024 * K - 64 * K, 64 * K], // the last block of a 1 GiB volume
    ];
    for (const [at, length] of writes) fs.writeSync(fd, randomBytes(length), 0, length, at);
    fs.ftruncateSync(fd, 1024 * 1024 * K);
    fs.closeSync(fd);
    const backup = await runBackup(repo, { source: vol, backupId: 'thin', volumeId: 'v' });
    // Eight blocks hold data: the first chunk's four, one for the 4 KiB, two for the write
    // across the chunk boundary, and the last. Nothing else of the 1 GiB is read.
    assert.equal(backup.header.bytesRead, 8 * 64 * K);
    assert.equal(backup.header.bytesAllocated, 8 * 64 * K);
    const target = path.join(dir, 'thin.restored');
    await runRestore(repo, { backupId: 'thin', target });
    assert.equal(sha256(target), sha256(vol));
  });

  it('skips reading a source that has not changed since the last backup, but only when safe', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'rtrh');
    const repo = repoAt(path.join(dir, 'store'));
    const first = await runBackup(repo, { source: vol, backupId: 'fresh', volumeId: 'v' });
    assert.equal(first.header.source, null, 'a file changed a moment ago is not trusted');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const settled = await runBackup(repo, { source: vol, backupId: 'settled', volumeId: 'v' });
    assert.notEqual(settled.header.source, null);
    assert.equal(settled.unchangedShortcut, false);
    const same = await runBackup(repo, { source: vol, backupId: 'same', volumeId: 'v' });
    assert.equal(same.unchangedShortcut, true);
    assert.equal(same.header.bytesRead, 0);
    const forced = await runBackup(repo, { source: vol, backupId: 'forced', volumeId: 'v', fullScan: true });
    assert.equal(forced.unchangedShortcut, false);
    assert.equal(forced.header.bytesRead, 3 * 65536, 'every data extent is read, the hole is not');
    const unchangedSum = sha256(vol);
    scribble(vol, 1);
    const changed = await runBackup(repo, { source: vol, backupId: 'changed', volumeId: 'v' });
    assert.equal(changed.unchangedShortcut, false);
    await runRestore(repo, { backupId: 'same', target: path.join(dir, 'same.img') });
    await runRestore(repo, { backupId: 'changed', target: path.join(dir, 'changed.img') });
    assert.equal(sha256(path.join(dir, 'changed.img')), sha256(vol));
    assert.equal(sha256(path.join(dir, 'same.img')), unchangedSum);
  });

  it('stores each distinct block once, however the scan threads share the volume', async (t) => {
    const dir = tempDir(t);
    const storeDir = path.join(dir, 'store');
    const repo = repoAt(storeDir); // 4 KiB blocks, 64 KiB chunks, three scan threads
    const distinct = Array.from({ length: 12 }, () => randomBytes(4096));
    // 512 blocks (32 chunks) drawn from the 12, every fifth left a hole: the threads race to
    // claim the same ids in every chunk.
    const image = (file: string, pick: (i: number) => number): void => {
      const fd = fs.openSync(file, 'w');
      for (let i = 0; i < 512; i += 1) if (i % 5 !== 0) fs.writeSync(fd, distinct[pick(i)], 0, 4096, i * 4096);
      fs.ftruncateSync(fd, 512 * 4096);
      fs.closeSync(fd);
    };
    const storedIds = (): string[] =>
      filesUnder(storeDir, /\/dindex\//).flatMap((f) => decodeIndex(fs.readFileSync(f), f).map((e) => e.id.toString('hex')));

    const first = path.join(dir, 'first.img');
    image(first, (i) => (i * 7) % 8); // the first 8 of the 12
    const a = await runBackup(repo, { source: first, backupId: 'a', volumeId: 'v1' });
    assert.equal(a.header.bytesNew, 8 * 4096);
    assert.equal(storedIds().length, 8);
    assert.equal(new Set(storedIds()).size, 8);

    // A second volume holding all 12: the 8 the store has are not stored again.
    const second = path.join(dir, 'second.img');
    image(second, (i) => (i * 5) % 12);
    const b = await runBackup(repo, { source: second, backupId: 'b', volumeId: 'v2' });
    assert.equal(b.header.type, 'full');
    assert.equal(b.header.bytesNew, 4 * 4096);
    assert.equal(storedIds().length, 12);
    assert.equal(new Set(storedIds()).size, 12);

    for (const [id, source] of [['a', first], ['b', second]] as const) {
      const target = path.join(dir, `${id}.restored`);
      await runRestore(repo, { backupId: id, target });
      assert.equal(sha256(target), sha256(source));
    }
  });

  it('stores a block raw when zstd shrinks neither of its samples, and compresses one that either sample shows compressible', async (t) => {
    const dir = tempDir(t);
    const storeDir = path.join(dir, 'store');
    const repo = repoAt(storeDir, 'proj-a', { ...SMALL, blockSize: 65536 });
    const block = 65536;
    const text = Buffer.from('the quick brown fox jumps over the lazy dog while backups run '.repeat(1100)).subarray(0, block);
    const random = randomBytes(block);
    const blocks = [
      random, // incompressible throughout: raw
      Buffer.concat([random.subarray(0, block / 2), text.subarray(0, block / 2)]), // random start, text from the middle
      Buffer.concat([random.subarray(0, 1024), text.subarray(1024)]), // a random first sample, text after it
      text,
    ];
    const vol = path.join(dir, 'vol.img');
    fs.writeFileSync(vol, Buffer.concat(blocks));
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const entries = filesUnder(storeDir, /\/dindex\//).flatMap((f) => decodeIndex(fs.readFileSync(f), f));
    const stored = blocks.map((b) => entries.find((e) => e.id.equals(blockId(b, FLAG_BLAKE3))));
    assert.ok(stored.every((e) => e !== undefined), 'every block is stored');
    assert.deepEqual(stored.map((e) => e!.flags), [FLAG_BLAKE3, FLAG_ZSTD | FLAG_BLAKE3, FLAG_ZSTD | FLAG_BLAKE3, FLAG_ZSTD | FLAG_BLAKE3]);
    assert.equal(stored[0]!.length, block, 'the random block is stored as it is');
    assert.ok(stored.slice(1).every((e) => e!.length < block * 0.75), `compressed: ${stored.map((e) => e!.length).join(', ')}`);
    await runRestore(repo, { backupId: 'b', target: path.join(dir, 'out.img') });
    assert.equal(sha256(path.join(dir, 'out.img')), sha256(vol));
  });

  it('never deduplicates across projects', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    makeVolume(vol, 'rrrr');
    const a = repoAt(storeDir, 'project-a');
    const b = repoAt(storeDir, 'project-b');
    const ra = await runBackup(a, { source: vol, backupId: 'a1', volumeId: 'v' });
    const rb = await runBackup(b, { source: vol, backupId: 'b1', volumeId: 'v' });
    assert.equal(rb.header.bytesNew, ra.header.bytesNew, 'project b stores its own copy');
    assert.equal(rb.header.type, 'full');
    assert.deepEqual((await a.listManifests()).map((h) => h.backupId), ['a1']);
    await assert.rejects(runRestore(a, { backupId: 'b1', target: path.join(dir, 'x') }), BackupNotFoundError);
    await a.deleteBackup('a1');
    await runGc(a, { graceMs: 0 });
    await runVerify(b, 'b1');
  });

  it('refuses what a caller gets wrong and changes nothing', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'rt');
    const storeDir = path.join(dir, 'store');
    const repo = repoAt(storeDir);
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const before = storeBytes(storeDir);
    await assert.rejects(runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' }), BackupExistsError);
    await assert.rejects(runBackup(repo, { source: vol, backupId: '../x', volumeId: 'v' }), /backup id/);
    await assert.rejects(runBackup(repo, { source: path.join(dir, 'missing.img'), backupId: 'm', volumeId: 'v' }), (err: unknown) => {
      assert.ok(err instanceof BackupFailedError);
      assert.match(err.message, /backup m failed: cannot read the source/);
      return true;
    });
    await assert.rejects(runRestore(repo, { backupId: 'nope', target: path.join(dir, 'x') }), BackupNotFoundError);
    await assert.rejects(runVerify(repo, 'nope'), /backup nope has no manifest/);
    assert.equal(storeBytes(storeDir), before);
    assert.deepEqual(filesUnder(storeDir, /inflight/), []);
    assert.equal(fs.existsSync(path.join(dir, 'x')), false);
  });

  it('cancels a backup on abort, leaving no manifest and no in-flight marker', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'r'.repeat(64));
    const repo = repoAt(path.join(dir, 'store'));
    const ctl = new AbortController();
    await assert.rejects(
      runBackup(repo, { source: vol, backupId: 'cut', volumeId: 'v', signal: ctl.signal, onProgress: (p) => p.percent > 10 && ctl.abort() }),
      /backup cut failed: cancelled/,
    );
    assert.deepEqual(await repo.listManifests(), []);
    assert.deepEqual(await repo.inflight(), []);
  });

  it('cancels a restore on abort, leaving no new volume, and restores again afterwards', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    makeVolume(vol, 'rt'.repeat(128)); // 16 MiB: dozens of units of work with SMALL packs
    const repo = repoAt(path.join(dir, 'store'));
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'v' });
    const target = path.join(dir, 'out.img');
    const ctl = new AbortController();
    let seen = 0;
    await assert.rejects(
      runRestore(repo, { backupId: 'b', target, signal: ctl.signal, onProgress: (p) => p.percent > 20 && p.percent < 100 && (seen += 1) && ctl.abort() }),
      { name: 'AbortError' },
    );
    assert.ok(seen > 0, 'the restore was cut while it ran');
    assert.equal(fs.existsSync(target), false);
    assert.deepEqual(filesUnder(dir, /partial/), []);
    await runRestore(repo, { backupId: 'b', target });
    assert.equal(sha256(target), sha256(vol));
  });
});

describe('engine: damage and full stores', () => {
  it('one flipped byte in a stored block fails verify and restore, naming the backup and the block', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    makeVolume(vol, 'rtrt');
    const repo = repoAt(storeDir);
    await runBackup(repo, { source: vol, backupId: 'victim', volumeId: 'v' });
    const indexFile = filesUnder(storeDir, /\/dindex\//)[0];
    const packId = path.basename(indexFile).slice(1);
    const entry = decodeIndex(fs.readFileSync(indexFile), 'index')[0];
    const packFile = filesUnder(storeDir, new RegExp(`f${packId}$`)).find((p) => p.includes('/dpacks/'))!;
    const bytes = fs.readFileSync(packFile);
    bytes[entry.offset + Math.floor(entry.length / 2)] ^= 0x01;
    fs.writeFileSync(packFile, bytes);
    const blockHex = entry.id.toString('hex');
    for (const attempt of [() => runVerify(repo, 'victim'), () => runRestore(repo, { backupId: 'victim', target: path.join(dir, 'out.img') })]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof CorruptBackupError, String(err));
        assert.match(err.message, /backup victim/);
        assert.ok(err.message.includes(blockHex), err.message);
        return true;
      });
    }
    assert.equal(fs.existsSync(path.join(dir, 'out.img')), false, 'a failed restore leaves no new volume');
    assert.deepEqual(filesUnder(dir, /partial/), []);
  });

  it('a full store (ENOSPC) fails the backup with a clear reason and leaves earlier backups intact', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    makeVolume(vol, 'rrtr');
    const ok = repoAt(storeDir);
    await runBackup(ok, { source: vol, backupId: 'before', volumeId: 'v' });
    const sum = sha256(vol);

    // A store whose disk fills after a budget: writes past it hit /dev/full, a real ENOSPC.
    class FillingStore extends FsBlockStore {
      budget = 100 * 1024;
      override async put(key: string, data: Buffer): Promise<void> {
        if (!key.startsWith('inflight/')) {
          this.budget -= data.length;
          if (this.budget < 0) fs.writeFileSync('/dev/full', data);
        }
        await super.put(key, data);
      }
    }
    makeVolume(vol, 'rrrrrrrr');
    const full = openRepository(new FillingStore(storeDir), 'proj-a', SMALL);
    await assert.rejects(runBackup(full, { source: vol, backupId: 'after', volumeId: 'v' }), (err: unknown) => {
      assert.ok(err instanceof BackupFailedError, String(err));
      assert.match(err.message, /backup after failed: no space left in the store \(ENOSPC\)/);
      return true;
    });
    assert.deepEqual((await ok.listManifests()).map((h) => h.backupId), ['before']);
    await runVerify(ok, 'before');
    await runRestore(ok, { backupId: 'before', target: path.join(dir, 'r.img') });
    assert.equal(sha256(path.join(dir, 'r.img')), sum);
    // The failed backup's packs are garbage to gc, never to a live backup.
    await runGc(ok, { graceMs: 0 });
    await runVerify(ok, 'before');
  });

  it('a restore that cannot write its volume fails naming the volume and the reason', async (t) => {
    const dir = tempDir(t);
    const vol = path.join(dir, 'vol.img');
    const storeDir = path.join(dir, 'store');
    makeVolume(vol, 'rt'.repeat(32)); // 4 MiB
    const repo = repoAt(storeDir, 'crash', { ...SMALL, packSize: 128 * 1024 });
    await runBackup(repo, { source: vol, backupId: 'b', volumeId: 'vol' });
    // An existing volume of the right size, restored by a process allowed files of 1 MiB only:
    // the first write past it fails with EFBIG, a real write error of the volume's file.
    const target = path.join(dir, 'existing.img');
    fs.writeFileSync(target, Buffer.alloc(4 * 1024 * 1024, 7));
    const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.js');
    const run = spawnSync('bash', ['-c', 'ulimit -f 1024 && exec "$@"', 'bash', process.execPath, child, storeDir, 'restore', 'b', target], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`cannot write the restored volume ${target}: EFBIG`));
    // Nothing else broke: the backup restores in full where the volume can be written.
    await runRestore(repo, { backupId: 'b', target });
    assert.equal(sha256(target), sha256(vol));
  });
});
