import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TrustCache } from '../../src/services/identity/trust-cache.js';

/** A cache on a clock the test moves, and a read that counts its calls. */
function setup(maxEntries = 100) {
  let now = 0;
  const cache = new TrustCache<string>(1000, maxEntries, () => now);
  const reads: string[] = [];
  const read = (key: string, ...value: [string | undefined] | []) => () => {
    reads.push(key);
    return Promise.resolve(value.length === 0 ? `v-${key}` : value[0]);
  };
  return { cache, reads, read, advance: (ms: number) => (now += ms) };
}

describe('TrustCache', () => {
  it('keeps an answer for less than the bound from the start of its read, then reads again', async () => {
    const { cache, reads, read, advance } = setup();
    assert.equal(await cache.get('a', read('a')), 'v-a');
    advance(999);
    assert.equal(await cache.get('a', read('a', 'stale?')), 'v-a');
    advance(1);
    assert.equal(await cache.get('a', read('a', 'new')), 'new');
    assert.deepEqual(reads, ['a', 'a']);
  });

  it('shares one read among concurrent asks of a key', async () => {
    const { cache } = setup();
    let calls = 0;
    let release!: (v: string) => void;
    const slow = () => {
      calls += 1;
      return new Promise<string>((r) => (release = r));
    };
    const both = Promise.all([cache.get('k', slow), cache.get('k', slow)]);
    release('once');
    assert.deepEqual(await both, ['once', 'once']);
    assert.equal(calls, 1);
  });

  it('keeps neither a failed read nor an answer of nothing', async () => {
    const { cache, reads, read } = setup();
    await assert.rejects(cache.get('bad', () => Promise.reject(new Error('refused'))));
    assert.equal(await cache.get('bad', read('bad')), 'v-bad');
    assert.equal(await cache.get('none', read('none', undefined)), undefined);
    assert.equal(await cache.get('none', read('none', 'made since')), 'made since');
    assert.deepEqual(reads, ['bad', 'none', 'none']);
  });

  it('forgets everything on clear, including a read begun before it', async () => {
    const { cache, reads, read } = setup();
    let release!: (v: string) => void;
    const pending = cache.get('k', () => new Promise<string>((r) => (release = r)));
    cache.clear();
    release('before the change');
    assert.equal(await pending, 'before the change');
    assert.equal(await cache.get('k', read('k', 'after the change')), 'after the change');
    assert.deepEqual(reads, ['k']);
  });

  it('holds at most its bound of entries', async () => {
    const { cache, reads, read } = setup(4);
    for (const k of ['a', 'b', 'c', 'd', 'e']) await cache.get(k, read(k));
    // 'a', the oldest, made room; 'e' is kept.
    await cache.get('e', read('e'));
    await cache.get('a', read('a'));
    assert.deepEqual(reads, ['a', 'b', 'c', 'd', 'e', 'a']);
  });
});
