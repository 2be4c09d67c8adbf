import { createVolumeCommand, type CreateVolume } from '../../src/services/volumes/volume-commands.js';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { toApiError } from '../../src/http/errors.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { countRows, createAvailableVolume, createSnapshot, createVolume } from '../support/volumes.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;

for (const db of DB_KINDS) {
  describe(`Cinder quotas, limits and types (${db})`, () => {
    let server: TestServer;
    let owner: User;
    let other: User;
    const images = () => fs.readdirSync(path.join(server.dataDir, 'volumes')).length;

    before(async () => {
      server = await startServer({ db, env: { VBS_QUOTA_VOLUMES: '3', VBS_QUOTA_GIGABYTES: '10', VBS_QUOTA_SNAPSHOTS: '2' } });
      owner = await projectWithUser(server, 'q-owner');
      other = await projectWithUser(server, 'q-other');
    });
    after(async () => server.close());

    const quotaPath = (p: string, target: string) => `/v3/${p}/os-quota-sets/${target}`;

    it('shows the configured defaults, the project quotas and their usage', async () => {
      const d = await call(server, 'GET', `${quotaPath(owner.projectId, owner.projectId)}/defaults`, { token: owner.token });
      assert.equal(d.status, 200);
      assert.equal(d.body.quota_set.id, owner.projectId);
      assert.equal(d.body.quota_set.volumes, 3);
      assert.equal(d.body.quota_set.gigabytes, 10);
      assert.equal(d.body.quota_set.snapshots, 2);
      assert.equal(d.body.quota_set.backups, 10);
      assert.equal(d.body.quota_set.backup_gigabytes, 1000);
      assert.equal(d.body.quota_set.volumes_SSD, -1);
      assert.equal(d.body.quota_set.gigabytes_SATA, -1);
      assert.equal(d.body.quota_set.snapshots_SAS, -1);
      const v = await createVolume(server, owner, { size: 2, volume_type: 'SSD' });
      await createSnapshot(server, owner, { volume_id: v.id });
      const u = await call(server, 'GET', `${quotaPath(owner.projectId, owner.projectId)}?usage=True`, { token: owner.token });
      assert.equal(u.status, 200);
      assert.deepEqual(u.body.quota_set.volumes, { limit: 3, in_use: 1, reserved: 0 });
      assert.deepEqual(u.body.quota_set.gigabytes, { limit: 10, in_use: 4, reserved: 0 });
      assert.deepEqual(u.body.quota_set.snapshots, { limit: 2, in_use: 1, reserved: 0 });
      assert.deepEqual(u.body.quota_set.volumes_SSD, { limit: -1, in_use: 1, reserved: 0 });
      assert.deepEqual(u.body.quota_set.gigabytes_SSD, { limit: -1, in_use: 4, reserved: 0 });
      assert.deepEqual(u.body.quota_set.snapshots_SSD, { limit: -1, in_use: 1, reserved: 0 });
      assert.deepEqual(u.body.quota_set.volumes_SATA, { limit: -1, in_use: 0, reserved: 0 });
      const plain = await call(server, 'GET', quotaPath(owner.projectId, owner.projectId), { token: owner.token });
      assert.equal(plain.body.quota_set.volumes, 3);
      const limits = await call(server, 'GET', `/v2/${owner.projectId}/limits`, { token: owner.token });
      assert.equal(limits.status, 200);
      assert.deepEqual(limits.body.limits.rate, []);
      assert.deepEqual(limits.body.limits.absolute, {
        maxTotalVolumes: 3, maxTotalSnapshots: 2, maxTotalVolumeGigabytes: 10, maxTotalBackups: 10, maxTotalBackupGigabytes: 1000,
        totalVolumesUsed: 1, totalSnapshotsUsed: 1, totalGigabytesUsed: 4, totalBackupsUsed: 0, totalBackupGigabytesUsed: 0,
      });
    });

    it('refuses creates over quota with 413 overLimit and changes nothing', async () => {
      const p = await projectWithUser(server, 'q-full');
      const a = await createVolume(server, p, { size: 4 });
      await createVolume(server, p, { size: 4 });
      const snapshotsBefore = await countRows(server, 'snapshots');
      const volumesBefore = await countRows(server, 'volumes');
      const imagesBefore = images();
      const tooBig = await call(server, 'POST', `/v3/${p.projectId}/volumes`, { token: p.token, body: { volume: { size: 3 } } });
      assert.equal(tooBig.status, 413);
      assert.equal(tooBig.body.overLimit.code, 413);
      assert.match(tooBig.body.overLimit.message, /exceeds allowed gigabytes quota. Requested 3G, quota is 10G and 8G has been consumed/);
      await createVolume(server, p, { size: 1 });
      const tooMany = await call(server, 'POST', `/v3/${p.projectId}/volumes`, { token: p.token, body: { volume: { size: 1 } } });
      assert.equal(tooMany.status, 413);
      assert.match(tooMany.body.overLimit.message, /Maximum number of volumes allowed \(3\) exceeded for quota 'volumes'/);
      const snapTooBig = await call(server, 'POST', `/v3/${p.projectId}/snapshots`, { token: p.token, body: { snapshot: { volume_id: a.id } } });
      assert.equal(snapTooBig.status, 413, 'a snapshot of 4 GiB does not fit in the 1 GiB left');
      const extend = await call(server, 'POST', `/v3/${p.projectId}/volumes/${a.id}/action`, { token: p.token, body: { 'os-extend': { new_size: 6 } } });
      assert.equal(extend.status, 413);
      assert.equal(await countRows(server, 'volumes'), volumesBefore + 1);
      assert.equal(await countRows(server, 'snapshots'), snapshotsBefore);
      assert.equal(images(), imagesBefore + 1);
      const shown = await call(server, 'GET', `/v3/${p.projectId}/volumes/${a.id}`, { token: p.token });
      assert.equal(shown.body.volume.size, 4);
      assert.equal(shown.body.volume.status, 'available');
    });

    it('answers the VBS codes of each quota: per type, volumes, gigabytes, snapshots', async () => {
      const p = await projectWithUser(server, 'q-typed');
      const put = await call(server, 'PUT', quotaPath(server.adminProjectId, p.projectId), {
        token: server.adminToken,
        body: { quota_set: { volumes_SAS: 0, gigabytes_SSD: 1, snapshots_SATA: 0, snapshots: 5, volumes: 5, gigabytes: 100 } },
      });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.quota_set.volumes_SAS, 0);
      assert.equal(put.body.quota_set.id, undefined);
      const sas = await call(server, 'POST', `/v3/${p.projectId}/volumes`, { token: p.token, body: { volume: { size: 1, volume_type: 'SAS' } } });
      assert.equal(sas.status, 413);
      assert.match(sas.body.overLimit.message, /quota 'volumes_SAS'/);
      const ssd = await call(server, 'POST', `/v3/${p.projectId}/volumes`, { token: p.token, body: { volume: { size: 2, volume_type: 'SSD' } } });
      assert.equal(ssd.status, 413);
      assert.match(ssd.body.overLimit.message, /gigabytes_SSD quota/);
      const sata = await createVolume(server, p, { size: 1 });
      const snap = await call(server, 'POST', `/v3/${p.projectId}/snapshots`, { token: p.token, body: { snapshot: { volume_id: sata.id } } });
      assert.equal(snap.status, 413);
      assert.match(snap.body.overLimit.message, /quota 'snapshots_SATA'/);
      // The codes themselves, as the VBS family answers what the services raise.
      const answers = (code: string) => (err: unknown) => toApiError(err, 'vbs').code === code;
      const codes: Array<[Record<string, number>, Partial<CreateVolume>, string]> = [
        [{ volumes_SAS: 0 }, { size: 1, volumeType: 'SAS' }, 'VolumeBackup.0071'],
        [{ gigabytes_SAS: 0 }, { size: 1, volumeType: 'SAS' }, 'VolumeBackup.0072'],
        [{ volumes_SATA: 0 }, { size: 1 }, 'VolumeBackup.0073'],
        [{ gigabytes_SATA: 0 }, { size: 1 }, 'VolumeBackup.0074'],
        [{ volumes_SSD: 0 }, { size: 1, volumeType: 'SSD' }, 'VolumeBackup.0075'],
        [{ gigabytes_SSD: 0 }, { size: 1, volumeType: 'SSD' }, 'VolumeBackup.0076'],
        [{ volumes: 0 }, { size: 1 }, 'VolumeBackup.0082'],
        [{ gigabytes: 0 }, { size: 1 }, 'VolumeBackup.0083'],
      ];
      const q = await projectWithUser(server, 'q-codes');
      const caller = { projectId: q.projectId, userId: null, admin: false };
      for (const [limits, volume, code] of codes) {
        await server.services.quotas.reset(q.projectId);
        await server.services.quotas.set(q.projectId, limits);
        await assert.rejects(server.services.volumes.create(caller, createVolumeCommand(volume)), answers(code), code);
      }
      await server.services.quotas.reset(q.projectId);
      const base = await server.services.volumes.create(caller, createVolumeCommand({ size: 1, volumeType: 'SAS' }));
      for (const [limits, code] of [[{ snapshots_SAS: 0 }, 'VolumeBackup.0077'], [{ snapshots: 0 }, 'VolumeBackup.0084']] as const) {
        await server.services.quotas.reset(q.projectId);
        await server.services.quotas.set(q.projectId, limits);
        await assert.rejects(server.services.snapshots.create(caller, { volumeId: base.id, force: false, name: null, description: null, metadata: {} }), answers(code), code);
      }
      await server.services.quotas.set(q.projectId, { snapshots_SSD: 0, snapshots: -1 });
      const ssdVol = await server.services.volumes.create(caller, createVolumeCommand({ size: 1, volumeType: 'SSD' }));
      await assert.rejects(server.services.snapshots.create(caller, { volumeId: ssdVol.id, force: false, name: null, description: null, metadata: {} }), answers('VolumeBackup.0079'));
      await server.services.quotas.set(q.projectId, { snapshots_SATA: 0 });
      const sataVol = await server.services.volumes.create(caller, createVolumeCommand({ size: 1 }));
      await assert.rejects(server.services.snapshots.create(caller, { volumeId: sataVol.id, force: false, name: null, description: null, metadata: {} }), answers('VolumeBackup.0078'));
    });

    it('never over-commits under concurrent creates', async () => {
      const p = await projectWithUser(server, 'q-race');
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => call(server, 'POST', `/v3/${p.projectId}/volumes`, { token: p.token, body: { volume: { size: 1, name: `race-${i}` } } })));
      assert.equal(results.filter((r) => r.status === 202).length, 3);
      assert.equal(results.filter((r) => r.status === 413).length, 5);
      const list = await call(server, 'GET', `/v3/${p.projectId}/volumes`, { token: p.token });
      assert.equal(list.body.volumes.length, 3);
      const volumeId = list.body.volumes[0].id;
      const snaps = await Promise.all(Array.from({ length: 6 }, () => call(server, 'POST', `/v3/${p.projectId}/snapshots`, { token: p.token, body: { snapshot: { volume_id: volumeId } } })));
      assert.equal(snaps.filter((r) => r.status === 202).length, 2);
      assert.equal(snaps.filter((r) => r.status === 413).length, 4);
      const snapList = await call(server, 'GET', `/v3/${p.projectId}/snapshots`, { token: p.token });
      assert.equal(snapList.body.snapshots.length, 2);
      assert.equal(fs.readdirSync(path.join(server.dataDir, 'snapshots')).length, await countRows(server, 'snapshots'), 'one image per record, no more');
    });

    it('lets only admins update and reset quotas, and checks their values', async () => {
      const path1 = quotaPath(owner.projectId, owner.projectId);
      const member = await call(server, 'PUT', path1, { token: owner.token, body: { quota_set: { volumes: 100 } } });
      assert.equal(member.status, 403);
      const foreign = await call(server, 'GET', quotaPath(owner.projectId, other.projectId), { token: owner.token });
      assert.equal(foreign.status, 403);
      const adminPath = quotaPath(server.adminProjectId, owner.projectId);
      for (const quota_set of [{ volumes: -2 }, { volumes: 'many' }, { wheels: 4 }, { volumes: 1.5 }]) {
        const r = await call(server, 'PUT', adminPath, { token: server.adminToken, body: { quota_set } });
        assert.equal(r.status, 400, JSON.stringify(quota_set));
      }
      assert.equal((await call(server, 'PUT', adminPath, { token: server.adminToken, body: {} })).status, 400);
      assert.equal((await call(server, 'GET', path1, { token: owner.token })).body.quota_set.volumes, 3, 'refused updates change nothing');
      const ok = await call(server, 'PUT', adminPath, { token: server.adminToken, body: { quota_set: { volumes: '7', backups: -1 } } });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.quota_set.volumes, 7);
      assert.equal(ok.body.quota_set.backups, -1);
      assert.equal((await call(server, 'GET', path1, { token: owner.token })).body.quota_set.volumes, 7);
      assert.equal((await call(server, 'DELETE', path1, { token: owner.token })).status, 403);
      assert.equal((await call(server, 'DELETE', adminPath, { token: server.adminToken })).status, 200);
      assert.equal((await call(server, 'GET', path1, { token: owner.token })).body.quota_set.volumes, 3);
      const unknown = await call(server, 'GET', quotaPath(server.adminProjectId, 'f'.repeat(32)), { token: server.adminToken });
      assert.equal(unknown.status, 404);
    });

    it("shows and changes the default quota class (admins only), which every project's defaults follow, new types included", async () => {
      const cls = `/v3/${server.adminProjectId}/os-quota-class-sets/default`;
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/os-quota-class-sets/default`, { token: owner.token })).status, 403);
      assert.equal((await call(server, 'PUT', `/v3/${owner.projectId}/os-quota-class-sets/default`, { token: owner.token, body: { quota_class_set: { volumes: 5 } } })).status, 403);
      const shown = await call(server, 'GET', cls, { token: server.adminToken });
      assert.equal(shown.body.quota_class_set.id, 'default');
      assert.equal(shown.body.quota_class_set.volumes, 3);
      assert.equal(shown.body.quota_class_set.groups, 10);
      const t = await call(server, 'POST', `/v3/${server.adminProjectId}/types`, { token: server.adminToken, body: { volume_type: { name: 'classy' } } });
      assert.equal(t.status, 200);
      const updated = await call(server, 'PUT', cls, { token: server.adminToken, body: { quota_class_set: { volumes: 4, volumes_classy: 2, wheels: 4 } } });
      assert.equal(updated.status, 200);
      assert.ok(!('id' in updated.body.quota_class_set));
      assert.equal(updated.body.quota_class_set.volumes_classy, 2);
      const p = await projectWithUser(server, 'q-class');
      const defaults = await call(server, 'GET', `${quotaPath(p.projectId, p.projectId)}/defaults`, { token: p.token });
      assert.equal(defaults.body.quota_set.volumes, 4);
      assert.equal(defaults.body.quota_set.volumes_classy, 2);
      await call(server, 'PUT', cls, { token: server.adminToken, body: { quota_class_set: { volumes: 3 } } });
      assert.equal((await call(server, 'GET', quotaPath(p.projectId, p.projectId), { token: p.token })).body.quota_set.volumes, 3);
      assert.equal((await call(server, 'DELETE', `/v3/${server.adminProjectId}/types/${t.body.volume_type.id}`, { token: server.adminToken })).status, 202);
      assert.ok(!('volumes_classy' in (await call(server, 'GET', quotaPath(p.projectId, p.projectId), { token: p.token })).body.quota_set));
    });

    it("answers openstackclient's compute quota read with an empty set, under the volume quotas' rules", async () => {
      for (const suffix of ['', '/detail', '/defaults']) {
        const own = await call(server, 'GET', `/compute/v2.1/os-quota-sets/${owner.projectId}${suffix}`, { token: owner.token });
        assert.equal(own.status, 200, own.text);
        assert.deepEqual(own.body, { quota_set: { id: owner.projectId } });
      }
      assert.equal((await call(server, 'GET', `/compute/v2.1/os-quota-sets/${other.projectId}`, { token: owner.token })).status, 403);
      assert.equal((await call(server, 'GET', `/compute/v2.1/os-quota-sets/${other.projectId}`, { token: server.adminToken })).status, 200);
      assert.equal((await call(server, 'GET', `/compute/v2.1/os-quota-sets/${'f'.repeat(32)}`, { token: server.adminToken })).status, 404);
      assert.equal((await call(server, 'GET', `/compute/v2.1/os-quota-sets/${owner.projectId}`)).status, 401);
      // The catalogue does not offer it: no client takes this service for a compute service.
      const catalog = (await call(server, 'GET', '/identity/v3/auth/catalog', { token: owner.token })).body.catalog as Array<{ type: string }>;
      assert.ok(!catalog.some((s) => s.type === 'compute'));
    });

    it('lists the volume types SATA, SAS and SSD', async () => {
      const r = await call(server, 'GET', `/v3/${owner.projectId}/types`, { token: owner.token });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.volume_types.map((t: { name: string }) => t.name), ['SATA', 'SAS', 'SSD']);
      const t = r.body.volume_types[2];
      assert.equal(t.is_public, true);
      const one = await call(server, 'GET', `/v2/${owner.projectId}/types/${t.id}`, { token: owner.token });
      assert.equal(one.body.volume_type.name, 'SSD');
      const byName = await call(server, 'GET', `/v3/${owner.projectId}/types/sas`, { token: owner.token });
      assert.equal(byName.body.volume_type.name, 'SAS');
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/types/nvme`, { token: owner.token })).status, 404);
      const v = await createVolume(server, other, { size: 1, volume_type: t.id });
      assert.equal(v.volume_type, 'SSD');
    });
  });

  describe(`VBS backup quotas from the server's settings (${db})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ db, env: { VBS_QUOTA_BACKUPS: '2', VBS_QUOTA_BACKUP_GIGABYTES: '-1' } });
    });
    after(async () => server.close());

    const vbsQuota = async (p: User) => {
      const r = await call(server, 'GET', `/v2/${p.projectId}/cloudbackups/quota`, { token: p.token });
      assert.equal(r.status, 200, r.text);
      return r.body.quotas.resources;
    };
    const availableVolume = (p: User, size: number): Promise<string> => createAvailableVolume(server, p, { size });
    const backUp = (p: User, volumeId: string, name: string) => call(server, 'POST', `/v2/${p.projectId}/cloudbackups`, { token: p.token, body: { backup: { volume_id: volumeId, name } } });

    it('shows VBS_QUOTA_BACKUPS and VBS_QUOTA_BACKUP_GIGABYTES (-1 unlimited) with exact usage, enforces them, and follows admin updates', async () => {
      const p = await projectWithUser(server, 'q-vbs');
      assert.deepEqual(await vbsQuota(p), [
        { type: 'backups', used: 0, reserved: 0, quota: 2 },
        { type: 'backup_gigabytes', used: 0, reserved: 0, quota: -1 },
      ]);
      const d = await call(server, 'GET', `/v3/${p.projectId}/os-quota-sets/${p.projectId}/defaults`, { token: p.token });
      assert.equal(d.body.quota_set.backups, 2);
      assert.equal(d.body.quota_set.backup_gigabytes, -1);
      // The runner is not started: the backups stay `creating`, and count while they do.
      const big = await availableVolume(p, 20);
      assert.equal((await backUp(p, big, 'big')).status, 200);
      const small = await availableVolume(p, 3);
      assert.equal((await backUp(p, small, 'small')).status, 200);
      assert.deepEqual(await vbsQuota(p), [
        { type: 'backups', used: 2, reserved: 0, quota: 2 },
        { type: 'backup_gigabytes', used: 23, reserved: 0, quota: -1 },
      ]);
      const third = await availableVolume(p, 1);
      const over = await backUp(p, third, 'third');
      assert.equal(over.status, 400, over.text);
      assert.equal(over.body.error.code, 'VolumeBackup.0080');
      // Unlimited from the admin's update on; a limited number of gigabytes now refuses the rest.
      const put = await call(server, 'PUT', `/v3/${server.adminProjectId}/os-quota-sets/${p.projectId}`, { token: server.adminToken, body: { quota_set: { backups: -1, backup_gigabytes: 23 } } });
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(await vbsQuota(p), [
        { type: 'backups', used: 2, reserved: 0, quota: -1 },
        { type: 'backup_gigabytes', used: 23, reserved: 0, quota: 23 },
      ]);
      const overGb = await backUp(p, third, 'third');
      assert.equal(overGb.status, 400, overGb.text);
      assert.equal(overGb.body.error.code, 'VolumeBackup.0081');
      assert.equal((await call(server, 'PUT', `/v3/${server.adminProjectId}/os-quota-sets/${p.projectId}`, { token: server.adminToken, body: { quota_set: { backup_gigabytes: 24 } } })).status, 200);
      assert.equal((await backUp(p, third, 'third')).status, 200);
      assert.deepEqual(await vbsQuota(p), [
        { type: 'backups', used: 3, reserved: 0, quota: -1 },
        { type: 'backup_gigabytes', used: 24, reserved: 0, quota: 24 },
      ]);
      // Another project still has the server's defaults, and none of this project's usage.
      const q = await projectWithUser(server, 'q-vbs-other');
      assert.deepEqual(await vbsQuota(q), [
        { type: 'backups', used: 0, reserved: 0, quota: 2 },
        { type: 'backup_gigabytes', used: 0, reserved: 0, quota: -1 },
      ]);
      assert.equal((await call(server, 'GET', `/v2/${q.projectId}/cloudbackups/quota`, { token: p.token })).status, 403);
    });
  });
}
