/**
 * The one suite every BlockStore passes. A fixture is one fresh, empty location; `open` may be
 * called again to get a second store over the same location (what a restart would see).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, type BlockStore, type StoredObject } from '../../src/stores/block-store.js';

export interface StoreFixture {
  open(): Promise<BlockStore>;
  cleanup(): Promise<void>;
}

async function collect(items: AsyncIterable<StoredObject>): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The keys `list` gives, checked against `listKeys` where the store has it. */
async function keysOf(store: BlockStore, prefix: string): Promise<string[]> {
  const listed = (await collect(store.list(prefix))).map((o) => o.key).sort();
  if (store.listKeys) {
    const keys: string[] = [];
    for await (const key of store.listKeys(prefix)) keys.push(key);
    assert.deepEqual(keys.sort(), listed, `listKeys('${prefix}') gives what list gives`);
  }
  return listed;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

export function blockStoreConformance(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`BlockStore conformance: ${name}`, () => {
    let fixture: StoreFixture;
    let store: BlockStore;
    const opened: BlockStore[] = [];

    const reopen = async (): Promise<BlockStore> => {
      const again = await fixture.open();
      opened.push(again);
      return again;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
      opened.length = 0;
    });
    afterEach(async () => {
      for (const s of opened) await s.close();
      await store.close();
      await fixture.cleanup();
    });

    it('describes itself', () => {
      assert.ok(store.description.length > 0);
    });

    it('reads back small, empty and multi-MiB objects byte for byte, also from a reopened store', async () => {
      const small = Buffer.from('hello, block store\n');
      const empty = Buffer.alloc(0);
      const big = randomBytes(8 * 1024 * 1024 + 13);
      await store.put('objects/small', small);
      await store.put('objects/empty', empty);
      await store.put('objects/big', big);
      assert.deepEqual(await store.get('objects/small'), small);
      assert.equal((await store.get('objects/empty')).length, 0);
      assert.ok((await store.get('objects/big')).equals(big));

      const again = await reopen();
      assert.deepEqual(await again.get('objects/small'), small);
      assert.equal((await again.get('objects/empty')).length, 0);
      assert.ok((await again.get('objects/big')).equals(big));
      const sizes = Object.fromEntries((await collect(again.list('objects/'))).map((o) => [o.key, o.size]));
      assert.deepEqual(sizes, { 'objects/small': small.length, 'objects/empty': 0, 'objects/big': big.length });
    });

    it('writes large objects whole from the buffers it allocates, at any length and from any offset', async () => {
      const sizes = [2 * 1024 * 1024, 3 * 1024 * 1024 + 4095, 1024 * 1024 + 1];
      for (const [i, size] of sizes.entries()) {
        const content = randomBytes(size + 7);
        const own = store.allocate?.(size + 7) ?? Buffer.alloc(size + 7);
        content.copy(own);
        await store.put(`large/own-${i}`, own.subarray(0, size));
        // A view that starts 7 bytes in is never aligned for direct I/O: the store must cope.
        await store.put(`large/shifted-${i}`, own.subarray(7, size + 7));
        assert.ok((await store.get(`large/own-${i}`)).equals(content.subarray(0, size)), `own buffer, ${size} bytes`);
        assert.ok((await store.get(`large/shifted-${i}`)).equals(content.subarray(7, size + 7)), `shifted view, ${size} bytes`);
      }
      assert.deepEqual(await keysOf(store, 'large/'), ['large/own-0', 'large/own-1', 'large/own-2', 'large/shifted-0', 'large/shifted-1', 'large/shifted-2']);
    });

    it('reads a range of an object, shorter only at its end (when the store reads ranges)', async (t) => {
      if (!store.getRange) {
        t.skip('this store reads whole objects only');
        return;
      }
      const data = randomBytes(1000);
      await store.put('ranged/one', data);
      await store.put('ranged/empty', Buffer.alloc(0));
      const cases: [number, number, Buffer][] = [
        [0, 10, data.subarray(0, 10)],
        [123, 456, data.subarray(123, 579)],
        [990, 10, data.subarray(990)],
        [995, 10, data.subarray(995)],
        [0, 1000, data],
        [1000, 10, Buffer.alloc(0)],
        [5000, 1, Buffer.alloc(0)],
        [10, 0, Buffer.alloc(0)],
      ];
      for (const [offset, length, expected] of cases) {
        const got = await store.getRange('ranged/one', offset, length);
        assert.ok(got.equals(expected), `range ${offset}+${length}: ${got.length} bytes`);
      }
      assert.equal((await store.getRange('ranged/empty', 0, 10)).length, 0);
      for (const [offset, length] of [[0, 10], [0, 0]] as const) {
        await assert.rejects(store.getRange('ranged/absent', offset, length), (err: unknown) => {
          assert.ok(err instanceof NotFoundError, String(err));
          assert.equal(err.key, 'ranged/absent');
          return true;
        });
      }
    });

    it('reads long ranges into the buffers it allocates, shared with worker threads, at any offset and up to the end', async (t) => {
      if (!store.getRange) {
        t.skip('this store reads whole objects only');
        return;
      }
      const size = 3 * 1024 * 1024 + 4321;
      const data = randomBytes(size);
      await store.put('ranged/long', data);
      const length = 2 * 1024 * 1024 + 17;
      const into = store.allocate?.(length, { shared: true }) ?? Buffer.from(new SharedArrayBuffer(length));
      assert.ok(into.buffer instanceof SharedArrayBuffer, 'shared memory');
      const cases: [number, number][] = [
        [0, length],
        [4097, length],
        [size - length, length],
        [size - length + 4000, length],
        [size - 1024 * 1024 - 5, 1024 * 1024 + 5],
      ];
      for (const [offset, want] of cases) {
        const got = await store.getRange('ranged/long', offset, want, into);
        assert.ok(got.equals(data.subarray(offset, offset + want)), `range ${offset}+${want}: ${got.length} bytes`);
      }
    });

    it('reads long ranges into the pieces it divides its buffers into, each read staying in its own piece', async (t) => {
      if (!store.getRange || !store.divide || !store.allocate) {
        t.skip('this store does not divide its buffers');
        return;
      }
      const size = 3 * 1024 * 1024 + 4321;
      const data = randomBytes(size);
      await store.put('ranged/pieces', data);
      const length = 1024 * 1024 + 17;
      const pieces = store.divide(store.allocate(2 * length + 64 * 1024, { shared: true }), length);
      assert.equal(pieces.length, 2, 'two pieces fit');
      assert.ok(pieces.every((p) => p.length === length && p.buffer instanceof SharedArrayBuffer));
      // An unaligned range widens to aligned ends when read directly: the first piece's read must not spill into the second.
      const second = await store.getRange('ranged/pieces', size - length - 3, length, pieces[1]);
      const first = await store.getRange('ranged/pieces', 4097, length, pieces[0]);
      assert.ok(first.equals(data.subarray(4097, 4097 + length)), 'the range read into the first piece');
      assert.ok(second.equals(data.subarray(size - length - 3, size - 3)), 'the second piece holds its range still');
    });

    it('overwrites an object as a whole, leaving no trace of the longer old content', async () => {
      await store.put('k', randomBytes(256 * 1024));
      const replacement = Buffer.from('short');
      await store.put('k', replacement);
      assert.deepEqual(await store.get('k'), replacement);
      const listed = await collect(store.list(''));
      assert.deepEqual(
        listed.map((o) => [o.key, o.size]),
        [['k', replacement.length]],
      );
    });

    it('says whether an object exists', async () => {
      assert.equal(await store.has('blocks/aa/x'), false);
      await store.put('blocks/aa/x', Buffer.from('x'));
      assert.equal(await store.has('blocks/aa/x'), true);
      assert.equal(await store.has('blocks/aa/y'), false);
      assert.equal(await store.has('blocks/aa'), false, 'a prefix of a key is no object');
      await store.delete('blocks/aa/x');
      assert.equal(await store.has('blocks/aa/x'), false);
    });

    it('answers a missing object with NotFoundError naming the key', async () => {
      await store.put('present/one', Buffer.from('1'));
      for (const key of ['absent', 'present/two', 'present/one/deeper']) {
        await assert.rejects(store.get(key), (err: unknown) => {
          assert.ok(err instanceof NotFoundError, `get ${key}: ${String(err)}`);
          assert.equal(err.key, key);
          assert.match(err.message, new RegExp(key));
          return true;
        });
      }
      assert.deepEqual(await store.get('present/one'), Buffer.from('1'));
    });

    it('deletes idempotently and only the named object', async () => {
      await store.put('d/a', Buffer.from('a'));
      await store.put('d/b', Buffer.from('b'));
      await store.delete('d/a');
      await store.delete('d/a');
      await store.delete('d/never-was');
      await assert.rejects(store.get('d/a'), NotFoundError);
      assert.deepEqual(await store.get('d/b'), Buffer.from('b'));
      assert.deepEqual(await keysOf(store, ''), ['d/b']);
      const again = await reopen();
      assert.equal(await again.has('d/a'), false);
    });

    it('keeps keys with slashes apart from one another and from look-alike prefixes', async () => {
      const keys = [
        'manifests/2026/11/23/backup-1.json',
        'manifests/2026/11/23/backup-2.json',
        'manifests/2026/12/01/backup-3.json',
        'manifests-old/backup-0.json',
        'blocks/ab/cd/abcdef0123456789',
        'blocks/ab/ce/abce.0-_9',
        'top',
      ];
      for (const key of keys) await store.put(key, Buffer.from(key));
      for (const key of keys) assert.deepEqual(await store.get(key), Buffer.from(key));
      assert.deepEqual(await keysOf(store, 'manifests/'), keys.slice(0, 3).sort());
      assert.deepEqual(await keysOf(store, 'manifests/2026/11/'), keys.slice(0, 2).sort());
      assert.deepEqual(await keysOf(store, 'manifests'), keys.slice(0, 4).sort());
      assert.deepEqual(await keysOf(store, 'blocks/ab/c'), keys.slice(4, 6).sort());
      assert.deepEqual(await keysOf(store, 'blocks/ab/cd/abc'), ['blocks/ab/cd/abcdef0123456789']);
      assert.deepEqual(await keysOf(store, 'nothing/'), []);
      assert.deepEqual(await keysOf(store, ''), [...keys].sort());
    });

    it('holds a key and keys under it as a directory side by side', async () => {
      await store.put('tree/a', Buffer.from('leaf'));
      await store.put('tree/a/b', Buffer.from('under'));
      await store.put('tree/a/b/c', Buffer.from('deeper'));
      assert.deepEqual(await store.get('tree/a'), Buffer.from('leaf'));
      assert.deepEqual(await store.get('tree/a/b'), Buffer.from('under'));
      assert.deepEqual(await store.get('tree/a/b/c'), Buffer.from('deeper'));
      assert.deepEqual(await keysOf(store, 'tree/a'), ['tree/a', 'tree/a/b', 'tree/a/b/c']);
      assert.deepEqual(await keysOf(store, 'tree/a/'), ['tree/a/b', 'tree/a/b/c']);
      await store.delete('tree/a/b');
      assert.deepEqual(await keysOf(store, 'tree/'), ['tree/a', 'tree/a/b/c']);
      await assert.rejects(store.get('tree/a/b'), NotFoundError);
    });

    it('lists every one of more than a thousand objects by prefix, with size and time', async () => {
      const before = Date.now();
      const many = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
      await inParallel(many, 32, (key) => store.put(key, Buffer.from(key.repeat(1 + (Number(key.slice(5)) % 3)))));
      await store.put('many', Buffer.from('not under many/'));
      await store.put('manyx/1', Buffer.from('not under many/'));

      const listed = await collect(store.list('many/'));
      assert.equal(listed.length, 1100);
      assert.deepEqual(listed.map((o) => o.key).sort(), many);
      for (const item of listed) {
        assert.equal(item.size, item.key.length * (1 + (Number(item.key.slice(5)) % 3)), item.key);
        assert.ok(item.modified instanceof Date);
        // Some stores keep whole seconds only.
        assert.ok(item.modified.getTime() >= before - 2000 && item.modified.getTime() <= Date.now() + 2000, item.key);
      }
      assert.deepEqual(await keysOf(store, 'many/00'), many.slice(0, 100));
      assert.equal((await collect(store.list(''))).length, 1102);
    });

    it('lets a listing stop early', async () => {
      for (let i = 0; i < 5; i += 1) await store.put(`early/${i}`, Buffer.from([i]));
      let seen = 0;
      for await (const item of store.list('early/')) {
        assert.match(item.key, /^early\/\d$/);
        seen += 1;
        if (seen === 2) break;
      }
      assert.equal(seen, 2);
      assert.equal(await store.has('early/4'), true);
    });

    it('takes many puts at once, and concurrent puts of one key leave one whole version', async () => {
      const distinct = Array.from({ length: 64 }, (_, i) => ({ key: `c/${i}`, data: randomBytes(1024 + i) }));
      await Promise.all(distinct.map(({ key, data }) => store.put(key, data)));
      for (const { key, data } of distinct) assert.ok((await store.get(key)).equals(data), key);

      const versions = Array.from({ length: 16 }, () => randomBytes(512 * 1024));
      await Promise.all(versions.map((data) => store.put('c/same', data)));
      const final = await store.get('c/same');
      assert.ok(
        versions.some((v) => v.equals(final)),
        'the object is one of the versions written, not a mix',
      );
      assert.equal((await keysOf(store, 'c/')).length, 65);
    });

    it('closes, and what it stored outlives it', async () => {
      const second = await reopen();
      await second.put('kept', Buffer.from('kept'));
      opened.pop();
      await second.close();
      assert.deepEqual(await store.get('kept'), Buffer.from('kept'));
    });
  });
}
