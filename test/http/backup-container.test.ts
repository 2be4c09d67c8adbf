import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as containerNames from '../../src/db/migrations/0081_backup_container_names.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { startS3Server, S3RVER_ENV, type S3Server } from '../stores/s3-fixture.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;

/** A backup made through the Cinder API, once available; its id. */
async function backUp(server: TestServer, m: Member): Promise<string> {
  const v = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size: 1, name: 'disk' } } });
  assert.equal(v.status, 202, v.text);
  const volumeId = v.body.volume.id as string;
  await until('volume available', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${volumeId}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
  const b = await call(server, 'POST', `/v3/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: volumeId, name: 'where' } } });
  assert.equal(b.status, 202, b.text);
  const id = b.body.backup.id as string;
  await until('backup available', async () => ((await call(server, 'GET', `/v3/${m.projectId}/backups/${id}`, { token: m.token })).body.backup.status === 'available' ? true : undefined));
  return id;
}

/** Every reply that shows the backup, to the owner and to a recipient of a share. */
async function views(server: TestServer, owner: Member, recipient: Member, id: string) {
  const share = await call(server, 'POST', `/v2/${owner.projectId}/os-vendor-backup-sharing`, { token: owner.token, body: { shared: { backup_id: id, to_project_ids: [recipient.projectId] } } });
  assert.equal(share.status, 200, share.text);
  const shareId = share.body.shared[0].id as string;
  const get = async (m: Member, path: string) => {
    const r = await call(server, 'GET', path, { token: m.token });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r;
  };
  return {
    cinder: [
      (await get(owner, `/v3/${owner.projectId}/backups/${id}`)).body.backup,
      (await get(owner, `/v2/${owner.projectId}/backups/${id}`)).body.backup,
      (await get(owner, `/v3/${owner.projectId}/backups/detail`)).body.backups.find((b: { id: string }) => b.id === id),
      (await get(recipient, `/v3/${recipient.projectId}/backups/${id}`)).body.backup,
    ],
    shared: [
      (await get(owner, `/v2/${owner.projectId}/os-vendor-backup-sharing/${shareId}`)).body.shared.backup,
      (await get(recipient, `/v2/${recipient.projectId}/os-vendor-backup-sharing/${shareId}`)).body.shared.backup,
      (await get(recipient, `/v2/${recipient.projectId}/os-vendor-backup-sharing/detail?share_to_me=true`)).body.shared.find((s: { backup_id: string }) => s.backup_id === id).backup,
    ],
    texts: [
      (await get(owner, `/v3/${owner.projectId}/backups/detail`)).text,
      (await get(recipient, `/v2/${recipient.projectId}/os-vendor-backup-sharing/detail?share_to_me=true`)).text,
      (await get(recipient, `/cbr/v3/${recipient.projectId}/backups?own_type=shared`)).text,
    ],
  };
}

for (const db of DB_KINDS) {
  describe(`a backup's container names no host path (${db})`, () => {
    let server: TestServer;
    let owner: Member;
    let recipient: Member;
    before(async () => {
      server = await startServer({ db });
      owner = await projectWithUser(server, 'cont-owner');
      recipient = await projectWithUser(server, 'cont-recipient');
      server.services.runner.start();
    });
    after(async () => server.close());

    it("shows the local store's fixed name in Cinder's views and none in the share's, as the references do", async () => {
      const id = await backUp(server, owner);
      const seen = await views(server, owner, recipient, id);
      for (const b of seen.cinder) assert.equal(b.container, 'volumebackups');
      for (const b of seen.shared) assert.equal(b.container, null);
      for (const text of seen.texts) {
        assert.ok(!text.includes(server.dataDir), text);
        assert.ok(!text.includes('fs:'), text);
      }
    });

    it('renames the store paths that backups made before kept', async () => {
      const id = randomUUID();
      const template = (await server.services.backups.get(await backUp(server, owner)))!;
      await server.services.backups.insert({ ...template, id, container: `fs:${server.dataDir}/store` });
      const chosen = randomUUID();
      await server.services.backups.insert({ ...template, id: chosen, container: 'my-container' });
      const s3 = randomUUID();
      await server.services.backups.insert({ ...template, id: s3, container: 's3:http://10.1.2.3:9000/bucket/some/prefix' });
      // Migrations see the database untyped, as the migrator hands it to them.
      await containerNames.up(server.services.database.db as unknown as Kysely<unknown>);
      const show = async (b: string) => (await call(server, 'GET', `/v3/${owner.projectId}/backups/${b}`, { token: owner.token })).body.backup.container;
      assert.equal(await show(id), 'volumebackups');
      assert.equal(await show(chosen), 'my-container', "a user's own container stays");
      assert.equal(await show(s3), 's3:bucket/some/prefix');
    });
  });
}

describe("a backup's container in an S3 store names the bucket, not the endpoint", () => {
  let s3: S3Server;
  let server: TestServer;
  const saved: Record<string, string | undefined> = {};
  before(async () => {
    s3 = await startS3Server();
    const bucket = await s3.createBucket();
    for (const [k, v] of Object.entries(S3RVER_ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    server = await startServer({ env: { VBS_STORE_URL: `s3://${bucket}/tenant-a?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1` } });
    server.services.runner.start();
  });
  after(async () => {
    await server.close();
    await s3.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('shows s3:BUCKET/PREFIX', async () => {
    const owner = await projectWithUser(server, 's3-owner');
    const recipient = await projectWithUser(server, 's3-recipient');
    const id = await backUp(server, owner);
    const seen = await views(server, owner, recipient, id);
    const bucket = /^s3:(vbs-test-[\w-]+)\/tenant-a$/.exec(seen.cinder[0].container as string);
    assert.ok(bucket, seen.cinder[0].container);
    for (const b of seen.cinder) assert.equal(b.container, seen.cinder[0].container);
    for (const b of seen.shared) assert.equal(b.container, null);
    const endpointHost = new URL(s3.endpoint).host;
    for (const text of [...seen.texts, JSON.stringify(seen.cinder)]) assert.ok(!text.includes(endpointHost) && !text.includes('S3RVER'), text);
  });
});
