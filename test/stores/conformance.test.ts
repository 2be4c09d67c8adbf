import fs from 'node:fs';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, type StoredObject } from '../../src/stores/block-store.js';
import { openBlockStore } from '../../src/stores/factory.js';
import { S3BlockStore } from '../../src/stores/s3-store.js';
import { tempDir } from '../support/server.js';
import { blockStoreConformance } from './conformance.js';
import { S3RVER_CREDENTIALS, S3RVER_ENV, startS3Server, type S3Server } from './s3-fixture.js';

blockStoreConformance('fs (the default: <VBS_DATA_DIR>/store)', async () => {
  const dataDir = tempDir('vbs-fs-store-');
  return {
    open: () => openBlockStore({ dataDir, storeUrl: undefined }),
    cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
});

let s3: S3Server;
before(async () => {
  s3 = await startS3Server();
});
after(async () => {
  await s3.close();
});

// As the service opens it: the S3 store behind the retry decorator.
blockStoreConformance('s3 (s3rver, from VBS_STORE_URL)', async () => {
  const bucket = await s3.createBucket();
  const storeUrl = `s3://${bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`;
  return {
    // The data dir plays no part for an S3 store.
    open: () => openBlockStore({ dataDir: os.tmpdir(), storeUrl }, { env: S3RVER_ENV }),
    cleanup: async () => undefined,
  };
});

describe('S3 key prefix', () => {
  it('keeps stores with different prefixes in one bucket apart, and lists keys without the prefix', async () => {
    const bucket = await s3.createBucket();
    const at = (prefix: string | undefined) =>
      new S3BlockStore({ bucket, endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, prefix });
    const siteA = at('site-a/');
    const siteB = at('site-b');
    const whole = at(undefined);
    try {
      await siteA.put('blocks/1', Buffer.from('a1'));
      await siteB.put('blocks/1', Buffer.from('b1'));
      assert.deepEqual(await siteA.get('blocks/1'), Buffer.from('a1'));
      assert.deepEqual(await siteB.get('blocks/1'), Buffer.from('b1'));
      const listed: StoredObject[] = [];
      for await (const item of siteA.list('')) listed.push(item);
      assert.deepEqual(listed.map((o) => [o.key, o.size]), [['blocks/1', 2]]);
      await siteA.delete('blocks/1');
      assert.deepEqual(await siteB.get('blocks/1'), Buffer.from('b1'));
      await assert.rejects(siteA.get('blocks/1'), NotFoundError);
      assert.deepEqual(await whole.get('site-b/blocks/1'), Buffer.from('b1'), 'the prefix is where the objects are');
      assert.equal(siteA.description, `s3:${s3.endpoint}/${bucket}/site-a`);
    } finally {
      await Promise.all([siteA.close(), siteB.close(), whole.close()]);
    }
  });
});
