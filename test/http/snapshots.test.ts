import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DB_KINDS, call, issueToken, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { GiB, allocatedBytes, countRows, createSnapshot, createVolume, readAt, writeAt } from '../support/volumes.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;

for (const db of DB_KINDS) {
  describe(`Cinder snapshots (${db})`, () => {
    let server: TestServer;
    let owner: User;
    let other: User;
    const volumeFile = (id: string) => path.join(server.dataDir, 'volumes', `${id}.img`);
    const snapshotFile = (id: string) => path.join(server.dataDir, 'snapshots', `${id}.img`);

    before(async () => {
      server = await startServer({ db, env: { VBS_QUOTA_VOLUMES: '-1', VBS_QUOTA_SNAPSHOTS: '-1', VBS_QUOTA_GIGABYTES: '-1' } });
      owner = await projectWithUser(server, 'snap-owner');
      other = await projectWithUser(server, 'snap-other');
    });
    after(async () => server.close());

    it('takes a point-in-time, sparse copy: later writes to the volume leave it unchanged', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'pit' });
      const at = [0, 300 * 1024 * 1024, GiB - 4096];
      for (const off of at) writeAt(volumeFile(v.id), off, Buffer.alloc(4096, 0xab));
      const r = await call(server, 'POST', `/v3/${owner.projectId}/snapshots`, {
        token: owner.token,
        body: { snapshot: { volume_id: v.id, name: 'pit-snap', description: 'before the change', force: false, metadata: { why: 'test' } } },
      });
      assert.equal(r.status, 202, r.text);
      const s = r.body.snapshot;
      assert.equal(s.status, 'available');
      assert.equal(s.volume_id, v.id);
      assert.equal(s.size, 1);
      assert.equal(s.name, 'pit-snap');
      assert.equal(s.description, 'before the change');
      assert.deepEqual(s.metadata, { why: 'test' });
      // As Cinder: the extended attributes are shown on show and the detailed listing only.
      assert.equal(s['os-extended-snapshot-attributes:project_id'], undefined);
      const shown = (await call(server, 'GET', `/v3/${owner.projectId}/snapshots/${s.id}`, { token: owner.token })).body.snapshot;
      assert.equal(shown['os-extended-snapshot-attributes:project_id'], owner.projectId);
      assert.equal(shown['os-extended-snapshot-attributes:progress'], '100%');
      assert.match(s.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);

      for (const off of at) writeAt(volumeFile(v.id), off, Buffer.alloc(4096, 0xcd));
      const file = snapshotFile(s.id);
      assert.equal(fs.statSync(file).size, GiB);
      for (const off of at) assert.deepEqual(readAt(file, off, 4096), Buffer.alloc(4096, 0xab), `offset ${off}`);
      assert.deepEqual(readAt(file, 100 * 1024 * 1024, 4096), Buffer.alloc(4096));
      // Three written blocks, whether shared by reflink or copied: nowhere near the 1 GiB size.
      assert.ok(allocatedBytes(file) < 4 * 1024 * 1024, `snapshot occupies ${allocatedBytes(file)} bytes`);
      assert.equal(fs.readdirSync(path.dirname(file)).filter((n) => n.includes('.tmp-')).length, 0, 'no temporary files left');
    });

    it('refuses an in-use volume without force and snapshots it with force', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'attached' });
      await call(server, 'POST', `/v3/${owner.projectId}/volumes/${v.id}/action`, { token: owner.token, body: { 'os-attach': { instance_uuid: randomUUID(), mountpoint: '/dev/vdc' } } });
      const before = await countRows(server, 'snapshots');
      const refused = await call(server, 'POST', `/v3/${owner.projectId}/snapshots`, { token: owner.token, body: { snapshot: { volume_id: v.id } } });
      assert.equal(refused.status, 400);
      assert.match(refused.body.badRequest.message, /status must be available, but current status is: in-use/);
      assert.equal(await countRows(server, 'snapshots'), before);
      const forced = await createSnapshot(server, owner, { volume_id: v.id, force: true });
      assert.equal(forced.status, 'available');
      assert.ok(fs.existsSync(snapshotFile(forced.id)));
      const badForce = await call(server, 'POST', `/v3/${owner.projectId}/snapshots`, { token: owner.token, body: { snapshot: { volume_id: v.id, force: 'perhaps' } } });
      assert.equal(badForce.status, 400);
    });

    it('refuses snapshots of unknown, foreign or malformed volumes', async () => {
      const theirs = await createVolume(server, other, { size: 1 });
      const before = await countRows(server, 'snapshots');
      for (const [snapshot, status] of [
        [{ volume_id: randomUUID() }, 404],
        // As Cinder's schema: volume_id is required and a UUID or null; null names no volume.
        [{ volume_id: null }, 404],
        [{ volume_id: 'nope' }, 400],
        [{ volume_id: theirs.id }, 404],
        [{}, 400],
        [{ volume_id: theirs.id, name: 7 }, 400],
      ] as const) {
        const r = await call(server, 'POST', `/v3/${owner.projectId}/snapshots`, { token: owner.token, body: { snapshot } });
        assert.equal(r.status, status, JSON.stringify(snapshot));
      }
      assert.equal(await countRows(server, 'snapshots'), before);
    });

    it('lists, shows, updates and deletes snapshots on v2 and v3', async () => {
      const p = await projectWithUser(server, 'snap-lister');
      const v = await createVolume(server, p, { size: 1 });
      const made: Array<{ id: string; name: string }> = [];
      for (let i = 0; i < 3; i++) made.push(await createSnapshot(server, p, { volume_id: v.id, name: `s-${i}` }));
      const list = await call(server, 'GET', `/v2/${p.projectId}/snapshots`, { token: p.token });
      assert.equal(list.status, 200);
      assert.equal(list.body.snapshots.length, 3);
      assert.equal(list.body.snapshots[0]['os-extended-snapshot-attributes:project_id'], undefined);
      const detail = await call(server, 'GET', `/v3/${p.projectId}/snapshots/detail?name=s-1`, { token: p.token });
      assert.equal(detail.body.snapshots.length, 1);
      assert.equal(detail.body.snapshots[0]['os-extended-snapshot-attributes:project_id'], p.projectId);
      const byVolume = await call(server, 'GET', `/v3/${p.projectId}/snapshots?volume_id=${v.id}&limit=2&sort=name:asc&with_count=1`, { token: p.token, headers: { 'OpenStack-API-Version': 'volume 3.45' } });
      assert.deepEqual(byVolume.body.snapshots.map((s: { name: string }) => s.name), ['s-0', 's-1']);
      assert.equal(byVolume.body.count, 3);
      assert.equal(byVolume.body.snapshots_links[0].rel, 'next');
      const v341 = await call(server, 'GET', `/v3/${p.projectId}/snapshots/${made[0].id}`, { token: p.token, headers: { 'OpenStack-API-Version': 'volume 3.41' } });
      assert.equal(typeof v341.body.snapshot.user_id, 'string');
      const shown = await call(server, 'GET', `/v3/${p.projectId}/snapshots/${made[0].id}`, { token: p.token });
      assert.equal(shown.body.snapshot.user_id, undefined);
      const upd = await call(server, 'PUT', `/v3/${p.projectId}/snapshots/${made[0].id}`, { token: p.token, body: { snapshot: { name: 'renamed', description: 'd' } } });
      assert.equal(upd.status, 200);
      assert.equal(upd.body.snapshot.name, 'renamed');
      assert.equal((await call(server, 'PUT', `/v3/${p.projectId}/snapshots/${made[0].id}`, { token: p.token, body: { snapshot: {} } })).status, 400);
      const meta = await call(server, 'POST', `/v3/${p.projectId}/snapshots/${made[0].id}/metadata`, { token: p.token, body: { metadata: { k: 'v' } } });
      assert.deepEqual(meta.body.metadata, { k: 'v' });
      assert.deepEqual((await call(server, 'GET', `/v3/${p.projectId}/snapshots/${made[0].id}/metadata/k`, { token: p.token })).body, { meta: { k: 'v' } });
      assert.equal((await call(server, 'DELETE', `/v3/${p.projectId}/snapshots/${made[0].id}/metadata/k`, { token: p.token })).status, 200);
      assert.deepEqual((await call(server, 'GET', `/v3/${p.projectId}/snapshots/${made[0].id}/metadata`, { token: p.token })).body, { metadata: {} });
      assert.equal((await call(server, 'GET', `/v3/${p.projectId}/snapshots/not-a-uuid`, { token: p.token })).body.itemNotFound.code, 404);
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/snapshots/${made[1].id}`, { token: owner.token })).status, 404, 'other projects do not see it');
      const del = await call(server, 'DELETE', `/v3/${p.projectId}/snapshots/${made[1].id}`, { token: p.token });
      assert.equal(del.status, 202);
      assert.ok(!fs.existsSync(snapshotFile(made[1].id)));
      assert.equal((await call(server, 'GET', `/v3/${p.projectId}/snapshots/${made[1].id}`, { token: p.token })).status, 404);
      assert.equal((await call(server, 'DELETE', `/v3/${p.projectId}/snapshots/${made[1].id}`, { token: p.token })).status, 404);

      const act = (token: string, body: unknown) => call(server, 'POST', `/v3/${p.projectId}/snapshots/${made[2].id}/action`, { token, body });
      assert.equal((await act(p.token, { 'os-reset_status': { status: 'error' } })).status, 403, 'members may not reset');
      assert.equal((await act(server.adminToken, { 'os-reset_status': { status: 'bogus' } })).status, 400);
      assert.equal((await act(server.adminToken, { 'os-fly': {} })).status, 400);
      assert.equal((await act(server.adminToken, { 'os-reset_status': { status: 'error' } })).status, 202);
      assert.equal((await call(server, 'GET', `/v3/${p.projectId}/snapshots/${made[2].id}`, { token: p.token })).body.snapshot.status, 'error');
      assert.equal((await act(p.token, { 'os-force_delete': {} })).status, 403);
      assert.equal((await act(server.adminToken, { 'os-force_delete': {} })).status, 202);
      assert.equal((await call(server, 'GET', `/v3/${p.projectId}/snapshots/${made[2].id}`, { token: p.token })).status, 404);
      assert.ok(!fs.existsSync(snapshotFile(made[2].id)));
    });

    it('lets a reader list but not take or delete snapshots', async () => {
      const v = await createVolume(server, owner, { size: 1 });
      const s = await createSnapshot(server, owner, { volume_id: v.id });
      await server.services.identity.createUser('snap-reader', 'pw-r', owner.projectId, 'reader');
      const { token } = await issueToken(server.url, 'snap-reader', 'pw-r', 'snap-owner');
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/snapshots/${s.id}`, { token })).status, 200);
      const del = await call(server, 'DELETE', `/v3/${owner.projectId}/snapshots/${s.id}`, { token });
      assert.equal(del.status, 403);
      assert.match(del.body.forbidden.message, /VolumeBackup\.0042/);
      assert.ok(fs.existsSync(snapshotFile(s.id)));
    });
  });
}
