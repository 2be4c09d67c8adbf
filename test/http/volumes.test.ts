import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '../../src/common/clock.js';
import { MAX_MICROVERSION } from '../../src/http/microversion.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { GiB, allocatedBytes, countRows, createSnapshot, createVolume, readAt, writeAt } from '../support/volumes.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;

const CINDER_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

/** What Cinder's extensions add to a volume read by an administrator, and no one else sees. */
const ADMIN_ONLY = ['os-vol-host-attr:host', 'os-vol-mig-status-attr:migstat', 'os-vol-mig-status-attr:name_id', 'migration_status'];

for (const db of DB_KINDS) {
  describe(`Cinder volumes (${db})`, () => {
    let server: TestServer;
    let clock: ManualClock;
    let owner: User;
    let reader: User;
    let other: User;
    const volumeFile = (id: string) => path.join(server.dataDir, 'volumes', `${id}.img`);

    before(async () => {
      clock = new ManualClock(new Date('2026-11-22T10:00:00.000Z'));
      // Quotas have their own tests; these create many volumes in one project.
      server = await startServer({ db, clock, env: { VBS_QUOTA_VOLUMES: '-1', VBS_QUOTA_SNAPSHOTS: '-1' } });
      owner = await projectWithUser(server, 'vol-owner');
      other = await projectWithUser(server, 'vol-other');
      // A reader of the owner's project.
      await server.services.identity.createUser('vol-owner-reader', 'pw-reader', owner.projectId, 'reader');
      const { issueToken } = await import('../support/server.js');
      const t = await issueToken(server.url, 'vol-owner-reader', 'pw-reader', 'vol-owner');
      reader = { ...owner, token: t.token, userName: 'vol-owner-reader', password: 'pw-reader' };
    });
    after(async () => server.close());

    it('creates a volume: 202, every Cinder field, a sparse image of the size', async () => {
      const r = await call(server, 'POST', `/v3/${owner.projectId}/volumes`, {
        token: owner.token,
        body: { volume: { size: 2, name: 'data-1', description: 'first', volume_type: 'ssd', metadata: { env: 'test' }, consistencygroup_id: null, status: 'creating', attach_status: 'detached', user_id: null, project_id: null, imageRef: null } },
      });
      assert.equal(r.status, 202, r.text);
      const v = r.body.volume;
      assert.match(v.id, /^[0-9a-f-]{36}$/);
      assert.equal(v.name, 'data-1');
      assert.equal(v.description, 'first');
      assert.equal(v.size, 2);
      assert.equal(v.volume_type, 'SSD');
      assert.equal(v.availability_zone, 'nova');
      assert.equal(v.bootable, 'false');
      assert.equal(v.encrypted, false);
      assert.equal(v.multiattach, false);
      assert.deepEqual(v.metadata, { env: 'test' });
      assert.deepEqual(v.attachments, []);
      assert.equal(v.snapshot_id, null);
      assert.equal(v.source_volid, null);
      assert.equal(v.consistencygroup_id, null);
      assert.equal(v.replication_status, 'disabled');
      assert.equal(typeof v.user_id, 'string');
      assert.equal(v.created_at, '2026-11-22T10:00:00.000000');
      assert.match(v.updated_at, CINDER_TIME);
      assert.equal(v.status, 'available');
      assert.equal(v.links[0].href, `${server.url}/v3/${owner.projectId}/volumes/${v.id}`);
      assert.equal(v.links[0].rel, 'self');
      assert.equal(v.links[1].rel, 'bookmark');
      assert.equal(r.headers.get('openstack-api-version'), 'volume 3.0');
      const st = fs.statSync(volumeFile(v.id));
      assert.equal(st.size, 2 * GiB);
      assert.ok(allocatedBytes(volumeFile(v.id)) < 1024 * 1024, 'a new volume occupies (almost) no space');
    });

    it('defaults to SATA, shows on v2 and v3, and refuses ids that are not UUIDs with 404 itemNotFound', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'plain' }, 'v2');
      assert.equal(v.volume_type, 'SATA');
      assert.equal(v.links[0].href, `${server.url}/v2/${owner.projectId}/volumes/${v.id}`);
      for (const prefix of ['v2', 'v3']) {
        const r = await call(server, 'GET', `/${prefix}/${owner.projectId}/volumes/${v.id}`, { token: owner.token });
        assert.equal(r.status, 200);
        assert.equal(r.body.volume.name, 'plain');
        // As in Cinder, the host and migration attributes are for administrators, on reads only;
        // the tenant attribute for whoever reads the volume (Cinder's policy: a project reader).
        for (const key of ADMIN_ONLY) assert.equal(key in r.body.volume, false, `${key} shown to a member`);
        assert.equal(r.body.volume['os-vol-tenant-attr:tenant_id'], owner.projectId);
        const asAdmin = await call(server, 'GET', `/${prefix}/${owner.projectId}/volumes/${v.id}`, { token: server.adminToken });
        assert.equal(asAdmin.body.volume['os-vol-tenant-attr:tenant_id'], owner.projectId);
        assert.match(asAdmin.body.volume['os-vol-host-attr:host'], /@file#file$/);
        assert.deepEqual(ADMIN_ONLY.map((key) => key in asAdmin.body.volume), ADMIN_ONLY.map(() => true));
        const renamed = await call(server, 'PUT', `/${prefix}/${owner.projectId}/volumes/${v.id}`, { token: server.adminToken, body: { volume: { name: 'plain' } } });
        assert.equal(renamed.status, 200, renamed.text);
        assert.equal('os-vol-host-attr:host' in renamed.body.volume, false, 'an update answers without the read-only extension attributes');
        assert.equal('os-vol-tenant-attr:tenant_id' in renamed.body.volume, false);
      }
      const bad = await call(server, 'GET', `/v3/${owner.projectId}/volumes/not-a-uuid`, { token: owner.token });
      assert.equal(bad.status, 404);
      assert.equal(bad.body.itemNotFound.code, 404);
      assert.match(bad.body.itemNotFound.message, /not-a-uuid could not be found/);
      const missing = await call(server, 'GET', `/v3/${owner.projectId}/volumes/${randomUUID()}`, { token: owner.token });
      assert.equal(missing.status, 404);
      assert.ok(missing.body.itemNotFound);
    });

    it('refuses bad create requests with 400 (or 404 for an unknown type) and creates nothing', async () => {
      const before = await countRows(server, 'volumes');
      const cases: Array<[unknown, number, RegExp]> = [
        [{ volume: { name: 'no-size' } }, 400, /size is required/],
        [{ volume: { size: 0 } }, 400, /size must be a whole number/],
        [{ volume: { size: 1.5 } }, 400, /size must be a whole number/],
        [{ volume: { size: 'big' } }, 400, /size must be a whole number/],
        [{ volume: { size: 1, volume_type: 'NVMe' } }, 404, /Volume type NVMe could not be found/],
        [{ volume: { size: 1, availability_zone: 'elsewhere' } }, 400, /Availability zone 'elsewhere' is invalid/],
        [{ volume: { size: 1, metadata: { k: 5 } } }, 400, /metadata value of "k" must be a string/],
        [{ volume: { size: 1, name: 'x'.repeat(256) } }, 400, /name must be at most 255/],
        [{ volume: { size: 1, snapshot_id: randomUUID() } }, 404, /Snapshot .* could not be found/],
        [{ volume: { size: 1, source_volid: randomUUID() } }, 404, /Volume .* could not be found/],
        [{ notvolume: {} }, 400, /Missing required element 'volume'/],
      ];
      for (const [body, status, message] of cases) {
        const r = await call(server, 'POST', `/v3/${owner.projectId}/volumes`, { token: owner.token, body });
        assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
        const fault = Object.values(r.body)[0] as { code: number; message: string };
        assert.equal(fault.code, status);
        assert.match(fault.message, message);
      }
      const malformed = await call(server, 'POST', `/v3/${owner.projectId}/volumes`, { token: owner.token, rawBody: '{"volume": ' });
      assert.equal(malformed.status, 400);
      assert.equal(await countRows(server, 'volumes'), before);
    });

    it('lists summaries and details with filters, sorting, paging links and count', async () => {
      const p = await projectWithUser(server, 'vol-lister');
      const made: Array<{ id: string; name: string }> = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(1000);
        made.push(await createVolume(server, p, { size: 1, name: `lv-${i}`, metadata: { parity: i % 2 ? 'odd' : 'even' }, volume_type: i === 4 ? 'SAS' : 'SATA' }));
      }
      const summary = await call(server, 'GET', `/v3/${p.projectId}/volumes`, { token: p.token });
      assert.equal(summary.status, 200);
      assert.deepEqual(summary.body.volumes.map((v: { name: string }) => v.name), ['lv-4', 'lv-3', 'lv-2', 'lv-1', 'lv-0']);
      assert.deepEqual(Object.keys(summary.body.volumes[0]).sort(), ['id', 'links', 'name']);
      const detail = await call(server, 'GET', `/v2/${p.projectId}/volumes/detail?name=lv-2`, { token: p.token });
      assert.equal(detail.body.volumes.length, 1);
      assert.equal(detail.body.volumes[0].status, 'available');
      const meta = await call(server, 'GET', `/v3/${p.projectId}/volumes/detail?metadata=${encodeURIComponent('{"parity":"odd"}')}&sort=name:asc`, { token: p.token });
      assert.deepEqual(meta.body.volumes.map((v: { name: string }) => v.name), ['lv-1', 'lv-3']);
      const typed = await call(server, 'GET', `/v3/${p.projectId}/volumes/detail?volume_type=sas`, { token: p.token });
      assert.deepEqual(typed.body.volumes.map((v: { name: string }) => v.name), ['lv-4']);
      const noType = await call(server, 'GET', `/v3/${p.projectId}/volumes/detail?volume_type=nvme`, { token: p.token });
      assert.deepEqual(noType.body.volumes, []);
      const sorted = await call(server, 'GET', `/v3/${p.projectId}/volumes?sort_key=name&sort_dir=asc`, { token: p.token });
      assert.equal(sorted.body.volumes[0].name, 'lv-0');
      const page = await call(server, 'GET', `/v3/${p.projectId}/volumes/detail?limit=2&with_count=true`, { token: p.token, headers: { 'OpenStack-API-Version': 'volume 3.45' } });
      assert.equal(page.body.volumes.length, 2);
      assert.equal(page.body.count, 5);
      assert.equal(page.headers.get('openstack-api-version'), 'volume 3.45');
      const next = new URL(page.body.volumes_links[0].href);
      assert.equal(page.body.volumes_links[0].rel, 'next');
      assert.equal(next.searchParams.get('marker'), page.body.volumes[1].id);
      const page2 = await call(server, 'GET', next.pathname + next.search, { token: p.token });
      assert.deepEqual(page2.body.volumes.map((v: { name: string }) => v.name), ['lv-2', 'lv-1']);
      const offset = await call(server, 'GET', `/v3/${p.projectId}/volumes?offset=4`, { token: p.token });
      assert.deepEqual(offset.body.volumes.map((v: { name: string }) => v.name), ['lv-0']);
      assert.equal(offset.body.volumes_links, undefined);
      const noCountOnV2 = await call(server, 'GET', `/v2/${p.projectId}/volumes?with_count=true`, { token: p.token });
      assert.equal(noCountOnV2.body.count, undefined);
      const fuzzy = await call(server, 'GET', `/v3/${p.projectId}/volumes?name~=V-3`, { token: p.token, headers: { 'OpenStack-API-Version': 'volume 3.34' } });
      assert.deepEqual(fuzzy.body.volumes.map((v: { name: string }) => v.name), ['lv-3']);
      for (const q of ['sort_key=color', 'sort_dir=up', 'limit=-1', 'metadata=notjson']) {
        const r = await call(server, 'GET', `/v3/${p.projectId}/volumes?${q}`, { token: p.token });
        assert.equal(r.status, 400, q);
        assert.ok(r.body.badRequest.message, q);
      }
      // Cinder looks the marker up as a volume: one it cannot find is 404.
      for (const [marker, u] of [['nope', p], [randomUUID(), p], [made[0].id, other]] as const) {
        const r = await call(server, 'GET', `/v3/${u.projectId}/volumes?marker=${marker}`, { token: u.token });
        assert.equal(r.status, 404, marker);
        assert.match(r.body.itemNotFound.message, new RegExp(`Volume ${marker} could not be found`));
      }
      // A full page links to the next one, even when that one is empty, as Cinder does.
      const full = await call(server, 'GET', `/v3/${p.projectId}/volumes?limit=5`, { token: p.token });
      assert.equal(full.body.volumes.length, 5);
      const nextUrl = new URL(full.body.volumes_links[0].href);
      assert.equal(nextUrl.searchParams.get('limit'), '5');
      const empty = await call(server, 'GET', nextUrl.pathname + nextUrl.search, { token: p.token });
      assert.deepEqual(empty.body.volumes, []);
      assert.equal(empty.body.volumes_links, undefined);
      // The metadata filter as Cinder reads it: a Python literal as well as JSON.
      const literal = await call(server, 'GET', `/v3/${p.projectId}/volumes/detail?metadata=${encodeURIComponent("{'parity': 'even'}")}&sort=name:asc`, { token: p.token });
      assert.deepEqual(literal.body.volumes.map((v: { name: string }) => v.name), ['lv-0', 'lv-2', 'lv-4']);
      // Only the project's own volumes, unless an admin asks for all tenants.
      const mine = await call(server, 'GET', `/v3/${owner.projectId}/volumes?all_tenants=1`, { token: owner.token });
      assert.ok(mine.body.volumes.every((v: { name: string }) => !v.name?.startsWith('lv-')));
      const all = await call(server, 'GET', `/v3/${server.adminProjectId}/volumes/detail?all_tenants=1&project_id=${p.projectId}`, { token: server.adminToken });
      assert.equal(all.body.volumes.length, 5);
      assert.ok(all.body.volumes.every((v: Record<string, string>) => v['os-vol-tenant-attr:tenant_id'] === p.projectId));
    });

    it('updates name, description and metadata, and keeps metadata through its sub-routes', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'before', metadata: { a: '1' } });
      const base = `/v3/${owner.projectId}/volumes/${v.id}`;
      const u = await call(server, 'PUT', base, { token: owner.token, body: { volume: { name: 'after', description: 'changed' } } });
      assert.equal(u.status, 200);
      assert.equal(u.body.volume.name, 'after');
      assert.equal(u.body.volume.description, 'changed');
      assert.deepEqual(u.body.volume.metadata, { a: '1' });
      const merged = await call(server, 'POST', `${base}/metadata`, { token: owner.token, body: { metadata: { b: '2' } } });
      assert.equal(merged.status, 200);
      assert.deepEqual(merged.body.metadata, { a: '1', b: '2' });
      const item = await call(server, 'GET', `${base}/metadata/b`, { token: owner.token });
      assert.deepEqual(item.body, { meta: { b: '2' } });
      const setItem = await call(server, 'PUT', `${base}/metadata/c`, { token: owner.token, body: { meta: { c: '3' } } });
      assert.deepEqual(setItem.body, { meta: { c: '3' } });
      const mismatch = await call(server, 'PUT', `${base}/metadata/c`, { token: owner.token, body: { meta: { d: '3' } } });
      assert.equal(mismatch.status, 400);
      const del = await call(server, 'DELETE', `${base}/metadata/a`, { token: owner.token });
      assert.equal(del.status, 200);
      const gone = await call(server, 'GET', `${base}/metadata/a`, { token: owner.token });
      assert.equal(gone.status, 404);
      const list = await call(server, 'GET', `${base}/metadata`, { token: owner.token });
      assert.deepEqual(list.body, { metadata: { b: '2', c: '3' } });
      const replaced = await call(server, 'PUT', `${base}/metadata`, { token: owner.token, body: { metadata: { only: 'this' } } });
      assert.deepEqual(replaced.body.metadata, { only: 'this' });
      const badMeta = await call(server, 'POST', `${base}/metadata`, { token: owner.token, body: { metadata: ['x'] } });
      assert.equal(badMeta.status, 400);
      const shown = await call(server, 'GET', base, { token: owner.token });
      assert.deepEqual(shown.body.volume.metadata, { only: 'this' });
      assert.equal(shown.body.volume.name, 'after');
    });

    it('extends: 202, the image grows; smaller or equal sizes and busy volumes are refused', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'grow' });
      const action = `/v3/${owner.projectId}/volumes/${v.id}/action`;
      writeAt(volumeFile(v.id), 4096, Buffer.from('keep me'));
      const r = await call(server, 'POST', action, { token: owner.token, body: { 'os-extend': { new_size: 3 } } });
      assert.equal(r.status, 202, r.text);
      assert.equal(fs.statSync(volumeFile(v.id)).size, 3 * GiB);
      assert.equal(readAt(volumeFile(v.id), 4096, 7).toString(), 'keep me');
      const shown = await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token });
      assert.equal(shown.body.volume.size, 3);
      assert.equal(shown.body.volume.status, 'available');
      for (const body of [{ 'os-extend': { new_size: 3 } }, { 'os-extend': { new_size: 2 } }, { 'os-extend': {} }, { 'os-extend': { new_size: 'x' } }]) {
        const bad = await call(server, 'POST', action, { token: owner.token, body });
        assert.equal(bad.status, 400, JSON.stringify(body));
      }
      assert.equal(fs.statSync(volumeFile(v.id)).size, 3 * GiB);
      const unknown = await call(server, 'POST', action, { token: owner.token, body: { 'os-fly': {} } });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.badRequest.message, /no such action: os-fly/);
      const two = await call(server, 'POST', action, { token: owner.token, body: { 'os-reserve': null, 'os-unreserve': null } });
      assert.equal(two.status, 400);
    });

    it('reserves, attaches and detaches; an in-use volume refuses delete and extend; bootable and read-only flags', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'attach-me' });
      const base = `/v3/${owner.projectId}/volumes/${v.id}`;
      const act = (body: unknown) => call(server, 'POST', `${base}/action`, { token: owner.token, body });
      const status = async () => (await call(server, 'GET', base, { token: owner.token })).body.volume;
      // As Cinder's, os-reserve marks the volume attaching; os-unreserve of a volume that is not
      // attaching changes nothing and succeeds.
      assert.equal((await act({ 'os-reserve': null })).status, 202);
      assert.equal((await status()).status, 'attaching');
      assert.equal((await act({ 'os-reserve': null })).status, 400);
      assert.equal((await act({ 'os-unreserve': null })).status, 202);
      assert.equal((await status()).status, 'available');
      assert.equal((await act({ 'os-unreserve': null })).status, 202);
      assert.equal((await status()).status, 'available');
      assert.equal((await act({ 'os-detach': {} })).status, 400);
      assert.equal((await act({ 'os-attach': {} })).status, 400);
      for (const bad of [{ instance_uuid: randomUUID() }, { instance_uuid: 'not-a-uuid', mountpoint: '/dev/vdb' }, { host_name: 'h', mountpoint: '/dev/vdb', color: 'red' }]) {
        assert.equal((await act({ 'os-attach': bad })).status, 400, JSON.stringify(bad));
      }
      assert.equal((await act({ 'os-detach': { attachment_id: 'not-a-uuid' } })).status, 400);
      assert.equal((await status()).status, 'available');
      const server1 = randomUUID();
      assert.equal((await act({ 'os-attach': { instance_uuid: server1, mountpoint: '/dev/vdb', mode: 'rw' } })).status, 202);
      const attached = await status();
      assert.equal(attached.status, 'in-use');
      assert.equal(attached.attachments.length, 1);
      assert.equal(attached.attachments[0].server_id, server1);
      assert.equal(attached.attachments[0].device, '/dev/vdb');
      assert.equal(attached.attachments[0].volume_id, v.id);
      assert.match(attached.attachments[0].attached_at, CINDER_TIME);
      assert.equal((await act({ 'os-attach': { instance_uuid: randomUUID(), mountpoint: '/dev/vdc' } })).status, 400, 'not multiattach');
      // Cinder's detach handshake: begin_detaching from in-use, roll_detaching back; rolling a
      // volume that is not detaching changes nothing.
      assert.equal((await act({ 'os-begin_detaching': null })).status, 202);
      assert.equal((await status()).status, 'detaching');
      assert.equal((await act({ 'os-begin_detaching': null })).status, 400);
      assert.equal((await act({ 'os-roll_detaching': null })).status, 202);
      assert.equal((await status()).status, 'in-use');
      assert.equal((await act({ 'os-roll_detaching': null })).status, 202);
      assert.equal((await status()).status, 'in-use');
      const del = await call(server, 'DELETE', base, { token: owner.token });
      assert.equal(del.status, 400);
      assert.match(del.body.badRequest.message, /Invalid volume/);
      assert.equal((await act({ 'os-extend': { new_size: 2 } })).status, 400);
      assert.ok(fs.existsSync(volumeFile(v.id)));
      assert.equal((await act({ 'os-detach': { attachment_id: randomUUID() } })).status, 404);
      assert.equal((await act({ 'os-detach': { attachment_id: attached.attachments[0].attachment_id } })).status, 202);
      const detached = await status();
      assert.equal(detached.status, 'available');
      assert.deepEqual(detached.attachments, []);

      const boot = await act({ 'os-set_bootable': { bootable: true } });
      assert.equal(boot.status, 200);
      assert.equal((await status()).bootable, 'true');
      assert.equal((await act({ 'os-set_bootable': { bootable: 'maybe' } })).status, 400);
      assert.equal((await act({ 'os-update_readonly_flag': { readonly: true } })).status, 202);
      assert.equal((await status()).metadata.readonly, 'True');
      assert.equal((await act({ 'os-attach': { instance_uuid: server1, mountpoint: '/dev/vdb', mode: 'rw' } })).status, 400, 'read-only volumes attach ro only');
      assert.equal((await act({ 'os-reset_status': { status: 'error' } })).status, 403, 'members may not reset status');
      const reset = await call(server, 'POST', `/v3/${owner.projectId}/volumes/${v.id}/action`, { token: server.adminToken, body: { 'os-reset_status': { status: 'error' } } });
      assert.equal(reset.status, 202);
      assert.equal((await status()).status, 'error');
      await call(server, 'POST', `${base}/action`, { token: server.adminToken, body: { 'os-reset_status': { status: 'maintenance' } } });
      assert.equal((await call(server, 'DELETE', base, { token: owner.token })).status, 400, 'maintenance refuses a plain delete');
      assert.equal((await act({ 'os-force_delete': {} })).status, 403, 'members may not force a delete');
      const forced = await call(server, 'POST', `${base}/action`, { token: server.adminToken, body: { 'os-force_delete': {} } });
      assert.equal(forced.status, 202);
      assert.equal((await call(server, 'GET', base, { token: owner.token })).status, 404);
      assert.ok(!fs.existsSync(volumeFile(v.id)));
    });

    it('deletes: 202, the record and image go; refused while snapshots exist unless cascade', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'doomed' });
      const base = `/v3/${owner.projectId}/volumes/${v.id}`;
      const s = await createSnapshot(server, owner, { volume_id: v.id, name: 'keep' });
      const refused = await call(server, 'DELETE', base, { token: owner.token });
      assert.equal(refused.status, 400);
      assert.match(refused.body.badRequest.message, /still has 1 dependent snapshots/);
      assert.equal((await call(server, 'GET', base, { token: owner.token })).body.volume.status, 'available');
      const cascade = await call(server, 'DELETE', `${base}?cascade=true`, { token: owner.token });
      assert.equal(cascade.status, 202);
      assert.equal((await call(server, 'GET', base, { token: owner.token })).status, 404);
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/snapshots/${s.id}`, { token: owner.token })).status, 404);
      assert.ok(!fs.existsSync(volumeFile(v.id)));
      assert.ok(!fs.existsSync(path.join(server.dataDir, 'snapshots', `${s.id}.img`)));
      const plain = await createVolume(server, owner, { size: 1 });
      const d = await call(server, 'DELETE', `/v2/${owner.projectId}/volumes/${plain.id}`, { token: owner.token });
      assert.equal(d.status, 202);
      assert.equal(d.text, '');
      assert.equal((await call(server, 'DELETE', `/v2/${owner.projectId}/volumes/${plain.id}`, { token: owner.token })).status, 404);
    });

    it('creates from a snapshot and from a source volume with their data; too-small sizes are refused', async () => {
      const src = await createVolume(server, owner, { size: 1, name: 'source', volume_type: 'SAS' });
      writeAt(volumeFile(src.id), 10 * 4096, Buffer.from('snapshot-data'));
      const snap = await createSnapshot(server, owner, { volume_id: src.id });
      const fromSnap = await createVolume(server, owner, { snapshot_id: snap.id, size: 2 });
      assert.equal(fromSnap.snapshot_id, snap.id);
      assert.equal(fromSnap.size, 2);
      assert.equal(fromSnap.volume_type, 'SAS');
      assert.equal(fs.statSync(volumeFile(fromSnap.id)).size, 2 * GiB);
      assert.equal(readAt(volumeFile(fromSnap.id), 10 * 4096, 13).toString(), 'snapshot-data');
      const clone = await createVolume(server, owner, { source_volid: src.id });
      assert.equal(clone.source_volid, src.id);
      assert.equal(clone.size, 1);
      assert.equal(readAt(volumeFile(clone.id), 10 * 4096, 13).toString(), 'snapshot-data');
      const big = await createVolume(server, owner, { size: 2, name: 'big' });
      for (const volume of [{ snapshot_id: snap.id, size: 0 }, { source_volid: big.id, size: 1 }, { source_volid: src.id, snapshot_id: snap.id }]) {
        const r = await call(server, 'POST', `/v3/${owner.projectId}/volumes`, { token: owner.token, body: { volume } });
        assert.equal(r.status, 400, JSON.stringify(volume));
      }
      const foreign = await call(server, 'POST', `/v3/${other.projectId}/volumes`, { token: other.token, body: { volume: { source_volid: src.id } } });
      assert.equal(foreign.status, 404, 'another project cannot clone my volume');
    });

    it('leaves no record, image or quota use behind when the driver fails', async () => {
      const p = await projectWithUser(server, 'vol-broken');
      const dir = path.join(server.dataDir, 'volumes');
      const aside = `${dir}.aside`;
      const before = await countRows(server, 'volumes');
      fs.renameSync(dir, aside);
      // A file where the image directory should be: every image write fails.
      fs.writeFileSync(dir, 'not a directory');
      try {
        const r = await call(server, 'POST', `/v3/${p.projectId}/volumes`, { token: p.token, body: { volume: { size: 1, name: 'never' } } });
        assert.equal(r.status, 400, r.text);
        assert.match(r.body.badRequest.message, /The volume could not be created/);
      } finally {
        fs.rmSync(dir);
        fs.renameSync(aside, dir);
      }
      assert.equal(await countRows(server, 'volumes'), before);
      const usage = await call(server, 'GET', `/v3/${p.projectId}/os-quota-sets/${p.projectId}?usage=true`, { token: p.token });
      assert.equal(usage.body.quota_set.volumes.in_use, 0);
      assert.equal(usage.body.quota_set.gigabytes.in_use, 0);
    });

    it('negotiates microversions on /v3 volume routes', async () => {
      const latest = await call(server, 'GET', `/v3/${owner.projectId}/volumes`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume latest' } });
      assert.equal(latest.status, 200);
      assert.equal(latest.headers.get('openstack-api-version'), `volume ${MAX_MICROVERSION}`);
      const atMax = await call(server, 'GET', `/v3/${owner.projectId}/volumes`, { token: owner.token, headers: { 'OpenStack-API-Version': `volume ${MAX_MICROVERSION}` } });
      assert.equal(atMax.status, 200, 'the maximum itself is served');
      assert.equal(atMax.headers.get('openstack-api-version'), `volume ${MAX_MICROVERSION}`);
      const [major, minor] = MAX_MICROVERSION.split('.').map(Number);
      const oneAbove = `${major}.${minor + 1}`;
      for (const asked of [oneAbove, '3.99']) {
        const tooNew = await call(server, 'GET', `/v3/${owner.projectId}/volumes`, { token: owner.token, headers: { 'OpenStack-API-Version': `volume ${asked}` } });
        assert.equal(tooNew.status, 406, asked);
        assert.match(tooNew.text, new RegExp(`maximum is ${MAX_MICROVERSION.replace('.', '\\.')}`), asked);
      }
      const v = await createVolume(server, owner, { size: 1 });
      const v348 = await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume 3.48' } });
      assert.equal(v348.body.volume.group_id, null);
      assert.equal(v348.body.volume.shared_targets, false);
      const v2 = await call(server, 'GET', `/v2/${owner.projectId}/volumes/${v.id}`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume 3.48' } });
      assert.equal(v2.body.volume.group_id, undefined);
      assert.equal(v2.headers.get('openstack-api-version'), null);
    });

    it("lets an administrator act on another project's volume through the administrator's own project; a member sees only its own", async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'crossed' });
      const adminBase = `/v3/${server.adminProjectId}/volumes/${v.id}`;
      const shown = await call(server, 'GET', adminBase, { token: server.adminToken });
      assert.equal(shown.status, 200, shown.text);
      assert.equal(shown.body.volume['os-vol-tenant-attr:tenant_id'], owner.projectId);
      assert.equal(shown.body.volume.links[0].href, `${server.url}/v3/${server.adminProjectId}/volumes/${v.id}`);
      const renamed = await call(server, 'PUT', adminBase, { token: server.adminToken, body: { volume: { name: 'crossed-2' } } });
      assert.equal(renamed.status, 200, renamed.text);
      const meta = await call(server, 'POST', `${adminBase}/metadata`, { token: server.adminToken, body: { metadata: { by: 'admin' } } });
      assert.equal(meta.status, 200);
      const extended = await call(server, 'POST', `${adminBase}/action`, { token: server.adminToken, body: { 'os-extend': { new_size: 2 } } });
      assert.equal(extended.status, 202, extended.text);
      const mine = (await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token })).body.volume;
      assert.deepEqual([mine.name, mine.size, mine.metadata.by], ['crossed-2', 2, 'admin']);
      // The administrator's own listing stays its project's unless it asks for all tenants.
      const adminList = await call(server, 'GET', `/v3/${server.adminProjectId}/volumes`, { token: server.adminToken });
      assert.ok(!adminList.body.volumes.some((x: { id: string }) => x.id === v.id));
      // A member of another project finds nothing through its own project, whatever it tries.
      const otherBase = `/v3/${other.projectId}/volumes/${v.id}`;
      for (const [method, url, body] of [
        ['GET', otherBase, undefined],
        ['PUT', otherBase, { volume: { name: 'stolen' } }],
        ['DELETE', otherBase, undefined],
        ['GET', `${otherBase}/metadata`, undefined],
        ['POST', `${otherBase}/action`, { 'os-extend': { new_size: 3 } }],
        ['POST', `/v3/${other.projectId}/volumes`, { volume: { source_volid: v.id } }],
      ] as const) {
        const r = await call(server, method, url, { token: other.token, body });
        assert.equal(r.status, 404, `${method} ${url}: ${r.text}`);
      }
      const deleted = await call(server, 'DELETE', adminBase, { token: server.adminToken });
      assert.equal(deleted.status, 202, deleted.text);
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token })).status, 404);
    });

    it('summarises the volumes of a project from 3.12, with their metadata from 3.36', async () => {
      const p = await projectWithUser(server, 'vol-summary');
      await createVolume(server, p, { size: 1, metadata: { tier: 'gold' } });
      await createVolume(server, p, { size: 3, metadata: { tier: 'silver', env: 'prod' } });
      await createVolume(server, p, { size: 2, metadata: { tier: 'gold' } });
      const url = `/v3/${p.projectId}/volumes/summary`;
      const at312 = await call(server, 'GET', url, { token: p.token, headers: { 'OpenStack-API-Version': 'volume 3.12' } });
      assert.equal(at312.status, 200, at312.text);
      assert.deepEqual(at312.body, { 'volume-summary': { total_count: 3, total_size: 6 } });
      const at336 = await call(server, 'GET', url, { token: p.token, headers: { 'OpenStack-API-Version': 'volume 3.36' } });
      assert.deepEqual(at336.body['volume-summary'].metadata, { tier: ['gold', 'silver'], env: ['prod'] });
      const before = await call(server, 'GET', url, { token: p.token, headers: { 'OpenStack-API-Version': 'volume 3.11' } });
      assert.equal(before.status, 404, 'below 3.12 "summary" is read as a volume id');
      assert.equal((await call(server, 'GET', `/v2/${p.projectId}/volumes/summary`, { token: p.token })).status, 404);
      const empty = await call(server, 'GET', `/v3/${other.projectId}/volumes/summary`, { token: other.token, headers: { 'OpenStack-API-Version': 'volume 3.12' } });
      assert.equal(empty.body['volume-summary'].total_count >= 0, true);
      const all = await call(server, 'GET', `/v3/${server.adminProjectId}/volumes/summary?all_tenants=1`, { token: server.adminToken, headers: { 'OpenStack-API-Version': 'volume 3.12' } });
      assert.ok(all.body['volume-summary'].total_count >= 3);
    });

    it("resets to any of Cinder's statuses but deleting, with attach and migration statuses; forces a delete from them", async () => {
      const act = (id: string, body: unknown, token = server.adminToken) => call(server, 'POST', `/v3/${server.adminProjectId}/volumes/${id}/action`, { token, body });
      for (const status of ['creating', 'attaching', 'error', 'maintenance', 'error_deleting', 'detaching', 'awaiting-transfer', 'extending']) {
        const v = await createVolume(server, owner, { size: 1 });
        const reset = await act(v.id, { 'os-reset_status': { status } });
        assert.equal(reset.status, 202, `${status}: ${reset.text}`);
        assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token })).body.volume.status, status);
        const forced = await act(v.id, { 'os-force_delete': {} });
        assert.equal(forced.status, 202, `force delete from ${status}: ${forced.text}`);
        assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token })).status, 404);
        assert.ok(!fs.existsSync(volumeFile(v.id)));
      }
      const v = await createVolume(server, owner, { size: 1 });
      for (const body of [
        { 'os-reset_status': { status: 'deleting' } },
        { 'os-reset_status': { status: 'in-use' } },
        { 'os-reset_status': { status: 'flying' } },
        { 'os-reset_status': {} },
        { 'os-reset_status': { migration_status: 'teleporting' } },
        { 'os-reset_status': { status: 'error', color: 'red' } },
      ]) {
        const r = await act(v.id, body);
        assert.equal(r.status, 400, JSON.stringify(body));
      }
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token })).body.volume.status, 'available');
      assert.equal((await act(v.id, { 'os-reset_status': { migration_status: 'migrating' } })).status, 202);
      const shown = (await call(server, 'GET', `/v3/${server.adminProjectId}/volumes/${v.id}`, { token: server.adminToken })).body.volume;
      assert.deepEqual([shown.status, shown.migration_status, shown['os-vol-mig-status-attr:migstat']], ['available', 'migrating', 'migrating']);
      assert.equal((await act(v.id, { 'os-reset_status': { migration_status: 'none', status: 'ERROR' } })).status, 202);
      const cleared = (await call(server, 'GET', `/v3/${server.adminProjectId}/volumes/${v.id}`, { token: server.adminToken })).body.volume;
      assert.deepEqual([cleared.status, cleared.migration_status], ['error', null]);
      // Attached: in-use is allowed, and attach_status "detached" ends the attachments.
      await act(v.id, { 'os-reset_status': { status: 'available' } });
      assert.equal((await call(server, 'POST', `/v3/${owner.projectId}/volumes/${v.id}/action`, { token: owner.token, body: { 'os-attach': { host_name: 'h1', mountpoint: '/dev/vdc' } } })).status, 202);
      assert.equal((await act(v.id, { 'os-reset_status': { status: 'error' } })).status, 202);
      assert.equal((await act(v.id, { 'os-reset_status': { status: 'in-use' } })).status, 202);
      assert.equal((await act(v.id, { 'os-reset_status': { status: 'available', attach_status: 'detached' } })).status, 202);
      const freed = (await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token })).body.volume;
      assert.deepEqual([freed.status, freed.attachments], ['available', []]);
    });

    it('answers a volume path that ends in a slash with 404, as Cinder does', async () => {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const r = await call(server, method, `/v3/${owner.projectId}/volumes/`, { token: owner.token, body: method === 'PUT' ? { volume: { name: 'x' } } : undefined });
        assert.equal(r.status, 404, method);
        assert.ok(r.body.itemNotFound, method);
      }
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/volumes/`)).status, 401, 'authentication comes first');
    });

    it('enforces identity on the project routes: reader 403 0042, foreign member 403, admin may cross, 401 without or with an expired token', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'guarded' });
      const base = `/v3/${owner.projectId}/volumes`;
      const before = await countRows(server, 'volumes');
      for (const [method, url, body] of [
        ['POST', base, { volume: { size: 1 } }],
        ['PUT', `${base}/${v.id}`, { volume: { name: 'x' } }],
        ['DELETE', `${base}/${v.id}`, undefined],
        ['POST', `${base}/${v.id}/action`, { 'os-extend': { new_size: 2 } }],
        ['POST', `/v3/${owner.projectId}/snapshots`, { snapshot: { volume_id: v.id } }],
      ] as const) {
        const r = await call(server, method, url, { token: reader.token, body });
        assert.equal(r.status, 403, `${method} ${url}`);
        assert.equal(r.body.forbidden.code, 403);
        assert.match(r.body.forbidden.message, /VolumeBackup\.0042/);
      }
      const readerRead = await call(server, 'GET', `${base}/${v.id}`, { token: reader.token });
      assert.equal(readerRead.status, 200);
      assert.equal(readerRead.body.volume.name, 'guarded');
      const foreign = await call(server, 'GET', `${base}/${v.id}`, { token: other.token });
      assert.equal(foreign.status, 403);
      const foreignWrite = await call(server, 'POST', base, { token: other.token, body: { volume: { size: 1 } } });
      assert.equal(foreignWrite.status, 403);
      // The same refusal on the v2 routes of the owner's project.
      const v2base = `/v2/${owner.projectId}/volumes`;
      for (const [method, url, body] of [
        ['GET', v2base, undefined],
        ['GET', `${v2base}/detail`, undefined],
        ['GET', `${v2base}/${v.id}`, undefined],
        ['POST', v2base, { volume: { size: 1, name: 'foreign-v2' } }],
        ['PUT', `${v2base}/${v.id}`, { volume: { name: 'taken-over' } }],
        ['DELETE', `${v2base}/${v.id}`, undefined],
        ['POST', `${v2base}/${v.id}/action`, { 'os-extend': { new_size: 2 } }],
      ] as const) {
        const r = await call(server, method, url, { token: other.token, body });
        assert.equal(r.status, 403, `${method} ${url}: ${r.text}`);
        assert.equal(r.body.forbidden.code, 403, `${method} ${url}`);
        assert.ok(!r.text.includes('guarded'), `${method} ${url} shows nothing of the volume`);
      }
      assert.equal(await countRows(server, 'volumes'), before);
      const untouched = await call(server, 'GET', `${v2base}/${v.id}`, { token: owner.token });
      assert.equal(untouched.status, 200);
      assert.equal(untouched.body.volume.name, 'guarded');
      assert.equal(untouched.body.volume.size, 1);
      assert.equal(untouched.body.volume.status, 'available');
      assert.equal((await call(server, 'GET', `${v2base}/${v.id}`, { token: server.adminToken })).status, 200, 'an admin may cross on v2 too');
      assert.equal((await call(server, 'GET', `${base}/${v.id}`, { token: server.adminToken })).status, 200);
      const adminMade = await call(server, 'POST', `/v3/${other.projectId}/volumes`, { token: server.adminToken, body: { volume: { size: 1, name: 'by-admin' } } });
      assert.equal(adminMade.status, 202, adminMade.text);
      const adminShown = await call(server, 'GET', `/v3/${other.projectId}/volumes/${adminMade.body.volume.id}`, { token: server.adminToken });
      assert.equal(adminShown.body.volume['os-vol-tenant-attr:tenant_id'], other.projectId);
      const none = await call(server, 'GET', base);
      assert.equal(none.status, 401);
      const invalid = await call(server, 'GET', base, { token: 'not-a-token' });
      assert.equal(invalid.status, 401);
      const { token: soonExpired } = await (await import('../support/server.js')).issueToken(server.url, owner.userName, owner.password, 'vol-owner');
      clock.advance(3 * 24 * 3600 * 1000);
      const expired = await call(server, 'GET', base, { token: soonExpired });
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error.code, 401);
    });
  });
}
