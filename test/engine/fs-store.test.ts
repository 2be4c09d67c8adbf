import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FsBlockStore } from '../../src/stores/fs-store.js';
import { StoreUnavailableError } from '../../src/stores/block-store.js';
import { blockStoreConformance } from '../stores/conformance.js';

blockStoreConformance('fs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vbs-fs-store-'));
  return {
    open: async () => new FsBlockStore(dir),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

it('fs store: reads ranges, leaves no temp files, names a full disk', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vbs-fs-store-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = new FsBlockStore(dir);
  await store.put('packs/ab/x', Buffer.from('0123456789'));
  assert.equal((await store.getRange('packs/ab/x', 3, 4)).toString(), '3456');
  assert.equal((await store.getRange('packs/ab/x', 8, 4)).toString(), '89');
  const names = fs.readdirSync(dir, { recursive: true }).map(String);
  assert.ok(!names.some((n) => n.includes('.tmp-')), names.join(','));
  // A crash leftover is cleaned once old enough, and is never listed as an object.
  const leftover = path.join(dir, 'dpacks', 'dab', '.tmp-dead');
  fs.writeFileSync(leftover, 'x');
  const listed = [];
  for await (const o of store.list('')) listed.push(o.key);
  assert.deepEqual(listed, ['packs/ab/x']);
  fs.utimesSync(leftover, new Date(0), new Date(0));
  assert.equal(await store.removeStaleTemp(60_000), 1);
  assert.equal(fs.existsSync(leftover), false);
  await assert.rejects(store.put('../escape', Buffer.from('x')), /invalid store key/);
  // /dev/full answers every write with ENOSPC: the store says so in one clear line.
  if (fs.existsSync('/dev/full')) {
    const full = new FsBlockStore(dir);
    const fd = fs.openSync('/dev/full', 'w');
    fs.closeSync(fd);
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const mapped = (full as unknown as { unavailable(op: string, key: string, e: unknown): Error }).unavailable('write', 'k', err);
    assert.ok(mapped instanceof StoreUnavailableError);
    assert.match(mapped.message, /no space left on the device \(ENOSPC\) while writing k/);
  }
});
