import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/common/config.js';
import { openBlockStore, parseStoreUrl } from '../../src/stores/factory.js';
import { tempDir } from '../support/server.js';
import { S3RVER_ENV } from './s3-fixture.js';

describe('VBS_STORE_URL', () => {
  it('unset: the local store in <data dir>/store, which keeps what it is given', async () => {
    const dataDir = tempDir('vbs-factory-');
    try {
      const store = await openBlockStore({ dataDir, storeUrl: undefined });
      assert.ok(store.description.includes(path.join(dataDir, 'store')), store.description);
      await store.put('manifests/one', Buffer.from('manifest'));
      await store.close();
      assert.ok(fs.readdirSync(path.join(dataDir, 'store')).length > 0, 'the objects are in <data dir>/store');
      const again = await openBlockStore({ dataDir, storeUrl: '' });
      assert.deepEqual(await again.get('manifests/one'), Buffer.from('manifest'));
      await again.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads bucket, key prefix, endpoint and region from an s3:// URL', () => {
    assert.deepEqual(parseStoreUrl('s3://vbs-backups?endpoint=http%3A%2F%2F10.0.0.5%3A9000%2F&region=eu-west-1', '/d'), {
      kind: 's3',
      bucket: 'vbs-backups',
      prefix: '',
      endpoint: 'http://10.0.0.5:9000',
      region: 'eu-west-1',
    });
    assert.deepEqual(parseStoreUrl('s3://my.bucket-1/site/a/?endpoint=https://obs.example.com', '/d'), {
      kind: 's3',
      bucket: 'my.bucket-1',
      prefix: 'site/a/',
      endpoint: 'https://obs.example.com',
      region: 'us-east-1',
    });
    assert.deepEqual(parseStoreUrl('s3://aws-bucket', '/d'), {
      kind: 's3',
      bucket: 'aws-bucket',
      prefix: '',
      endpoint: undefined,
      region: 'us-east-1',
    });
  });

  it('opens an S3 store that names its endpoint and bucket', async () => {
    const store = await openBlockStore(
      { dataDir: '/nonexistent', storeUrl: 's3://vbs-backups/x?endpoint=http://127.0.0.1:9000' },
      { env: S3RVER_ENV },
    );
    assert.equal(store.description, 's3:http://127.0.0.1:9000/vbs-backups/x');
    await store.close();
  });

  const refused: [string, RegExp][] = [
    ['http://127.0.0.1:9000/bucket', /unsupported scheme "http"/],
    ['file:///var/lib/vbs', /unsupported scheme "file"/],
    ['not a url', /is not a URL/],
    ['s3://ab', /invalid bucket name "ab"/],
    ['s3://Backups', /invalid bucket name/],
    ['s3://under_score', /invalid bucket name/],
    ['s3://', /invalid bucket name ""/],
    ['s3://bucket:9000', /not a host/],
    ['s3://vbs-backups/a/../b', /"\.\."/],
    ['s3://vbs-backups/a/%2E%2E/b', /"\.\."/],
    ['s3://vbs-backups?endpoint=10.0.0.5:9000', /not an http:\/\/ or https:\/\/ URL/],
    ['s3://vbs-backups?endpoint=ftp://host', /not an http:\/\/ or https:\/\/ URL/],
    ['s3://vbs-backups?endpiont=http://host', /unknown parameter "endpiont"/],
    ['s3://AKIAEXAMPLE:s3cr3t@vbs-backups', /must not carry credentials/],
  ];
  for (const [url, reason] of refused) {
    it(`refuses ${url} with one clear line`, async () => {
      await assert.rejects(openBlockStore({ dataDir: '/nonexistent', storeUrl: url }, { env: S3RVER_ENV }), (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, /^VBS_STORE_URL /);
        assert.match(err.message, reason);
        assert.doesNotMatch(err.message, /\n|s3cr3t/);
        return true;
      });
    });
  }

  it('asks for the S3 credentials when they are not set', async () => {
    for (const env of [{}, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }, { AWS_SECRET_ACCESS_KEY: 'x', AWS_ACCESS_KEY_ID: '' }]) {
      await assert.rejects(
        openBlockStore({ dataDir: '/nonexistent', storeUrl: 's3://vbs-backups?endpoint=http://127.0.0.1:9000' }, { env }),
        (err: unknown) =>
          err instanceof ConfigError && /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set/.test(err.message),
      );
    }
  });
});
