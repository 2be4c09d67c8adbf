import fs from 'node:fs';
import os from 'node:os';
import { after, before } from 'node:test';
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

blockStoreConformance('s3 (s3rver)', async () => {
  const bucket = await s3.createBucket();
  return {
    open: async () => new S3BlockStore({ bucket, endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS }),
    cleanup: async () => undefined,
  };
});

blockStoreConformance('s3 with a key prefix, behind retries (VBS_STORE_URL)', async () => {
  const bucket = await s3.createBucket();
  const storeUrl = `s3://${bucket}/tenant-a/vbs?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`;
  return {
    // The data dir plays no part for an S3 store.
    open: () => openBlockStore({ dataDir: os.tmpdir(), storeUrl }, { env: S3RVER_ENV }),
    cleanup: async () => undefined,
  };
});
