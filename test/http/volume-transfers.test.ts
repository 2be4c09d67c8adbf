import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { createSnapshot, createVolume } from '../support/volumes.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;

const at = (version: string) => ({ 'OpenStack-API-Version': `volume ${version}` });

for (const db of DB_KINDS) {
  describe(`Cinder volume transfers (${db})`, () => {
    let server: TestServer;
    let giver: User;
    let taker: User;

    before(async () => {
      server = await startServer({ db });
      giver = await projectWithUser(server, 'xfer-giver');
      taker = await projectWithUser(server, 'xfer-taker');
    });
    after(async () => server.close());

    const volumeOf = async (u: User, id: string) => call(server, 'GET', `/v3/${u.projectId}/volumes/${id}`, { token: u.token });
    const transferRows = async () => server.services.database.db.selectFrom('volume_transfers').selectAll().execute();

    it('offers a volume with its snapshots: the key once, the volume awaiting transfer; the taker gets both within its quota', async () => {
      const v = await createVolume(server, giver, { size: 2, name: 'gift' });
      const snap = await createSnapshot(server, giver, { volume_id: v.id, name: 'gift-snap' });
      const created = await call(server, 'POST', `/v3/${giver.projectId}/os-volume-transfer`, { token: giver.token, body: { transfer: { volume_id: v.id, name: '  present  ' } } });
      assert.equal(created.status, 202, created.text);
      const t = created.body.transfer;
      assert.deepEqual(Object.keys(t).sort(), ['auth_key', 'created_at', 'id', 'links', 'name', 'volume_id']);
      assert.equal(t.name, 'present');
      assert.match(t.auth_key, /^[0-9a-f]{16}$/);
      assert.equal(t.links[0].href, `${server.url}/v3/${giver.projectId}/os-volume-transfer/${t.id}`);
      assert.equal((await volumeOf(giver, v.id)).body.volume.status, 'awaiting-transfer');
      // The key is kept only as a salted hash.
      const [row] = (await transferRows()).filter((r) => r.id === t.id);
      assert.ok(!JSON.stringify(row).includes(t.auth_key));
      assert.notEqual(row.crypt_hash, t.auth_key);

      const shown = await call(server, 'GET', `/v3/${giver.projectId}/os-volume-transfer/${t.id}`, { token: giver.token });
      assert.equal(shown.status, 200);
      assert.equal(shown.body.transfer.auth_key, undefined);
      assert.equal(shown.body.transfer.volume_id, v.id);
      const list = await call(server, 'GET', `/v3/${giver.projectId}/os-volume-transfer`, { token: giver.token });
      assert.deepEqual(list.body.transfers.map((x: { id: string }) => x.id), [t.id]);
      assert.deepEqual(Object.keys(list.body.transfers[0]).sort(), ['id', 'links', 'name', 'volume_id']);
      // The taker sees nothing of the offer but accepts it with the key.
      assert.equal((await call(server, 'GET', `/v3/${taker.projectId}/os-volume-transfer/${t.id}`, { token: taker.token })).status, 404);
      assert.deepEqual((await call(server, 'GET', `/v3/${taker.projectId}/os-volume-transfer/detail`, { token: taker.token })).body.transfers, []);

      const wrong = await call(server, 'POST', `/v3/${taker.projectId}/os-volume-transfer/${t.id}/accept`, { token: taker.token, body: { accept: { auth_key: 'not-the-key' } } });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body.badRequest.message, /invalid auth key/);
      assert.equal((await volumeOf(giver, v.id)).body.volume.status, 'awaiting-transfer');

      // Over the taker's quota: refused, nothing moves.
      await server.services.quotas.set(taker.projectId, { gigabytes: 3 });
      const over = await call(server, 'POST', `/v3/${taker.projectId}/os-volume-transfer/${t.id}/accept`, { token: taker.token, body: { accept: { auth_key: t.auth_key } } });
      assert.equal(over.status, 413, over.text);
      assert.equal((await volumeOf(giver, v.id)).body.volume.status, 'awaiting-transfer');
      await server.services.quotas.reset(taker.projectId);

      const accepted = await call(server, 'POST', `/v3/${taker.projectId}/os-volume-transfer/${t.id}/accept`, { token: taker.token, body: { accept: { auth_key: t.auth_key } } });
      assert.equal(accepted.status, 202, accepted.text);
      assert.deepEqual(Object.keys(accepted.body.transfer).sort(), ['id', 'links', 'name', 'volume_id']);
      const mine = (await volumeOf(taker, v.id)).body.volume;
      assert.equal(mine.status, 'available');
      assert.equal(mine['os-vol-tenant-attr:tenant_id'], taker.projectId);
      const takerMade = await createVolume(server, taker, { size: 1 });
      assert.equal(mine.user_id, takerMade.user_id, 'the accepting user owns it');
      assert.equal((await volumeOf(giver, v.id)).status, 404, 'the giver no longer sees it');
      assert.equal((await call(server, 'GET', `/v3/${taker.projectId}/snapshots/${snap.id}`, { token: taker.token })).status, 200, 'its snapshot went along');
      assert.equal((await call(server, 'GET', `/v3/${giver.projectId}/snapshots/${snap.id}`, { token: giver.token })).status, 404);
      // An accepted transfer is gone from the API; a second accept finds nothing.
      assert.equal((await call(server, 'GET', `/v3/${giver.projectId}/os-volume-transfer/${t.id}`, { token: giver.token })).status, 404);
      const again = await call(server, 'POST', `/v3/${taker.projectId}/os-volume-transfer/${t.id}/accept`, { token: taker.token, body: { accept: { auth_key: t.auth_key } } });
      assert.equal(again.status, 404);
      const usage = await server.services.quotas.usage(taker.projectId);
      assert.deepEqual([usage.volumes, usage.snapshots, usage.gigabytes], [2, 1, 5]);
    });

    it('withdraws an offer: the volume is available again; refuses volumes that are not available and bodies Cinder refuses', async () => {
      const v = await createVolume(server, giver, { size: 1 });
      const t = (await call(server, 'POST', `/v2/${giver.projectId}/os-volume-transfer`, { token: giver.token, body: { transfer: { volume_id: v.id } } })).body.transfer;
      assert.equal(t.name, null);
      const busy = await call(server, 'POST', `/v3/${giver.projectId}/os-volume-transfer`, { token: giver.token, body: { transfer: { volume_id: v.id } } });
      assert.equal(busy.status, 400, 'a volume awaiting transfer is not available');
      assert.equal((await call(server, 'DELETE', `/v3/${taker.projectId}/os-volume-transfer/${t.id}`, { token: taker.token })).status, 404, 'only its project withdraws it');
      const withdrawn = await call(server, 'DELETE', `/v2/${giver.projectId}/os-volume-transfer/${t.id}`, { token: giver.token });
      assert.equal(withdrawn.status, 202);
      assert.equal((await volumeOf(giver, v.id)).body.volume.status, 'available');
      assert.equal((await call(server, 'DELETE', `/v3/${giver.projectId}/os-volume-transfer/${t.id}`, { token: giver.token })).status, 404);
      const before = (await transferRows()).length;
      for (const body of [
        { transfer: { volume_id: 'not-a-uuid' } },
        { transfer: { name: 'x' } },
        { transfer: { volume_id: v.id, no_snapshots: true } },
        { transfer: { volume_id: v.id, color: 'red' } },
        { nothing: {} },
      ]) {
        const r = await call(server, 'POST', `/v3/${giver.projectId}/os-volume-transfer`, { token: giver.token, body });
        assert.equal(r.status, 400, JSON.stringify(body));
      }
      assert.equal((await call(server, 'POST', `/v3/${giver.projectId}/os-volume-transfer`, { token: giver.token, body: { transfer: { volume_id: randomUUID() } } })).status, 404);
      assert.equal((await call(server, 'POST', `/v3/${taker.projectId}/os-volume-transfer`, { token: taker.token, body: { transfer: { volume_id: v.id } } })).status, 404, "another project's volume");
      assert.equal((await transferRows()).length, before);
      assert.equal((await volumeOf(giver, v.id)).body.volume.status, 'available');
    });

    it('volume-transfers: no_snapshots from 3.55 leaves the snapshots behind; 3.57 shows the history fields', async () => {
      const v = await createVolume(server, giver, { size: 1 });
      const snap = await createSnapshot(server, giver, { volume_id: v.id });
      const base = `/v3/${giver.projectId}/volume-transfers`;
      const created = await call(server, 'POST', base, { token: giver.token, headers: at('3.55'), body: { transfer: { volume_id: v.id, no_snapshots: true } } });
      assert.equal(created.status, 202, created.text);
      assert.equal(created.body.transfer.no_snapshots, true);
      assert.equal(created.body.transfer.accepted, undefined);
      const t = created.body.transfer;
      const at357 = await call(server, 'GET', `${base}/${t.id}`, { token: giver.token, headers: at('3.57') });
      assert.deepEqual(
        [at357.body.transfer.no_snapshots, at357.body.transfer.source_project_id, at357.body.transfer.destination_project_id, at357.body.transfer.accepted],
        [true, giver.projectId, null, false],
      );
      const detail = await call(server, 'GET', `${base}/detail`, { token: giver.token, headers: at('3.57') });
      assert.ok(detail.body.transfers.some((x: { id: string; accepted: boolean }) => x.id === t.id && x.accepted === false));
      const old = await call(server, 'GET', `${base}/${t.id}`, { token: giver.token, headers: at('3.54') });
      assert.equal(old.body.transfer.no_snapshots, undefined);
      const accepted = await call(server, 'POST', `/v3/${taker.projectId}/volume-transfers/${t.id}/accept`, { token: taker.token, headers: at('3.57'), body: { accept: { auth_key: t.auth_key } } });
      assert.equal(accepted.status, 202, accepted.text);
      assert.equal((await volumeOf(taker, v.id)).body.volume.status, 'available');
      assert.equal((await call(server, 'GET', `/v3/${giver.projectId}/snapshots/${snap.id}`, { token: giver.token })).status, 200, 'no_snapshots kept the snapshot with the giver');
      const [row] = (await transferRows()).filter((r) => r.id === t.id);
      assert.deepEqual([Number(row.accepted), row.destination_project_id], [1, taker.projectId]);
    });

    it("lets an administrator list and show every project's offers through its own project; a forced volume delete ends its offer", async () => {
      const v = await createVolume(server, giver, { size: 1 });
      const t = (await call(server, 'POST', `/v3/${giver.projectId}/os-volume-transfer`, { token: giver.token, body: { transfer: { volume_id: v.id } } })).body.transfer;
      const adminBase = `/v3/${server.adminProjectId}/os-volume-transfer`;
      assert.ok(!(await call(server, 'GET', adminBase, { token: server.adminToken })).body.transfers.some((x: { id: string }) => x.id === t.id));
      assert.ok((await call(server, 'GET', `${adminBase}?all_tenants=1`, { token: server.adminToken })).body.transfers.some((x: { id: string }) => x.id === t.id));
      assert.equal((await call(server, 'GET', `${adminBase}/${t.id}`, { token: server.adminToken })).status, 200);
      const forced = await call(server, 'POST', `/v3/${server.adminProjectId}/volumes/${v.id}/action`, { token: server.adminToken, body: { 'os-force_delete': {} } });
      assert.equal(forced.status, 202, forced.text);
      assert.equal((await call(server, 'GET', `${adminBase}/${t.id}`, { token: server.adminToken })).status, 404);
      assert.equal((await transferRows()).filter((r) => r.id === t.id).length, 0);
    });
  });
}
