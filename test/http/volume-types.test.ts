import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { countRows } from '../support/volumes.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;

for (const db of DB_KINDS) {
  describe(`Cinder volume types (${db})`, () => {
    let server: TestServer;
    let member: User;
    let other: User;
    const admin = () => ({ token: server.adminToken });
    const types = () => `/v3/${server.adminProjectId}/types`;

    before(async () => {
      server = await startServer({ db });
      member = await projectWithUser(server, 'vt-member');
      other = await projectWithUser(server, 'vt-other');
    });
    after(async () => server.close());

    it('lets administrators create, show, update and delete a type; members get 403 and change nothing', async () => {
      const body = { volume_type: { name: 'gold', description: 'fast', extra_specs: { storage_protocol: 'file' }, 'os-volume-type-access:is_public': true } };
      const refused = await call(server, 'POST', `/v3/${member.projectId}/types`, { token: member.token, body });
      assert.equal(refused.status, 403);
      const before = await countRows(server, 'volume_types');
      const created = await call(server, 'POST', types(), { ...admin(), body });
      assert.equal(created.status, 200);
      assert.equal(await countRows(server, 'volume_types'), before + 1);
      const t = created.body.volume_type;
      assert.deepEqual(Object.keys(t).sort(), ['description', 'extra_specs', 'id', 'is_public', 'name', 'os-volume-type-access:is_public']);
      assert.deepEqual(t.extra_specs, { storage_protocol: 'file' });
      const again = await call(server, 'POST', types(), { ...admin(), body });
      assert.equal(again.status, 409);
      assert.equal((await call(server, 'POST', types(), { ...admin(), body: { volume_type: { name: ' ' } } })).status, 400);

      const shownByAdmin = await call(server, 'GET', `${types()}/${t.id}`, admin());
      assert.equal(shownByAdmin.body.volume_type.qos_specs_id, null);
      const shownByMember = await call(server, 'GET', `/v3/${member.projectId}/types/${t.id}`, { token: member.token });
      assert.equal(shownByMember.status, 200);
      assert.ok(!('qos_specs_id' in shownByMember.body.volume_type));
      assert.deepEqual(shownByMember.body.volume_type.extra_specs, {}, 'members see only the user-visible specs');

      const updated = await call(server, 'PUT', `${types()}/${t.id}`, { ...admin(), body: { volume_type: { name: 'platinum', is_public: false } } });
      assert.equal(updated.status, 200);
      assert.deepEqual(Object.keys(updated.body.volume_type).sort(), ['description', 'extra_specs', 'id', 'is_public', 'name']);
      assert.equal(updated.body.volume_type.name, 'platinum');
      assert.equal(updated.body.volume_type.is_public, false);
      assert.equal((await call(server, 'PUT', `${types()}/${t.id}`, { ...admin(), body: { volume_type: {} } })).status, 400);

      assert.equal((await call(server, 'DELETE', `/v3/${member.projectId}/types/${t.id}`, { token: member.token })).status, 403);
      assert.equal((await call(server, 'DELETE', `${types()}/${t.id}`, admin())).status, 202);
      assert.equal((await call(server, 'GET', `${types()}/${t.id}`, admin())).status, 404);
      assert.equal((await call(server, 'DELETE', `${types()}/${t.id}`, admin())).status, 404);
    });

    it('keeps the built-in types and the default, refuses deleting a type in use, and renames what uses it', async () => {
      const dflt = await call(server, 'GET', `/v3/${member.projectId}/types/default`, { token: member.token });
      assert.equal(dflt.body.volume_type.name, 'SATA');
      assert.equal((await call(server, 'DELETE', `${types()}/SSD`, admin())).status, 400);
      const t = (await call(server, 'POST', types(), { ...admin(), body: { volume_type: { name: 'busy' } } })).body.volume_type;
      const v = await call(server, 'POST', `/v3/${member.projectId}/volumes`, { token: member.token, body: { volume: { size: 1, volume_type: t.id } } });
      assert.equal(v.status, 202);
      assert.equal(v.body.volume.volume_type, 'busy');
      const inUse = await call(server, 'DELETE', `${types()}/${t.id}`, admin());
      assert.equal(inUse.status, 400);
      assert.match(inUse.body.badRequest.message, /still in use/);
      assert.equal((await call(server, 'POST', `${types()}/${t.id}/extra_specs`, { ...admin(), body: { extra_specs: { a: 'b' } } })).status, 400);
      await call(server, 'PUT', `${types()}/${t.id}`, { ...admin(), body: { volume_type: { name: 'renamed' } } });
      const shown = await call(server, 'GET', `/v3/${member.projectId}/volumes/${v.body.volume.id}`, { token: member.token });
      assert.equal(shown.body.volume.volume_type, 'renamed');
      const quota = await call(server, 'GET', `/v3/${server.adminProjectId}/os-quota-sets/${member.projectId}?usage=true`, admin());
      assert.equal(quota.body.quota_set.volumes_renamed.in_use, 1);
      assert.equal(quota.body.quota_set.groups.limit, 10);
    });

    it('retypes a volume to a type the back end satisfies, moving its per-type quota usage', async () => {
      const make = async (name: string, extra_specs: Record<string, string>) => (await call(server, 'POST', types(), { ...admin(), body: { volume_type: { name, extra_specs } } })).body.volume_type;
      const a = await make('retype-a', { storage_protocol: 'file' });
      const b = await make('retype-b', { vendor_name: 'Open Source' });
      const bad = await make('retype-bad', { storage_protocol: 'iSCSI' });
      const v = (await call(server, 'POST', `/v3/${member.projectId}/volumes`, { token: member.token, body: { volume: { size: 2, volume_type: a.id } } })).body.volume;
      const retype = (to: string, token = member.token, project = member.projectId) => call(server, 'POST', `/v3/${project}/volumes/${v.id}/action`, { token, body: { 'os-retype': { new_type: to, migration_policy: 'never' } } });
      assert.equal((await retype(a.id)).status, 400, 'the same type');
      assert.equal((await retype(bad.id)).status, 400, 'no back end satisfies it');
      assert.equal((await retype('no-such-type')).status, 404);
      assert.equal((await retype(b.id, other.token, other.projectId)).status, 404, "another project's volume");
      const quotaPath = `/v3/${server.adminProjectId}/os-quota-sets/${member.projectId}`;
      assert.equal((await call(server, 'PUT', quotaPath, { ...admin(), body: { quota_set: { 'volumes_retype-b': 0 } } })).status, 200);
      assert.equal((await retype(b.id)).status, 413, 'over the new type\'s quota');
      await call(server, 'PUT', quotaPath, { ...admin(), body: { quota_set: { 'volumes_retype-b': -1 } } });
      assert.equal((await retype(b.name)).status, 202);
      const shown = await call(server, 'GET', `/v3/${member.projectId}/volumes/${v.id}`, { token: member.token });
      assert.equal(shown.body.volume.volume_type, 'retype-b');
      assert.equal(shown.body.volume.status, 'available');
      const usage = (await call(server, 'GET', `${quotaPath}?usage=true`, admin())).body.quota_set;
      assert.equal(usage['volumes_retype-a'].in_use, 0);
      assert.equal(usage['gigabytes_retype-b'].in_use, 2);
    });

    it('sets, shows, updates and deletes extra specs with Cinder statuses', async () => {
      const t = (await call(server, 'POST', types(), { ...admin(), body: { volume_type: { name: 'specs' } } })).body.volume_type;
      const specs = `${types()}/${t.id}/extra_specs`;
      assert.deepEqual((await call(server, 'POST', specs, { ...admin(), body: { extra_specs: { k1: 'v1', k2: 'v2' } } })).body, { extra_specs: { k1: 'v1', k2: 'v2' } });
      assert.deepEqual((await call(server, 'GET', specs, admin())).body.extra_specs, { k1: 'v1', k2: 'v2' });
      assert.deepEqual((await call(server, 'PUT', `${specs}/k1`, { ...admin(), body: { k1: 'v9' } })).body, { k1: 'v9' });
      assert.deepEqual((await call(server, 'GET', `${specs}/k1`, admin())).body, { k1: 'v9' });
      assert.equal((await call(server, 'PUT', `${specs}/k1`, { ...admin(), body: { k2: 'x' } })).status, 400);
      assert.equal((await call(server, 'PUT', `${specs}/k1`, { ...admin(), body: { k1: 'x', k2: 'y' } })).status, 400);
      assert.equal((await call(server, 'PUT', `${specs}/k1`, { ...admin(), rawBody: 'null' })).status, 400);
      assert.equal((await call(server, 'POST', specs, { ...admin(), body: { extra_specs: ['x'] } })).status, 400);
      assert.equal((await call(server, 'POST', `/v3/${member.projectId}/types/${t.id}/extra_specs`, { token: member.token, body: { extra_specs: { k3: 'v' } } })).status, 403);
      assert.equal((await call(server, 'DELETE', `${specs}/k1`, admin())).status, 202);
      assert.equal((await call(server, 'GET', `${specs}/k1`, admin())).status, 404);
      assert.equal((await call(server, 'DELETE', `${specs}/k1`, admin())).status, 404);
      assert.equal((await call(server, 'GET', `${types()}/4e4e4e4e-0000-4000-8000-000000000000/extra_specs`, admin())).status, 404);
    });

    it('shows a private type only to the projects given access, and to administrators', async () => {
      const t = (await call(server, 'POST', types(), { ...admin(), body: { volume_type: { name: 'private', 'os-volume-type-access:is_public': false } } })).body.volume_type;
      assert.equal(t.is_public, false);
      const create = (u: User) => call(server, 'POST', `/v3/${u.projectId}/volumes`, { token: u.token, body: { volume: { size: 1, volume_type: t.id } } });
      assert.equal((await create(member)).status, 404);
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/types/${t.id}`, { token: member.token })).status, 404);
      const action = `${types()}/${t.id}/action`;
      assert.equal((await call(server, 'POST', `/v3/${member.projectId}/types/${t.id}/action`, { token: member.token, body: { addProjectAccess: { project: member.projectId } } })).status, 403);
      assert.equal((await call(server, 'POST', action, { ...admin(), body: { addProjectAccess: { project: member.projectId } } })).status, 202);
      assert.equal((await call(server, 'POST', action, { ...admin(), body: { addProjectAccess: { project: member.projectId } } })).status, 409);
      const access = await call(server, 'GET', `${types()}/${t.id}/os-volume-type-access`, admin());
      assert.deepEqual(access.body.volume_type_access, [{ volume_type_id: t.id, project_id: member.projectId }]);
      assert.equal((await create(member)).status, 202);
      assert.equal((await create(other)).status, 404);
      const listed = await call(server, 'GET', `/v3/${member.projectId}/types`, { token: member.token });
      assert.ok(listed.body.volume_types.some((x: { id: string }) => x.id === t.id));
      const otherList = await call(server, 'GET', `/v3/${other.projectId}/types`, { token: other.token });
      assert.ok(!otherList.body.volume_types.some((x: { id: string }) => x.id === t.id));
      const allForAdmin = await call(server, 'GET', `${types()}?is_public=None`, admin());
      assert.ok(allForAdmin.body.volume_types.some((x: { id: string }) => x.id === t.id));
      assert.equal((await call(server, 'POST', action, { ...admin(), body: { removeProjectAccess: { project: member.projectId } } })).status, 202);
      assert.equal((await call(server, 'POST', action, { ...admin(), body: { removeProjectAccess: { project: member.projectId } } })).status, 404);
      assert.equal((await call(server, 'GET', `${types()}/SATA/os-volume-type-access`, admin())).status, 404);
    });

    it('records encryption settings of a type', async () => {
      const t = (await call(server, 'POST', types(), { ...admin(), body: { volume_type: { name: 'crypt' } } })).body.volume_type;
      const enc = `${types()}/${t.id}/encryption`;
      assert.deepEqual((await call(server, 'GET', enc, admin())).body, {});
      const settings = { provider: 'LuksEncryptor', key_size: 256, cipher: 'aes-xts-plain64', control_location: 'front-end' };
      assert.equal((await call(server, 'POST', `/v3/${member.projectId}/types/${t.id}/encryption`, { token: member.token, body: { encryption: settings } })).status, 403);
      const created = await call(server, 'POST', enc, { ...admin(), body: { encryption: settings } });
      assert.equal(created.status, 200);
      assert.equal(created.body.encryption.volume_type_id, t.id);
      assert.equal((await call(server, 'POST', enc, { ...admin(), body: { encryption: settings } })).status, 400);
      const updated = await call(server, 'PUT', `${enc}/provider`, { ...admin(), body: { encryption: { key_size: 128, control_location: 'back-end' } } });
      assert.deepEqual(updated.body, { encryption: { key_size: 128, control_location: 'back-end' } });
      const shown = await call(server, 'GET', enc, admin());
      assert.equal(shown.body.key_size, 128);
      assert.equal(shown.body.provider, 'LuksEncryptor');
      assert.equal(shown.body.deleted, false);
      assert.deepEqual((await call(server, 'GET', `${enc}/cipher`, admin())).body, { cipher: 'aes-xts-plain64' });
      assert.equal((await call(server, 'DELETE', `${enc}/provider`, admin())).status, 202);
      assert.deepEqual((await call(server, 'GET', enc, admin())).body, {});
      assert.equal((await call(server, 'POST', `${types()}/4e4e4e4e-0000-4000-8000-000000000000/encryption`, { ...admin(), body: { encryption: settings } })).status, 404);
    });
  });
}
