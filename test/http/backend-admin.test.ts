import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { countRows } from '../support/volumes.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;

for (const db of DB_KINDS) {
  describe(`Cinder services, hosts, pools, zones, extensions and messages (${db})`, () => {
    let server: TestServer;
    let member: User;
    const admin = () => ({ token: server.adminToken });
    const v3 = () => `/v3/${server.adminProjectId}`;
    const volumeHost = `${os.hostname()}@file`;

    before(async () => {
      server = await startServer({ db });
      await server.services.serviceRegistry.heartbeat();
      member = await projectWithUser(server, 'ba-member');
    });
    after(async () => server.close());

    it('lists the scheduler, volume and backup services to administrators, filtered by host and binary', async () => {
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/os-services`, { token: member.token })).status, 403);
      const all = await call(server, 'GET', `${v3()}/os-services`, admin());
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.services.map((s: { binary: string }) => s.binary).sort(), ['cinder-backup', 'cinder-scheduler', 'cinder-volume']);
      const volume = all.body.services.find((s: { binary: string }) => s.binary === 'cinder-volume');
      assert.equal(volume.host, volumeHost);
      assert.equal(volume.state, 'up');
      assert.equal(volume.status, 'enabled');
      assert.equal(volume.frozen, false);
      assert.ok(!('cluster' in volume), 'cluster is a 3.7 field');
      const at37 = await call(server, 'GET', `${v3()}/os-services?binary=cinder-volume`, { ...admin(), headers: { 'OpenStack-API-Version': 'volume 3.7' } });
      assert.equal(at37.body.services.length, 1);
      assert.equal(at37.body.services[0].cluster, null);
      const byHost = await call(server, 'GET', `${v3()}/os-services?host=${os.hostname()}`, admin());
      assert.equal(byHost.body.services.length, 3, 'a host filter matches the host part of host@backend');
    });

    it('disables a service with its reason, enables it again, and freezes and thaws the volume host', async () => {
      const put = (action: string, body: unknown, token = server.adminToken) => call(server, 'PUT', `${v3()}/os-services/${action}`, { token, body });
      assert.equal((await put('disable', { host: volumeHost, binary: 'cinder-volume' }, member.token)).status, 403);
      assert.equal((await put('enable', { host: 'nowhere', binary: 'cinder-volume' })).status, 404);
      assert.equal((await put('disable', { host: volumeHost, binary: 'cinder-nothing' })).status, 404);
      assert.equal((await put('disable-log-reason', { host: volumeHost, binary: 'cinder-volume', disabled_reason: null })).status, 400);
      assert.equal((await put('freeze', { host: 'nowhere' })).status, 400);
      assert.equal((await put('reboot', { host: volumeHost })).status, 404);
      const disabled = await put('disable-log-reason', { host: volumeHost, binary: 'cinder-volume', disabled_reason: 'maintenance' });
      assert.deepEqual(disabled.body, { host: volumeHost, service: '', binary: 'cinder-volume', status: 'disabled', disabled: true, disabled_reason: 'maintenance' });
      const listed = await call(server, 'GET', `${v3()}/os-services?binary=cinder-volume`, admin());
      assert.equal(listed.body.services[0].status, 'disabled');
      assert.equal(listed.body.services[0].disabled_reason, 'maintenance');

      // While the volume service is disabled, new volumes fit nowhere: they end in error, and the project is told.
      const before = await countRows(server, 'user_messages');
      const v = await call(server, 'POST', `/v3/${member.projectId}/volumes`, { token: member.token, body: { volume: { size: 1 } } });
      assert.equal(v.status, 202);
      const shown = await call(server, 'GET', `/v3/${member.projectId}/volumes/${v.body.volume.id}`, { token: member.token });
      assert.equal(shown.body.volume.status, 'error');
      assert.equal(await countRows(server, 'user_messages'), before + 1);

      const enabled = await put('enable', { host: volumeHost, binary: 'cinder-volume' });
      assert.deepEqual(enabled.body, { host: volumeHost, service: '', binary: 'cinder-volume', status: 'enabled', disabled: false, disabled_reason: null });
      assert.equal((await put('freeze', { host: volumeHost })).status, 200);
      assert.equal((await call(server, 'GET', `${v3()}/os-services?binary=cinder-volume`, admin())).body.services[0].frozen, true);
      assert.equal((await put('thaw', { host: volumeHost })).status, 200);
      assert.equal((await call(server, 'GET', `${v3()}/os-services?binary=cinder-volume`, admin())).body.services[0].frozen, false);
    });

    it('lists hosts and shows what the volume host holds per project', async () => {
      const hosts = await call(server, 'GET', `${v3()}/os-hosts`, admin());
      assert.equal(hosts.body.hosts.length, 3);
      assert.ok(hosts.body.hosts.some((h: { host_name: string; service: string }) => h.host_name === volumeHost && h.service === 'cinder-volume'));
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/os-hosts`, { token: member.token })).status, 403);
      await call(server, 'POST', `/v3/${member.projectId}/volumes`, { token: member.token, body: { volume: { size: 2 } } });
      const host = await call(server, 'GET', `${v3()}/os-hosts/${volumeHost}`, admin());
      assert.equal(host.status, 200);
      assert.equal(host.body.host[0].resource.project, '(total)');
      const mine = host.body.host.find((r: { resource: { project: string } }) => r.resource.project === member.projectId);
      assert.equal(mine.resource.total_volume_gb, '3');
      assert.equal((await call(server, 'GET', `${v3()}/os-hosts/nowhere`, admin())).status, 404);
    });

    it("shows the pool with the data directory's capacity, and the back end's capabilities", async () => {
      const plain = await call(server, 'GET', `${v3()}/scheduler-stats/get_pools`, admin());
      assert.deepEqual(plain.body, { pools: [{ name: `${volumeHost}#file` }] });
      const detail = await call(server, 'GET', `${v3()}/scheduler-stats/get_pools?detail=True`, admin());
      const caps = detail.body.pools[0].capabilities;
      assert.ok(caps.total_capacity_gb > 0 && caps.free_capacity_gb <= caps.total_capacity_gb);
      assert.equal(caps.vendor_name, 'Open Source');
      assert.equal(caps.storage_protocol, 'file');
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/scheduler-stats/get_pools`, { token: member.token })).status, 403);
      const shown = await call(server, 'GET', `${v3()}/capabilities/${encodeURIComponent(`${volumeHost}#file`)}`, admin());
      assert.equal(shown.status, 200);
      assert.equal(shown.body.volume_backend_name, 'file');
      assert.equal(shown.body.namespace, `OS::Storage::Capabilities::${volumeHost}#file`);
      assert.equal((await call(server, 'GET', `${v3()}/capabilities/nowhere`, admin())).status, 404);
    });

    it('lists the availability zone and the extensions to every project', async () => {
      const zones = await call(server, 'GET', `/v3/${member.projectId}/os-availability-zone`, { token: member.token });
      assert.deepEqual(zones.body, { availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }] });
      const ext = await call(server, 'GET', `/v2/${member.projectId}/extensions`, { token: member.token });
      assert.ok(ext.body.extensions.some((e: { name: string }) => e.name === 'Hosts'));
    });

    it('records a message when a volume fits no back end, shown from 3.3 to its project and deleted', async () => {
      const type = await call(server, 'POST', `${v3()}/types`, { ...admin(), body: { volume_type: { name: 'nowhere', extra_specs: { vendor_name: 'Nobody' } } } });
      const v = await call(server, 'POST', `/v3/${member.projectId}/volumes`, { token: member.token, body: { volume: { size: 1, volume_type: type.body.volume_type.id } } });
      assert.equal(v.status, 202);
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/volumes/${v.body.volume.id}`, { token: member.token })).body.volume.status, 'error');
      const at33 = { token: member.token, headers: { 'OpenStack-API-Version': 'volume 3.3' } };
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/messages`, { token: member.token })).status, 404, 'messages need 3.3');
      const list = await call(server, 'GET', `/v3/${member.projectId}/messages`, at33);
      const m = list.body.messages.find((x: { resource_uuid: string }) => x.resource_uuid === v.body.volume.id);
      assert.equal(m.event_id, 'VOLUME_VOLUME_001_003');
      assert.equal(m.resource_type, 'VOLUME');
      const other = await projectWithUser(server, 'ba-other');
      assert.equal((await call(server, 'GET', `/v3/${other.projectId}/messages/${m.id}`, { token: other.token, headers: at33.headers })).status, 404);
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/messages/${m.id}`, at33)).body.message.id, m.id);
      assert.equal((await call(server, 'DELETE', `/v3/${member.projectId}/messages/${m.id}`, at33)).status, 204);
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/messages/${m.id}`, at33)).status, 404);
    });
  });
}
