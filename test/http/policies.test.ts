import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { createAvailableVolume } from '../support/volumes.js';
import { createPolicy, listPolicies, policyBody, policyState, refused, type Member } from '../support/policies.js';

function availableVolume(server: TestServer, m: Member, name = 'disk'): Promise<string> {
  return createAvailableVolume(server, m, { size: 1, name });
}

for (const db of DB_KINDS) {
  describe(`backup policies (${db})`, () => {
    let server: TestServer;
    let m: Member;
    before(async () => {
      server = await startServer({ db, env: { VBS_QUOTA_VOLUMES: '-1' } });
      m = await projectWithUser(server, 'pol');
    });
    after(async () => server.close());

    it('creates policies with every schedule form and lists them with their time zone, tags and volume count', async () => {
      const p = await projectWithUser(server, 'pol-create');
      const a = await createPolicy(server, p, policyBody('policy_01', {}, { tags: [{ key: 'env', value: 'prod' }] }));
      const b = await createPolicy(server, p, {
        backup_policy_name: 'weekly-2',
        scheduled_policy: { start_time: '22:00,00:00,02:00', week_frequency: ['MON', 'FRI', 'SUN'], rentention_day: 30.9, status: 'OFF' },
        time_zone: 'UTC+02:00',
      });
      const c = await createPolicy(server, p, policyBody('edges', { start_time: '00:00,23:00', frequency: 30, rentention_num: 99, remain_first_backup_of_curMonth: 'N' }, { time_zone: 'UTC+00:30' }));
      const d = await createPolicy(server, p, policyBody('min', { frequency: 1, rentention_num: undefined, rentention_day: 99999 }, { time_zone: 'UTC+14:00' }));
      const e = await createPolicy(server, p, policyBody('west', { start_time: '12:00,23:00,03:00' }, { time_zone: 'UTC-12:00' }));
      const list = await listPolicies(server, p);
      assert.deepEqual(list.map((x) => x.backup_policy_id), [a, b, c, d, e]);
      assert.deepEqual(list[0], {
        backup_policy_id: a,
        backup_policy_name: 'policy_01',
        scheduled_policy: { start_time: '12:00', frequency: 1, rentention_num: 10, remain_first_backup_of_curMonth: 'Y', status: 'ON' },
        policy_resource_count: 0,
        time_zone: 'UTC+00:00',
        tags: [{ key: 'env', value: 'prod' }],
        created_at: (await server.services.policyRecords.get(a))!.createdAt.toISOString(),
      });
      assert.deepEqual(list[1].scheduled_policy, { start_time: '22:00,00:00,02:00', week_frequency: ['MON', 'FRI', 'SUN'], rentention_day: 30, remain_first_backup_of_curMonth: 'N', status: 'OFF' }, 'rentention_day is rounded down');
      assert.equal(list[1].time_zone, 'UTC+02:00');
      assert.deepEqual(list[2].scheduled_policy, { start_time: '00:00,23:00', frequency: 30, rentention_num: 99, remain_first_backup_of_curMonth: 'N', status: 'ON' });
      assert.equal(list[3].scheduled_policy.rentention_day, 99999);
      assert.equal(list[3].scheduled_policy.rentention_num, undefined);
      assert.deepEqual([list[2].time_zone, list[3].time_zone, list[4].time_zone], ['UTC+00:30', 'UTC+14:00', 'UTC-12:00']);
      assert.equal((await server.services.policyRecords.get(c))?.timeZoneOffsetMinutes, 30);

      // The scheduler's view of the same records.
      const parsed = await server.services.policyRecords.get(b);
      assert.deepEqual(
        { startTimes: parsed?.startTimes, weekDays: parsed?.weekDays, frequency: parsed?.frequency, retentionDays: parsed?.retentionDays, offset: parsed?.timeZoneOffsetMinutes },
        { startTimes: [22, 0, 2], weekDays: [1, 5, 0], frequency: null, retentionDays: 30, offset: 120 },
      );
      const enabled = (await server.services.policyRecords.listEnabled()).map((x) => x.id);
      assert.ok(enabled.includes(a) && enabled.includes(c) && !enabled.includes(b));
      assert.deepEqual(await listPolicies(server, m), [], 'other projects see none of them');
    });

    it('refuses every invalid create with its AutoBackup code and creates nothing', async () => {
      const path = `/v2/${m.projectId}/backuppolicy`;
      const cases: Array<[unknown, string, RegExp?]> = [
        [undefined, 'AutoBackup.0000'],
        [{}, 'AutoBackup.0000'],
        [policyBody(''), 'AutoBackup.0101', /1 to 64/],
        [policyBody('x'.repeat(65)), 'AutoBackup.0101'],
        [{ scheduled_policy: policyBody('x').scheduled_policy }, 'AutoBackup.0101'],
        [policyBody('bad name'), 'AutoBackup.0102'],
        [policyBody('bad.name'), 'AutoBackup.0102'],
        [policyBody('名字'), 'AutoBackup.0102'],
        [{ ...policyBody('x'), backup_policy_name: 5 }, 'AutoBackup.0102'],
        [{ backup_policy_name: 'x' }, 'AutoBackup.0001', /scheduled_policy/],
        [{ backup_policy_name: 'x', scheduled_policy: {} }, 'AutoBackup.0001'],
        [{ backup_policy_name: 'x', scheduled_policy: 'daily' }, 'AutoBackup.0001'],
        [policyBody('x', { start_time: undefined }), 'AutoBackup.0103', /start_time/],
        [policyBody('x', { start_time: '12:30' }), 'AutoBackup.0103', /full hours/],
        [policyBody('x', { start_time: '24:00' }), 'AutoBackup.0103'],
        [policyBody('x', { start_time: '9:00' }), 'AutoBackup.0103'],
        [policyBody('x', { start_time: '12:00,' }), 'AutoBackup.0103'],
        [policyBody('x', { start_time: '12:00,12:00' }), 'AutoBackup.0103', /repeat/],
        [policyBody('x', { start_time: '02:00,01:00' }), 'AutoBackup.0103', /ascending/],
        [policyBody('x', { start_time: '00:00,22:00' }, { time_zone: 'UTC+02:00' }), 'AutoBackup.0103', /ascending/],
        [policyBody('x', { start_time: 1200 }), 'AutoBackup.0103'],
        [policyBody('x', {}, { time_zone: 'UTC+2' }), 'AutoBackup.0103', /time_zone/],
        [policyBody('x', {}, { time_zone: 'GMT+02:00' }), 'AutoBackup.0103', /time_zone/],
        [policyBody('x', {}, { time_zone: 'UTC+15:00' }), 'AutoBackup.0103', /time_zone/],
        [policyBody('x', {}, { time_zone: 'UTC-13:00' }), 'AutoBackup.0103', /time_zone/],
        [policyBody('x', { status: undefined }), 'AutoBackup.0104'],
        [policyBody('x', { status: 'on' }), 'AutoBackup.0104'],
        [policyBody('x', { remain_first_backup_of_curMonth: 'yes' }), 'AutoBackup.0105'],
        [policyBody('x', { frequency: undefined }), 'AutoBackup.0106', /frequency .*or week_frequency/],
        [policyBody('x', { frequency: 0 }), 'AutoBackup.0106', /1 to 30/],
        [policyBody('x', { frequency: 31 }), 'AutoBackup.0106'],
        [policyBody('x', { frequency: 1.5 }), 'AutoBackup.0106'],
        [policyBody('x', { frequency: '1' }), 'AutoBackup.0106'],
        [policyBody('x', { week_frequency: ['MON'] }), 'AutoBackup.0106', /not both/],
        [policyBody('x', { rentention_num: 1 }), 'AutoBackup.0107', /2 to 99/],
        [policyBody('x', { rentention_num: 100 }), 'AutoBackup.0107'],
        [policyBody('x', { rentention_num: 5.5 }), 'AutoBackup.0107'],
        [policyBody('x', { rentention_day: 10 }), 'AutoBackup.0107', /not both/],
        [policyBody('x', { rentention_num: undefined, rentention_day: 1.9 }), 'AutoBackup.0108', /2 to 99999/],
        [policyBody('x', { rentention_num: undefined, rentention_day: 100000 }), 'AutoBackup.0108'],
        [policyBody('x', { rentention_num: undefined, rentention_day: '30' }), 'AutoBackup.0108'],
        [policyBody('x', { frequency: undefined, week_frequency: ['MON', 'FUN'] }), 'AutoBackup.0109'],
        [policyBody('x', { frequency: undefined, week_frequency: [] }), 'AutoBackup.0109'],
        [policyBody('x', { frequency: undefined, week_frequency: ['MON', 'MON'] }), 'AutoBackup.0109'],
        [policyBody('x', { frequency: undefined, week_frequency: 'MON' }), 'AutoBackup.0109'],
        [policyBody('x', { frequency: undefined, week_frequency: ['mon'] }), 'AutoBackup.0109'],
        [policyBody('x', {}, { tags: [{ key: 'bad key', value: 'v' }] }), 'VolumeBackup.0049'],
        [policyBody('x', {}, { tags: [{ key: 'k', value: 'v'.repeat(44) }] }), 'VolumeBackup.0049'],
        [policyBody('x', {}, { tags: [{ key: 'k', value: 'a' }, { key: 'k', value: 'b' }] }), 'VolumeBackup.0049'],
        [policyBody('x', {}, { tags: Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }), 'VolumeBackup.0050'],
        [policyBody('x', {}, { tags: { key: 'k' } }), 'VolumeBackup.0049'],
        [{ ...policyBody('x'), description: '<script>' }, 'AutoBackup.0221', /"<" or ">"/],
        [[policyBody('x')], 'AutoBackup.0008'],
      ];
      for (const [body, code, message] of cases) await refused(server, m, 'POST', path, body, code, 400, message);
      const before = await policyState(server, m);
      const bad = await call(server, 'POST', path, { token: m.token, rawBody: '{"backup_policy_name": ' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'AutoBackup.0008');
      assert.deepEqual(await policyState(server, m), before);
    });

    it('allows at most 10 policies per project (AutoBackup.0203), also under concurrent creates', async () => {
      const p = await projectWithUser(server, 'pol-limit');
      for (let i = 0; i < 8; i++) await createPolicy(server, p, policyBody(`p${i}`));
      const results = await Promise.all([0, 1, 2, 3].map((i) => call(server, 'POST', `/v2/${p.projectId}/backuppolicy`, { token: p.token, body: policyBody(`race${i}`) })));
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 400, 400]);
      for (const r of results.filter((x) => x.status === 400)) assert.equal(r.body.error.code, 'AutoBackup.0203');
      assert.equal((await listPolicies(server, p)).length, 10);
      await refused(server, p, 'POST', `/v2/${p.projectId}/backuppolicy`, policyBody('eleventh'), 'AutoBackup.0203', 400, /at most 10/);
      assert.equal((await createPolicy(server, m, policyBody('other-project'))).length, 36, 'the limit is per project');
    });

    it('updates only the fields given; setting one of a pair clears the other', async () => {
      const p = await projectWithUser(server, 'pol-update');
      const id = await createPolicy(server, p, policyBody('orig', {}, { tags: [{ key: 'a', value: '1' }] }));
      const put = (body: unknown) => call(server, 'PUT', `/v2/${p.projectId}/backuppolicy/${id}`, { token: p.token, body });
      const show = async () => (await listPolicies(server, p)).find((x) => x.backup_policy_id === id);

      let r = await put({ backup_policy_name: 'renamed' });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, { backup_policy_id: id });
      let cur = await show();
      assert.equal(cur.backup_policy_name, 'renamed');
      assert.deepEqual(cur.scheduled_policy, { start_time: '12:00', frequency: 1, rentention_num: 10, remain_first_backup_of_curMonth: 'Y', status: 'ON' });
      assert.deepEqual(cur.tags, [{ key: 'a', value: '1' }]);

      r = await put({ scheduled_policy: { week_frequency: ['SAT'], rentention_day: 7.99, status: 'OFF' } });
      assert.equal(r.status, 200, r.text);
      cur = await show();
      assert.deepEqual(cur.scheduled_policy, { start_time: '12:00', week_frequency: ['SAT'], rentention_day: 7, remain_first_backup_of_curMonth: 'Y', status: 'OFF' });

      r = await put({ scheduled_policy: { frequency: 3, rentention_num: 2, start_time: '22:00,01:00', remain_first_backup_of_curMonth: 'N' }, time_zone: 'UTC+03:00' });
      assert.equal(r.status, 200, r.text);
      cur = await show();
      assert.deepEqual(cur.scheduled_policy, { start_time: '22:00,01:00', frequency: 3, rentention_num: 2, remain_first_backup_of_curMonth: 'N', status: 'OFF' });
      assert.equal(cur.time_zone, 'UTC+03:00');
      assert.equal(cur.backup_policy_name, 'renamed');
      assert.equal((await server.services.policyRecords.get(id))?.status, 'OFF');
      r = await put({ scheduled_policy: { status: 'ON' } });
      assert.ok((await server.services.policyRecords.listEnabled()).some((x) => x.id === id), 'ON again: scheduled');
    });

    it('refuses invalid updates with their codes and changes nothing', async () => {
      const p = await projectWithUser(server, 'pol-update-bad');
      const other = await projectWithUser(server, 'pol-update-other');
      const id = await createPolicy(server, p, policyBody('keep', { start_time: '22:00,01:00' }, { time_zone: 'UTC+03:00' }));
      const dflt = await createPolicy(server, p, policyBody('default_policy'));
      const path = `/v2/${p.projectId}/backuppolicy/${id}`;
      const cases: Array<[unknown, string, RegExp?]> = [
        [undefined, 'AutoBackup.0000'],
        [{}, 'AutoBackup.0000'],
        [{ unknown_field: 1 }, 'AutoBackup.0000'],
        [{ backup_policy_name: 'default_x' }, 'AutoBackup.0102', /must not start with "default"/],
        [{ backup_policy_name: 'default' }, 'AutoBackup.0102'],
        [{ backup_policy_name: '' }, 'AutoBackup.0101'],
        [{ backup_policy_name: 'a'.repeat(65) }, 'AutoBackup.0101'],
        [{ backup_policy_name: 'a b' }, 'AutoBackup.0102'],
        [{ scheduled_policy: {} }, 'AutoBackup.0001'],
        [{ scheduled_policy: { start_time: '25:00' } }, 'AutoBackup.0103'],
        [{ scheduled_policy: { start_time: '01:00,22:00' } }, 'AutoBackup.0103', /ascending/],
        [{ time_zone: 'UTC+00:00' }, 'AutoBackup.0103', /ascending/],
        [{ time_zone: 'UTC' }, 'AutoBackup.0103'],
        [{ scheduled_policy: { status: 'OF' } }, 'AutoBackup.0104'],
        [{ scheduled_policy: { remain_first_backup_of_curMonth: true } }, 'AutoBackup.0105'],
        [{ scheduled_policy: { frequency: 31 } }, 'AutoBackup.0106'],
        [{ scheduled_policy: { frequency: 2, week_frequency: ['MON'] } }, 'AutoBackup.0106'],
        [{ scheduled_policy: { rentention_num: 0 } }, 'AutoBackup.0107'],
        [{ scheduled_policy: { rentention_day: 1 } }, 'AutoBackup.0108'],
        [{ scheduled_policy: { week_frequency: ['XYZ'] } }, 'AutoBackup.0109'],
        [{ backup_policy_name: 'x>y' }, 'AutoBackup.0221'],
      ];
      for (const [body, code, message] of cases) await refused(server, p, 'PUT', path, body, code, 400, message);
      await refused(server, p, 'PUT', `/v2/${p.projectId}/backuppolicy/${dflt}`, { backup_policy_name: 'renamed' }, 'AutoBackup.0100', 400, /default policy/);
      await refused(server, p, 'PUT', `/v2/${p.projectId}/backuppolicy/not-a-uuid`, { backup_policy_name: 'x' }, 'AutoBackup.0205', 404);
      await refused(server, p, 'PUT', `/v2/${p.projectId}/backuppolicy/00000000-0000-4000-8000-000000000000`, { backup_policy_name: 'x' }, 'AutoBackup.0205', 404);
      await refused(server, other, 'PUT', `/v2/${other.projectId}/backuppolicy/${id}`, { backup_policy_name: 'x' }, 'AutoBackup.0205', 404);
      // The default policy keeps its schedule editable; only its name is fixed.
      assert.equal((await call(server, 'PUT', `/v2/${p.projectId}/backuppolicy/${dflt}`, { token: p.token, body: { backup_policy_name: 'default_policy', scheduled_policy: { frequency: 2 } } })).status, 200);
    });

    it('associates volumes one by one, each failure with its own code, and disassociates them', async () => {
      const p = await projectWithUser(server, 'pol-assoc');
      const stranger = await projectWithUser(server, 'pol-assoc-other');
      const policy = await createPolicy(server, p, policyBody('bind'));
      const second = await createPolicy(server, p, policyBody('second'));
      const [v1, v2, v3, broken, taken, attached] = [
        await availableVolume(server, p), await availableVolume(server, p), await availableVolume(server, p),
        await availableVolume(server, p), await availableVolume(server, p), await availableVolume(server, p),
      ];
      const attach = await call(server, 'POST', `/v3/${p.projectId}/volumes/${attached}/action`, { token: p.token, body: { 'os-attach': { instance_uuid: '5f1c5b3e-2d7a-4a43-9d0e-0c8b7c1d2e3f', mountpoint: '/dev/vdb' } } });
      assert.equal(attach.status, 202, attach.text);
      const foreign = await availableVolume(server, stranger);
      const reset = await call(server, 'POST', `/v3/${p.projectId}/volumes/${broken}/action`, { token: server.adminToken, body: { 'os-reset_status': { status: 'error' } } });
      assert.equal(reset.status, 202, reset.text);
      const bindTaken = await call(server, 'POST', `/v2/${p.projectId}/backuppolicyresources`, { token: p.token, body: { backup_policy_id: second, resources: [{ resource_id: taken, resource_type: 'volume' }] } });
      assert.deepEqual(bindTaken.body.fail_resources, []);

      const missing = '00000000-0000-4000-8000-000000000001';
      const r = await call(server, 'POST', `/v2/${p.projectId}/backuppolicyresources`, {
        token: p.token,
        body: {
          backup_policy_id: policy,
          resources: [
            { resource_id: v1, resource_type: 'volume' },
            { resource_id: missing, resource_type: 'volume' },
            { resource_id: v2, resource_type: 'snapshot' },
            { resource_id: broken, resource_type: 'volume' },
            { resource_id: foreign, resource_type: 'volume' },
            { resource_id: taken, resource_type: 'volume' },
            { resource_type: 'volume' },
            { resource_id: v3 },
            { resource_id: 'not-a-uuid', resource_type: 'volume' },
            { resource_id: v2, resource_type: 'volume' },
            { resource_id: attached, resource_type: 'volume' },
          ],
        },
      });
      assert.equal(r.status, 200, r.text);
      const az = server.config.availabilityZone;
      assert.deepEqual(r.body.success_resources.map((x: { resource_id: string }) => x.resource_id), [v1, v2, attached], 'in-use volumes too');
      assert.deepEqual(
        { ...r.body.success_resources[0], os_vol_host_attr: undefined },
        { resource_id: v1, resource_type: 'volume', availability_zone: az, os_vol_host_attr: undefined },
      );
      assert.match(r.body.success_resources[0].os_vol_host_attr, /@file#file$/);
      assert.deepEqual(
        r.body.fail_resources.map((x: { resource_id: string; code: string }) => [x.resource_id, x.code]),
        [[missing, 'AutoBackup.0208'], [v2, 'AutoBackup.0211'], [broken, 'AutoBackup.0206'], [foreign, 'AutoBackup.0208'], [taken, 'AutoBackup.1400'], ['', 'AutoBackup.0209'], [v3, 'AutoBackup.0209'], ['not-a-uuid', 'AutoBackup.0208']],
      );
      for (const f of r.body.fail_resources) assert.ok(f.message.length > 10, JSON.stringify(f));
      assert.match(r.body.fail_resources[2].message, /error/);
      assert.match(r.body.fail_resources[4].message, new RegExp(second));
      const counts = Object.fromEntries((await listPolicies(server, p)).map((x) => [x.backup_policy_id, x.policy_resource_count]));
      assert.deepEqual(counts, { [policy]: 3, [second]: 1 });
      assert.deepEqual((await server.services.policyRecords.volumeIds(policy)).sort(), [v1, v2, attached].sort());

      const again = await call(server, 'POST', `/v2/${p.projectId}/backuppolicyresources`, { token: p.token, body: { backup_policy_id: policy, resources: [{ resource_id: v1, resource_type: 'volume' }] } });
      assert.deepEqual(again.body.success_resources.map((x: { resource_id: string }) => x.resource_id), [v1], 'binding a bound volume again succeeds');
      assert.equal((await listPolicies(server, p)).find((x) => x.backup_policy_id === policy).policy_resource_count, 3);

      const path = `/v2/${p.projectId}/backuppolicyresources/${policy}/deleted_resources`;
      const un = await call(server, 'POST', path, { token: p.token, body: { resources: [{ resource_id: v1 }, { resource_id: taken }, { resource_id: missing }, {}, { resource_id: attached }] } });
      assert.equal(un.status, 200, un.text);
      assert.deepEqual(un.body.success_resources, [{ resource_id: v1 }, { resource_id: attached }]);
      assert.deepEqual(un.body.fail_resources.map((x: { resource_id: string; code: string }) => [x.resource_id, x.code]), [[taken, 'AutoBackup.0208'], [missing, 'AutoBackup.0208'], ['', 'AutoBackup.0209']]);
      assert.deepEqual(await server.services.policyRecords.volumeIds(policy), [v2]);
      assert.deepEqual(await server.services.policyRecords.volumeIds(second), [taken], 'the other policy keeps its volume');

      // A deleted volume no longer counts; deleting a policy frees its volumes for another.
      assert.equal((await call(server, 'DELETE', `/v3/${p.projectId}/volumes/${v2}`, { token: p.token })).status, 202);
      const end = Date.now() + 30_000;
      while ((await call(server, 'GET', `/v3/${p.projectId}/volumes/${v2}`, { token: p.token })).status !== 404 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
      assert.equal((await listPolicies(server, p)).find((x) => x.backup_policy_id === policy).policy_resource_count, 0);
      const del = await call(server, 'DELETE', `/v2/${p.projectId}/backuppolicy/${second}`, { token: p.token });
      assert.equal(del.status, 204, del.text);
      assert.equal(del.text, '');
      const rebind = await call(server, 'POST', `/v2/${p.projectId}/backuppolicyresources`, { token: p.token, body: { backup_policy_id: policy, resources: [{ resource_id: taken, resource_type: 'volume' }] } });
      assert.deepEqual(rebind.body.fail_resources, []);
      assert.deepEqual(await server.services.policyRecords.volumeIds(policy), [taken]);
    });

    it('gives a volume asked for by two policies at once to exactly one of them', async () => {
      const p = await projectWithUser(server, 'pol-race');
      const [a, b] = [await createPolicy(server, p, policyBody('a')), await createPolicy(server, p, policyBody('b'))];
      const vol = await availableVolume(server, p);
      const replies = await Promise.all([a, b, a, b].map((backup_policy_id) => call(server, 'POST', `/v2/${p.projectId}/backuppolicyresources`, { token: p.token, body: { backup_policy_id, resources: [{ resource_id: vol, resource_type: 'volume' }] } })));
      for (const r of replies) assert.equal(r.status, 200, r.text);
      const owner = (await server.services.policyRecords.volumeIds(a)).length === 1 ? a : b;
      const loser = owner === a ? b : a;
      assert.deepEqual(await server.services.policyRecords.volumeIds(owner), [vol]);
      assert.deepEqual(await server.services.policyRecords.volumeIds(loser), []);
      replies.forEach((r, i) => {
        const askedFor = [a, b, a, b][i];
        if (askedFor === owner) assert.deepEqual(r.body.fail_resources, []);
        else assert.equal(r.body.fail_resources[0].code, 'AutoBackup.1400');
      });
    });

    it('refuses malformed association requests as a whole and changes nothing', async () => {
      const p = await projectWithUser(server, 'pol-assoc-bad');
      const other = await projectWithUser(server, 'pol-assoc-bad-other');
      const policy = await createPolicy(server, p, policyBody('bind'));
      const foreignPolicy = await createPolicy(server, other, policyBody('theirs'));
      const vol = await availableVolume(server, p);
      const res = [{ resource_id: vol, resource_type: 'volume' }];
      const path = `/v2/${p.projectId}/backuppolicyresources`;
      await refused(server, p, 'POST', path, undefined, 'AutoBackup.0000');
      await refused(server, p, 'POST', path, { resources: res }, 'AutoBackup.0006', 400, /backup_policy_id/);
      await refused(server, p, 'POST', path, { backup_policy_id: '', resources: res }, 'AutoBackup.0006');
      await refused(server, p, 'POST', path, { backup_policy_id: '00000000-0000-4000-8000-000000000000', resources: res }, 'AutoBackup.0205', 404);
      await refused(server, p, 'POST', path, { backup_policy_id: 'nope', resources: res }, 'AutoBackup.0205', 404);
      await refused(server, p, 'POST', path, { backup_policy_id: foreignPolicy, resources: res }, 'AutoBackup.0205', 404);
      await refused(server, p, 'POST', path, { backup_policy_id: policy }, 'AutoBackup.0207');
      await refused(server, p, 'POST', path, { backup_policy_id: policy, resources: [] }, 'AutoBackup.0207');
      await refused(server, p, 'POST', path, { backup_policy_id: policy, resources: 'all' }, 'AutoBackup.0207');
      const un = `/v2/${p.projectId}/backuppolicyresources/${policy}/deleted_resources`;
      await refused(server, p, 'POST', un, undefined, 'AutoBackup.0000');
      await refused(server, p, 'POST', un, { resources: [] }, 'AutoBackup.0207');
      await refused(server, p, 'POST', `/v2/${p.projectId}/backuppolicyresources/${foreignPolicy}/deleted_resources`, { resources: [{ resource_id: vol }] }, 'AutoBackup.0205', 404);
      await refused(server, p, 'POST', `/v2/${p.projectId}/backuppolicyresources/x/deleted_resources`, { resources: [{ resource_id: vol }] }, 'AutoBackup.0205', 404);
    });

    it('binds at most 200 volumes to one policy (AutoBackup.0204)', async () => {
      const p = await projectWithUser(server, 'pol-many');
      const policy = await createPolicy(server, p, policyBody('big'));
      const ids: string[] = [];
      for (let i = 0; i < 201; i += 20) ids.push(...(await Promise.all(Array.from({ length: Math.min(20, 201 - i) }, () => availableVolume(server, p)))));
      const bind = (resources: string[]) => call(server, 'POST', `/v2/${p.projectId}/backuppolicyresources`, { token: p.token, body: { backup_policy_id: policy, resources: resources.map((resource_id) => ({ resource_id, resource_type: 'volume' })) } });
      const first = await bind(ids.slice(0, 199));
      assert.equal(first.body.success_resources.length, 199, first.text);
      const before = await policyState(server, p);
      const last = await bind(ids.slice(199));
      assert.deepEqual(last.body.success_resources.map((x: { resource_id: string }) => x.resource_id), [ids[199]]);
      assert.deepEqual(last.body.fail_resources.map((x: { resource_id: string; code: string }) => [x.resource_id, x.code]), [[ids[200], 'AutoBackup.0204']]);
      assert.notDeepEqual(await policyState(server, p), before);
      const full = await policyState(server, p);
      const over = await bind([ids[200]]);
      assert.equal(over.body.fail_resources[0].code, 'AutoBackup.0204');
      assert.match(over.body.fail_resources[0].message, /200/);
      assert.deepEqual(await policyState(server, p), full, 'a refused volume changes nothing');
      assert.equal((await listPolicies(server, p))[0].policy_resource_count, 200);
    });

    it('deletes policies (204) with their tags and associations; unknown ids are AutoBackup.0205', async () => {
      const p = await projectWithUser(server, 'pol-delete');
      const other = await projectWithUser(server, 'pol-delete-other');
      const id = await createPolicy(server, p, policyBody('gone', {}, { tags: [{ key: 'k', value: 'v' }] }));
      const keep = await createPolicy(server, p, policyBody('kept'));
      const vol = await availableVolume(server, p);
      await call(server, 'POST', `/v2/${p.projectId}/backuppolicyresources`, { token: p.token, body: { backup_policy_id: id, resources: [{ resource_id: vol, resource_type: 'volume' }] } });
      await refused(server, other, 'DELETE', `/v2/${other.projectId}/backuppolicy/${id}`, undefined, 'AutoBackup.0205', 404);
      await refused(server, p, 'DELETE', `/v2/${p.projectId}/backuppolicy/not-a-uuid`, undefined, 'AutoBackup.0205', 404);
      const del = await call(server, 'DELETE', `/v2/${p.projectId}/backuppolicy/${id}`, { token: p.token });
      assert.equal(del.status, 204, del.text);
      assert.deepEqual((await listPolicies(server, p)).map((x) => x.backup_policy_id), [keep]);
      const dbh = server.services.database.db;
      assert.deepEqual(await dbh.selectFrom('backup_policy_resources').select('resource_id').where('policy_id', '=', id).execute(), []);
      assert.deepEqual(await dbh.selectFrom('backup_policy_tags').select('key').where('policy_id', '=', id).execute(), []);
      assert.deepEqual((await call(server, 'GET', `/v2/${p.projectId}/backuppolicy/tags`, { token: p.token })).body, { tags: [] });
      await refused(server, p, 'DELETE', `/v2/${p.projectId}/backuppolicy/${id}`, undefined, 'AutoBackup.0205', 404);
      await refused(server, p, 'PUT', `/v2/${p.projectId}/backuppolicy/${id}`, { backup_policy_name: 'x' }, 'AutoBackup.0205', 404);
    });

    it('lets a deleted volume leave its policy', async () => {
      const p = await projectWithUser(server, 'pol-voldel');
      const id = await createPolicy(server, p, policyBody('voldel'));
      const vol = await availableVolume(server, p);
      const bind = await call(server, 'POST', `/v2/${p.projectId}/backuppolicyresources`, { token: p.token, body: { backup_policy_id: id, resources: [{ resource_id: vol, resource_type: 'volume' }] } });
      assert.deepEqual(bind.body.fail_resources, []);
      assert.equal((await listPolicies(server, p))[0].policy_resource_count, 1);
      const del = await call(server, 'DELETE', `/v3/${p.projectId}/volumes/${vol}`, { token: p.token });
      assert.equal(del.status, 202, del.text);
      const dbh = server.services.database.db;
      for (let i = 0; i < 200 && (await dbh.selectFrom('volumes').select('id').where('id', '=', vol).executeTakeFirst()); i++) await new Promise((r) => setTimeout(r, 25));
      assert.deepEqual(await dbh.selectFrom('backup_policy_resources').select('resource_id').where('resource_id', '=', vol).execute(), []);
      assert.equal((await listPolicies(server, p))[0].policy_resource_count, 0);
    });

    it('answers in the AutoBackup envelope: no token, readers, other projects', async () => {
      const reader = await projectWithUser(server, 'pol-reader', 'reader');
      const noToken = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy`);
      assert.equal(noToken.status, 401);
      assert.equal(noToken.body.error.code, 'AutoBackup.0002');
      await refused(server, reader, 'POST', `/v2/${reader.projectId}/backuppolicy`, policyBody('r'), 'VolumeBackup.0042', 403);
      assert.equal((await call(server, 'GET', `/v2/${reader.projectId}/backuppolicy`, { token: reader.token })).status, 200, 'readers may list');
      const cross = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy`, { token: reader.token });
      assert.equal(cross.status, 403);
      assert.ok(cross.body.error.code);
      const id = await createPolicy(server, m, policyBody('envelope'));
      const wrongMethod = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${id}`, { token: m.token });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.body.error.code, 'common.0405');
      assert.deepEqual(wrongMethod.headers.get('allow')?.split(/,\s*/).sort(), ['DELETE', 'PUT']);
      const unknown = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${id}/nothing`, { token: m.token });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'common.0404');
    });
  });
}
