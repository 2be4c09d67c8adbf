/**
 * The S3 store when the service misbehaves: real s3rver behind a small proxy that answers with
 * failures, and a closed port for an endpoint that is not there.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NotFoundError, StoreUnavailableError, type BlockStore } from '../../src/stores/block-store.js';
import { openBlockStore } from '../../src/stores/factory.js';
import { RetryingBlockStore, type RetryEvent, type RetryPolicy } from '../../src/stores/retry.js';
import { S3BlockStore } from '../../src/stores/s3-store.js';
import { freePort } from '../support/net.js';
import { S3RVER_CREDENTIALS, S3RVER_ENV, startFaultProxy, startS3Server, type FaultProxy, type S3Server } from './s3-fixture.js';

/** Quick retries, so a test of several of them takes milliseconds. */
const FAST: Partial<RetryPolicy> = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50, maxElapsedMs: 5000 };

/** A user-facing reason: one line, no SDK internals. */
function assertClear(err: unknown, ...mentions: string[]): asserts err is StoreUnavailableError {
  assert.ok(err instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(err)}`);
  assert.doesNotMatch(err.message, /\n|@smithy|@aws-sdk|node_modules/);
  for (const m of mentions) assert.ok(err.message.includes(m), `"${err.message}" should mention "${m}"`);
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a failure');
}

let s3: S3Server;
let proxy: FaultProxy;
const open: BlockStore[] = [];

before(async () => {
  s3 = await startS3Server();
});
after(async () => {
  await s3.close();
});

function track<T extends BlockStore>(store: T): T {
  open.push(store);
  return store;
}

/** An S3 store over the proxy, as the factory composes it, with quick retries. */
function retryingStore(bucket: string, extra: { idleTimeoutMs?: number; listPageSize?: number } = {}, events: RetryEvent[] = []) {
  const inner = new S3BlockStore({ bucket, endpoint: proxy.endpoint, credentials: S3RVER_CREDENTIALS, ...extra });
  return track(new RetryingBlockStore(inner, FAST, { onRetry: (e) => events.push(e) }));
}

describe('S3 store failures', () => {
  before(async () => {
    proxy = await startFaultProxy(s3.endpoint);
  });
  after(async () => {
    await proxy.close();
  });
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
    proxy.plan = () => ({ kind: 'pass' });
    proxy.requests.length = 0;
  });

  it('names an unreachable endpoint and gives up within a bounded time', async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const bare = track(new S3BlockStore({ bucket: 'vbs-data', endpoint, credentials: S3RVER_CREDENTIALS }));
    let started = Date.now();
    const err = await failure(bare.put('blocks/x', Buffer.from('x')));
    assertClear(err, endpoint, '"vbs-data"', 'connection refused');
    assert.equal(err.transient, true, 'a refused connection may be a restarting service');
    assert.ok(Date.now() - started < 2000);

    // As configured by VBS_STORE_URL, with the default retries: still a clear answer, in seconds.
    const configured = track(
      await openBlockStore(
        { dataDir: '/nonexistent', storeUrl: `s3://vbs-data?endpoint=${encodeURIComponent(endpoint)}` },
        { env: S3RVER_ENV },
      ),
    );
    started = Date.now();
    const again = await failure(configured.get('blocks/x'));
    const elapsed = Date.now() - started;
    assertClear(again, endpoint, 'connection refused', 'gave up after 6 attempts');
    assert.ok(elapsed >= 1000 && elapsed < 10_000, `gave up after ${elapsed} ms`);
  });

  for (const [status, code] of [
    [503, 'SlowDown'],
    [500, 'InternalError'],
    [429, undefined],
    [502, undefined],
  ] as const) {
    it(`retries ${status}${code ? ` ${code}` : ''} answers and then succeeds`, async () => {
      const bucket = await s3.createBucket();
      const events: RetryEvent[] = [];
      const store = retryingStore(bucket, {}, events);
      const data = randomBytes(100_000);
      proxy.plan = (i) => (i < 3 ? { kind: 'answer', status, code } : { kind: 'pass' });
      await store.put('blocks/a', data);
      // The bucket check met the three failures, then passed; then the PUT: nothing multiplied.
      assert.deepEqual(proxy.requests.map((r) => r.split(' ')[0]), ['HEAD', 'HEAD', 'HEAD', 'HEAD', 'PUT']);
      assert.equal(events.length, 3);
      events.forEach((e, n) => {
        const ceiling = Math.min(50, 10 * 2 ** n);
        assert.equal(e.attempt, n + 1);
        assert.ok(e.delayMs >= ceiling / 2 && e.delayMs <= ceiling, `pause ${e.delayMs} ms after attempt ${n + 1}`);
        assert.ok(e.error instanceof StoreUnavailableError && e.error.message.includes(String(status)));
      });

      proxy.plan = (i) => (i < 7 ? { kind: 'answer', status, code } : { kind: 'pass' });
      assert.ok((await store.get('blocks/a')).equals(data));
      assert.equal(proxy.requests.length, 7 + 1);
    });
  }

  it('retries a connection reset by the service', async () => {
    const bucket = await s3.createBucket();
    const store = retryingStore(bucket);
    await store.put('blocks/r', Buffer.from('reset'));
    proxy.requests.length = 0;
    proxy.plan = (i) => (i < 2 ? { kind: 'reset' } : { kind: 'pass' });
    assert.deepEqual(await store.get('blocks/r'), Buffer.from('reset'));
    assert.equal(proxy.requests.length, 3);
  });

  it('leaves no partial object when an upload is cut, and the retry stores it whole', async () => {
    const bucket = await s3.createBucket();
    const bare = track(new S3BlockStore({ bucket, endpoint: proxy.endpoint, credentials: S3RVER_CREDENTIALS }));
    assert.equal(await bare.has('packs/p'), false);
    const data = randomBytes(4 * 1024 * 1024);
    proxy.plan = (_i, req) => (req.method === 'PUT' ? { kind: 'cut', afterBytes: 1024 * 1024 } : { kind: 'pass' });
    const err = await failure(bare.put('packs/p', data));
    assertClear(err);
    assert.equal(err.transient, true);
    proxy.plan = () => ({ kind: 'pass' });
    assert.equal(await bare.has('packs/p'), false, 'no partial object');
    const listed: string[] = [];
    for await (const item of bare.list('')) listed.push(item.key);
    assert.deepEqual(listed, []);

    const store = retryingStore(bucket);
    let puts = 0;
    proxy.plan = (_i, req) => (req.method === 'PUT' && ++puts === 1 ? { kind: 'cut', afterBytes: 1024 * 1024 } : { kind: 'pass' });
    await store.put('packs/p', data);
    assert.equal(puts, 2);
    assert.ok((await store.get('packs/p')).equals(data));
  });

  it('retries a service that stops answering, after the idle timeout', async () => {
    const bucket = await s3.createBucket();
    const store = retryingStore(bucket, { idleTimeoutMs: 300 });
    await store.put('blocks/t', Buffer.from('slow'));
    proxy.requests.length = 0;
    proxy.plan = (i) => (i < 1 ? { kind: 'hang' } : { kind: 'pass' });
    const started = Date.now();
    assert.deepEqual(await store.get('blocks/t'), Buffer.from('slow'));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `${elapsed} ms`);
    assert.equal(proxy.requests.length, 2);

    proxy.requests.length = 0;
    proxy.plan = () => ({ kind: 'hang' });
    const err = await failure(store.has('blocks/t'));
    assertClear(err, 'timed out', `gave up after ${FAST.maxAttempts} attempts`);
    assert.equal(proxy.requests.length, FAST.maxAttempts);
  });

  it('gives up on a service that keeps failing after the bounded number of attempts', async () => {
    const bucket = await s3.createBucket();
    const store = retryingStore(bucket);
    await store.put('blocks/b', Buffer.from('b'));
    proxy.requests.length = 0;
    proxy.plan = () => ({ kind: 'answer', status: 503, code: 'ServiceUnavailable' });
    const err = await failure(store.put('blocks/b', Buffer.from('new')));
    assertClear(err, `"${bucket}"`, '503', `gave up after ${FAST.maxAttempts} attempts`);
    assert.equal(proxy.requests.length, FAST.maxAttempts, 'the SDK adds no attempts of its own');
    proxy.plan = () => ({ kind: 'pass' });
    assert.deepEqual(await store.get('blocks/b'), Buffer.from('b'), 'the failed put changed nothing');
  });

  it('stops retrying when the time allowed has passed, whatever the attempts left', async () => {
    const bucket = await s3.createBucket();
    const inner = new S3BlockStore({ bucket, endpoint: proxy.endpoint, credentials: S3RVER_CREDENTIALS });
    const policy = { maxAttempts: 1000, baseDelayMs: 40, maxDelayMs: 80, maxElapsedMs: 400 };
    const store = track(new RetryingBlockStore(inner, policy));
    proxy.plan = () => ({ kind: 'answer', status: 503, code: 'SlowDown' });
    const started = Date.now();
    const err = await failure(store.put('blocks/x', Buffer.from('x')));
    const elapsed = Date.now() - started;
    assertClear(err, '503', 'gave up after');
    assert.ok(elapsed >= 200 && elapsed < 1500, `${elapsed} ms`);
    assert.ok(proxy.requests.length >= 4 && proxy.requests.length <= 12, `${proxy.requests.length} attempts`);
  });

  it('does not retry a missing bucket', async () => {
    const store = retryingStore('vbs-no-such-bucket');
    const err = await failure(store.put('blocks/x', Buffer.from('x')));
    assertClear(err, '"vbs-no-such-bucket"', proxy.endpoint, 'does not exist');
    assert.equal(err.transient, false);
    assert.equal(proxy.requests.length, 1);
    const listing = await failure((async () => {
      for await (const item of store.list('')) void item;
    })());
    assertClear(listing, 'does not exist');
    assert.equal(proxy.requests.length, 2);
  });

  it('does not retry refused credentials, and says which to check', async () => {
    const bucket = await s3.createBucket();
    const inner = new S3BlockStore({
      bucket,
      endpoint: proxy.endpoint,
      credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' },
    });
    const store = track(new RetryingBlockStore(inner, FAST));
    const err = await failure(store.put('blocks/x', Buffer.from('x')));
    assertClear(err, 'access denied', 'AWS_ACCESS_KEY_ID', `"${bucket}"`);
    assert.equal(err.transient, false);
    assert.equal(proxy.requests.length, 1);

    // A 403 on one object (a bucket policy, say) after the bucket check is no different.
    const good = retryingStore(bucket);
    assert.equal(await good.has('blocks/x'), false);
    proxy.requests.length = 0;
    proxy.plan = () => ({ kind: 'answer', status: 403, code: 'AccessDenied' });
    assertClear(await failure(good.put('blocks/x', Buffer.from('x'))), 'access denied');
    assert.equal(proxy.requests.length, 1);
    proxy.plan = () => ({ kind: 'pass' });
    assert.equal(await good.has('blocks/x'), false, 'nothing was written');
  });

  it('does not retry an absent object', async () => {
    const bucket = await s3.createBucket();
    const store = retryingStore(bucket);
    await assert.rejects(store.get('blocks/absent'), NotFoundError);
    assert.deepEqual(proxy.requests.map((r) => r.split(' ')[0]), ['HEAD', 'GET']);
  });

  it('pages through a listing and, when a page fails, lists again without repeating a key', async () => {
    const bucket = await s3.createBucket();
    const store = retryingStore(bucket, { listPageSize: 10 });
    const keys = Array.from({ length: 25 }, (_, i) => `idx/${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((k) => store.put(k, Buffer.from(k))));

    proxy.requests.length = 0;
    const all: string[] = [];
    for await (const item of store.list('idx/')) all.push(item.key);
    assert.deepEqual(all.sort(), keys);
    assert.equal(proxy.requests.filter((r) => r.startsWith('GET') && r.includes('list-type=2')).length, 3);

    proxy.requests.length = 0;
    let lists = 0;
    proxy.plan = (_i, req) => (req.url?.includes('list-type=2') && ++lists === 2 ? { kind: 'answer', status: 500, code: 'InternalError' } : { kind: 'pass' });
    const again: string[] = [];
    for await (const item of store.list('idx/')) again.push(item.key);
    assert.equal(again.length, 25, 'no key twice');
    assert.deepEqual(again.sort(), keys);
    // page 1, page 2 (failed), then the listing anew: pages 1, 2, 3
    assert.equal(lists, 5);
  });
});
