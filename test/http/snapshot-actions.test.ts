import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { createSnapshot, createVolume } from '../support/volumes.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;

for (const db of DB_KINDS) {
  describe(`Cinder snapshot actions and listing (${db})`, () => {
    let server: TestServer;
    let m: Member;
    let volumeId: string;
    const snapshotFile = (id: string) => path.join(server.dataDir, 'snapshots', `${id}.img`);
    const show = async (id: string, token = m.token, project = m.projectId) => call(server, 'GET', `/v3/${project}/snapshots/${id}`, { token });
    /** An administrator acting from the admin project's own path, as Tempest's admin clients do. */
    const adminAct = (id: string, body: unknown) => call(server, 'POST', `/v3/${server.adminProjectId}/snapshots/${id}/action`, { token: server.adminToken, body });

    before(async () => {
      server = await startServer({ db, env: { VBS_QUOTA_VOLUMES: '-1', VBS_QUOTA_SNAPSHOTS: '-1', VBS_QUOTA_GIGABYTES: '-1' } });
      m = await projectWithUser(server, 'snap-actions');
      volumeId = (await createVolume(server, m, { size: 1 })).id;
    });
    after(async () => server.close());

    it("lets an administrator see and reset another project's snapshot to every status Cinder has", async () => {
      const s = await createSnapshot(server, m, { volume_id: volumeId, name: 'reset-me' });
      const seen = await show(s.id, server.adminToken, server.adminProjectId);
      assert.equal(seen.status, 200, seen.text);
      assert.equal(seen.body.snapshot['os-extended-snapshot-attributes:project_id'], m.projectId);
      for (const status of ['creating', 'deleting', 'error', 'error_deleting', 'updating', 'unmanaging', 'backing-up', 'restoring', 'deleted', 'AVAILABLE']) {
        const r = await adminAct(s.id, { 'os-reset_status': { status } });
        assert.equal(r.status, 202, `${status}: ${r.text}`);
        assert.equal((await show(s.id)).body.snapshot.status, status.toLowerCase());
      }
      const bad = await adminAct(s.id, { 'os-reset_status': { status: 'sleeping' } });
      assert.equal(bad.status, 400);
      assert.equal((await show(s.id)).body.snapshot.status, 'available', 'a refused reset changes nothing');
    });

    it('updates status and progress (os-update_snapshot_status) from creating and deleting only', async () => {
      const s = await createSnapshot(server, m, { volume_id: volumeId, name: 'progress' });
      const update = (body: unknown) => call(server, 'POST', `/v3/${m.projectId}/snapshots/${s.id}/action`, { token: m.token, body: { 'os-update_snapshot_status': body } });
      const refused = await update({ status: 'error', progress: '10%' });
      assert.equal(refused.status, 400, 'not from available');
      assert.equal((await show(s.id)).body.snapshot['os-extended-snapshot-attributes:progress'], '100%');
      assert.equal((await adminAct(s.id, { 'os-reset_status': { status: 'creating' } })).status, 202);
      assert.equal((await update({ status: 'creating', progress: '40%' })).status, 202);
      assert.equal((await show(s.id)).body.snapshot['os-extended-snapshot-attributes:progress'], '40%');
      for (const body of [{ status: 'deleting' }, { status: 'error', progress: '120%' }, { status: 'error', progress: 'half' }, { progress: '10%' }]) {
        assert.equal((await update(body)).status, 400, JSON.stringify(body));
      }
      assert.equal((await update({ status: 'error', progress: '80%' })).status, 202);
      const shown = (await show(s.id, server.adminToken, server.adminProjectId)).body.snapshot;
      assert.equal(shown.status, 'error');
      assert.equal(shown['os-extended-snapshot-attributes:progress'], '80%');
      assert.equal((await adminAct(s.id, { 'os-reset_status': { status: 'deleting' } })).status, 202);
      assert.equal((await update({ status: 'error_deleting' })).status, 202);
      assert.equal((await show(s.id)).body.snapshot.status, 'error_deleting');
      assert.equal((await show(s.id)).body.snapshot['os-extended-snapshot-attributes:progress'], '80%', 'no progress given: it stays');
    });

    it('force-deletes from creating, deleting, error and error_deleting, image included; not from backing-up', async () => {
      for (const status of ['creating', 'deleting', 'error', 'error_deleting']) {
        const s = await createSnapshot(server, m, { volume_id: volumeId });
        assert.equal((await adminAct(s.id, { 'os-reset_status': { status } })).status, 202);
        const r = await adminAct(s.id, { 'os-force_delete': {} });
        assert.equal(r.status, 202, `${status}: ${r.text}`);
        assert.equal((await show(s.id)).status, 404);
        assert.ok(!fs.existsSync(snapshotFile(s.id)), status);
      }
      const held = await createSnapshot(server, m, { volume_id: volumeId });
      assert.equal((await adminAct(held.id, { 'os-reset_status': { status: 'backing-up' } })).status, 202);
      assert.equal((await adminAct(held.id, { 'os-force_delete': {} })).status, 400, 'a running backup holds it');
      assert.equal((await show(held.id)).body.snapshot.status, 'backing-up');
      assert.ok(fs.existsSync(snapshotFile(held.id)));
      await adminAct(held.id, { 'os-reset_status': { status: 'available' } });
    });

    it('shows the extended attributes on show and detail only, and the 3.14/3.41 fields on detail views only', async () => {
      const headers = { 'OpenStack-API-Version': 'volume 3.41' };
      const made = await call(server, 'POST', `/v3/${m.projectId}/snapshots`, { token: m.token, headers, body: { snapshot: { volume_id: volumeId, name: 'views' } } });
      assert.equal(made.status, 202, made.text);
      assert.deepEqual(Object.keys(made.body.snapshot).sort(), ['created_at', 'description', 'group_snapshot_id', 'id', 'metadata', 'name', 'size', 'status', 'updated_at', 'user_id', 'volume_id']);
      const updated = await call(server, 'PUT', `/v3/${m.projectId}/snapshots/${made.body.snapshot.id}`, { token: m.token, body: { snapshot: { description: 'd' } } });
      assert.deepEqual(Object.keys(updated.body.snapshot).sort(), ['created_at', 'description', 'id', 'metadata', 'name', 'size', 'status', 'updated_at', 'volume_id']);
      const list = await call(server, 'GET', `/v3/${m.projectId}/snapshots?name=views`, { token: m.token, headers });
      assert.deepEqual(Object.keys(list.body.snapshots[0]).sort(), ['created_at', 'description', 'id', 'metadata', 'name', 'size', 'status', 'updated_at', 'volume_id']);
      const detail = await call(server, 'GET', `/v3/${m.projectId}/snapshots/detail?name=views`, { token: m.token, headers });
      assert.ok('user_id' in detail.body.snapshots[0] && 'os-extended-snapshot-attributes:progress' in detail.body.snapshots[0]);
    });

    it('sorts by display_name as by name, and answers an unknown marker 404', async () => {
      const p = await projectWithUser(server, 'snap-sorting');
      const v = await createVolume(server, p, { size: 1 });
      for (const name of ['b', 'c', 'a']) await createSnapshot(server, p, { volume_id: v.id, name });
      const names = async (q: string) => (await call(server, 'GET', `/v3/${p.projectId}/snapshots?${q}`, { token: p.token })).body.snapshots.map((s: { name: string }) => s.name);
      assert.deepEqual(await names('sort_key=display_name&sort_dir=asc'), ['a', 'b', 'c']);
      assert.deepEqual(await names('sort_key=name&sort_dir=desc'), ['c', 'b', 'a']);
      const r = await call(server, 'GET', `/v3/${p.projectId}/snapshots?marker=${randomUUID()}`, { token: p.token });
      assert.equal(r.status, 404);
      assert.match(r.body.itemNotFound.message, /Marker .* could not be found/);
    });
  });
}
