import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { createPolicy, policyBody, policyState, refused, type Member } from '../support/policies.js';

for (const db of DB_KINDS) {
  describe(`backup policy tags (${db})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ db });
    });
    after(async () => server.close());

    const tagsOf = async (m: Member, id: string) => {
      const r = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${id}/tags`, { token: m.token });
      assert.equal(r.status, 200, r.text);
      return r.body.tags;
    };

    it('adds, overwrites, lists and removes the tags of one policy', async () => {
      const m = await projectWithUser(server, 'tag-one');
      const id = await createPolicy(server, m, policyBody('tagged', {}, { tags: [{ key: 'b', value: '1' }] }));
      const base = `/v2/${m.projectId}/backuppolicy/${id}/tags`;
      let r = await call(server, 'POST', base, { token: m.token, body: { tag: { key: 'a-Key_1', value: 'v-1_X' } } });
      assert.equal(r.status, 204, r.text);
      assert.equal(r.text, '');
      r = await call(server, 'POST', base, { token: m.token, body: { tag: { key: 'empty', value: '' } } });
      assert.equal(r.status, 204, r.text);
      r = await call(server, 'POST', base, { token: m.token, body: { tag: { key: 'k'.repeat(36), value: 'v'.repeat(43) } } });
      assert.equal(r.status, 204, r.text);
      assert.deepEqual(await tagsOf(m, id), [{ key: 'a-Key_1', value: 'v-1_X' }, { key: 'b', value: '1' }, { key: 'empty', value: '' }, { key: 'k'.repeat(36), value: 'v'.repeat(43) }]);
      r = await call(server, 'POST', base, { token: m.token, body: { tag: { key: 'b', value: '2' } } });
      assert.equal(r.status, 204, 'an existing key takes the new value');
      assert.deepEqual((await tagsOf(m, id)).find((t: { key: string }) => t.key === 'b'), { key: 'b', value: '2' });

      r = await call(server, 'DELETE', `${base}/${encodeURIComponent('a-Key_1')}`, { token: m.token });
      assert.equal(r.status, 204, r.text);
      r = await call(server, 'DELETE', `${base}/%65mpty`, { token: m.token });
      assert.equal(r.status, 204, 'the key is URL-decoded');
      assert.deepEqual((await tagsOf(m, id)).map((t: { key: string }) => t.key), ['b', 'k'.repeat(36)]);
      await refused(server, m, 'DELETE', `${base}/a-Key_1`, undefined, 'common.0404', 404, /no tag a-Key_1/);
      await refused(server, m, 'DELETE', `${base}/${encodeURIComponent('bad key')}`, undefined, 'VolumeBackup.0049');
      assert.deepEqual(await tagsOf(m, id), [{ key: 'b', value: '2' }, { key: 'k'.repeat(36), value: 'v'.repeat(43) }]);
    });

    it('refuses invalid tags with their codes and changes nothing', async () => {
      const m = await projectWithUser(server, 'tag-bad');
      const other = await projectWithUser(server, 'tag-bad-other');
      const id = await createPolicy(server, m, policyBody('tagged'));
      const theirs = await createPolicy(server, other, policyBody('theirs'));
      const base = `/v2/${m.projectId}/backuppolicy/${id}/tags`;
      const cases: Array<[unknown, string]> = [
        [undefined, 'AutoBackup.0000'],
        [{}, 'AutoBackup.0000'],
        [{ tags: [] }, 'VolumeBackup.0049'],
        [{ tag: 'k=v' }, 'VolumeBackup.0049'],
        [{ tag: { value: 'v' } }, 'VolumeBackup.0049'],
        [{ tag: { key: '', value: 'v' } }, 'VolumeBackup.0049'],
        [{ tag: { key: 'k'.repeat(37), value: 'v' } }, 'VolumeBackup.0049'],
        [{ tag: { key: 'k', value: 'v'.repeat(44) } }, 'VolumeBackup.0049'],
        [{ tag: { key: 'a.b', value: 'v' } }, 'VolumeBackup.0049'],
        [{ tag: { key: 'k', value: 'a b' } }, 'VolumeBackup.0049'],
        [{ tag: { key: 'k', value: 5 } }, 'VolumeBackup.0049'],
        [{ tag: { key: 'k', value: '<b>' } }, 'AutoBackup.0221'],
      ];
      for (const [body, code] of cases) await refused(server, m, 'POST', base, body, code);
      await refused(server, m, 'POST', `/v2/${m.projectId}/backuppolicy/${theirs}/tags`, { tag: { key: 'k', value: 'v' } }, 'AutoBackup.0205', 404);
      await refused(server, m, 'POST', `/v2/${m.projectId}/backuppolicy/00000000-0000-4000-8000-000000000000/tags`, { tag: { key: 'k', value: 'v' } }, 'AutoBackup.0205', 404);
      await refused(server, m, 'DELETE', `/v2/${m.projectId}/backuppolicy/${theirs}/tags/k`, undefined, 'AutoBackup.0205', 404);
      assert.equal((await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${theirs}/tags`, { token: m.token })).body.error.code, 'AutoBackup.0205');
      assert.equal((await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/nope/tags`, { token: m.token })).status, 404);

      for (let i = 0; i < 10; i++) assert.equal((await call(server, 'POST', base, { token: m.token, body: { tag: { key: `k${i}`, value: 'v' } } })).status, 204);
      await refused(server, m, 'POST', base, { tag: { key: 'k10', value: 'v' } }, 'VolumeBackup.0050', 400, /at most 10/);
      assert.equal((await call(server, 'POST', base, { token: m.token, body: { tag: { key: 'k9', value: 'new' } } })).status, 204, 'overwriting an existing key needs no room');
      assert.equal((await tagsOf(m, id)).length, 10);
    });

    it('creates, updates and deletes tags in batches (tags/action)', async () => {
      const m = await projectWithUser(server, 'tag-batch');
      const id = await createPolicy(server, m, policyBody('batched', {}, { tags: [{ key: 'keep', value: 'x' }] }));
      const path = `/v2/${m.projectId}/backuppolicy/${id}/tags/action`;
      const act = (body: unknown) => call(server, 'POST', path, { token: m.token, body });
      let r = await act({ action: 'create', tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'keep', value: 'y' }] });
      assert.equal(r.status, 204, r.text);
      assert.deepEqual(await tagsOf(m, id), [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'keep', value: 'y' }]);
      r = await act({ action: 'update', tags: [{ key: 'a', value: '10' }] });
      assert.equal(r.status, 204, r.text);
      r = await act({ action: 'delete', tags: [{ key: 'b', value: 'not-2' }, { key: 'keep' }, { key: 'absent' }] });
      assert.equal(r.status, 204, r.text);
      assert.deepEqual(await tagsOf(m, id), [{ key: 'a', value: '10' }, { key: 'b', value: '2' }], 'a delete with another value keeps the tag');
      r = await act({ action: 'delete', tags: [{ key: 'b', value: '2' }] });
      assert.deepEqual(await tagsOf(m, id), [{ key: 'a', value: '10' }]);

      const cases: Array<[unknown, string, number?]> = [
        [undefined, 'AutoBackup.0000'],
        [{ tags: [{ key: 'a', value: '1' }] }, 'AutoBackup.0222'],
        [{ action: 'replace', tags: [{ key: 'a', value: '1' }] }, 'AutoBackup.0222'],
        [{ action: 'create' }, 'VolumeBackup.0049'],
        [{ action: 'create', tags: { key: 'a' } }, 'VolumeBackup.0049'],
        [{ action: 'create', tags: [{ key: 'x', value: '1' }, { key: 'x', value: '2' }] }, 'VolumeBackup.0049'],
        [{ action: 'create', tags: [{ key: 'ok', value: '1' }, { key: 'bad key', value: '2' }] }, 'VolumeBackup.0049'],
        [{ action: 'delete', tags: [{ value: '1' }] }, 'VolumeBackup.0049'],
        [{ action: 'update', tags: [{ key: 'a', value: '2' }, { key: 'missing', value: '1' }] }, 'common.0404', 404],
        [{ action: 'create', tags: Array.from({ length: 10 }, (_, i) => ({ key: `n${i}`, value: 'v' })) }, 'VolumeBackup.0050'],
        [{ action: 'create', tags: Array.from({ length: 11 }, (_, i) => ({ key: `n${i}`, value: 'v' })) }, 'VolumeBackup.0050'],
      ];
      for (const [body, code, status] of cases) await refused(server, m, 'POST', path, body, code, status ?? 400);
      await refused(server, m, 'POST', `/v2/${m.projectId}/backuppolicy/00000000-0000-4000-8000-000000000000/tags/action`, { action: 'create', tags: [] }, 'AutoBackup.0205', 404);
      r = await act({ action: 'create', tags: Array.from({ length: 9 }, (_, i) => ({ key: `n${i}`, value: 'v' })) });
      assert.equal(r.status, 204, 'nine more fill the ten');
      assert.equal((await tagsOf(m, id)).length, 10);
    });

    it('lists every key of the project with its values', async () => {
      const m = await projectWithUser(server, 'tag-all');
      const other = await projectWithUser(server, 'tag-all-other');
      await createPolicy(server, m, policyBody('p1', {}, { tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'b' }] }));
      await createPolicy(server, m, policyBody('p2', {}, { tags: [{ key: 'env', value: 'dev' }, { key: 'team', value: 'b' }] }));
      await createPolicy(server, m, policyBody('p3'));
      await createPolicy(server, other, policyBody('o1', {}, { tags: [{ key: 'secret', value: 'x' }] }));
      const r = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/tags`, { token: m.token });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, { tags: [{ key: 'env', values: ['dev', 'prod'] }, { key: 'team', values: ['b'] }] });
    });

    it('finds and counts policies by tags, tags_any, not_tags, not_tags_any and name, with limit and offset', async () => {
      const m = await projectWithUser(server, 'tag-query');
      const other = await projectWithUser(server, 'tag-query-other');
      const p1 = await createPolicy(server, m, policyBody('alpha', {}, { tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'a' }] }));
      const p2 = await createPolicy(server, m, policyBody('beta', {}, { tags: [{ key: 'env', value: 'dev' }, { key: 'team', value: 'b' }] }));
      const p3 = await createPolicy(server, m, policyBody('gamma', {}, { tags: [{ key: 'env', value: 'prod' }] }));
      const p4 = await createPolicy(server, m, policyBody('Untagged-x', { frequency: undefined, week_frequency: ['TUE'] }, { time_zone: 'UTC+01:00' }));
      await createPolicy(server, other, policyBody('alpha', {}, { tags: [{ key: 'env', value: 'prod' }] }));
      const path = `/v2/${m.projectId}/backuppolicy/resource_instances/action`;
      const find = async (body: Record<string, unknown>) => {
        const r = await call(server, 'POST', path, { token: m.token, body: { action: 'filter', ...body } });
        assert.equal(r.status, 200, r.text);
        return r.body;
      };
      const ids = async (body: Record<string, unknown>) => (await find(body)).resources.map((x: { resource_id: string }) => x.resource_id);

      const all = await find({});
      assert.equal(all.total_count, 4);
      assert.deepEqual(all.resources.map((x: { resource_id: string }) => x.resource_id), [p1, p2, p3, p4]);
      assert.deepEqual(all.resources[0], {
        resource_id: p1,
        resource_name: 'alpha',
        resource_detail: {
          backup_policy_id: p1,
          backup_policy_name: 'alpha',
          scheduled_policy: { start_time: '12:00', frequency: 1, rentention_num: 10, remain_first_backup_of_curMonth: 'Y', status: 'ON' },
          time_zone: 'UTC+00:00',
        },
        tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'a' }],
      });
      assert.deepEqual(all.resources[3].resource_detail.scheduled_policy.week_frequency, ['TUE']);
      assert.deepEqual(all.resources[3].tags, []);
      assert.deepEqual(await ids({ tags: [{ key: 'env', values: ['prod'] }] }), [p1, p3]);
      assert.deepEqual(await ids({ tags: [{ key: 'env', values: ['prod'] }, { key: 'team', values: [] }] }), [p1]);
      assert.deepEqual(await ids({ tags: [{ key: 'env', values: ['prod', 'dev'] }] }), [p1, p2, p3]);
      assert.deepEqual(await ids({ tags_any: [{ key: 'team', values: ['a'] }, { key: 'env', values: ['dev'] }] }), [p1, p2]);
      assert.deepEqual(await ids({ not_tags: [{ key: 'env', values: ['prod'] }, { key: 'team', values: [] }] }), [p2, p3, p4]);
      assert.deepEqual(await ids({ not_tags_any: [{ key: 'env', values: [] }] }), [p4]);
      assert.deepEqual(await ids({ not_tags_any: [{ key: 'team', values: ['b'] }, { key: 'env', values: ['prod'] }] }), [p4]);
      assert.deepEqual(await ids({ matches: [{ key: 'resource_name', value: 'UNTAGGED' }] }), [p4]);
      assert.deepEqual(await ids({ matches: [{ key: 'resource_name', value: 'a' }], tags: [{ key: 'env', values: ['prod'] }] }), [p1, p3]);
      const page = await find({ limit: 2, offset: 1 });
      assert.equal(page.total_count, 4);
      assert.deepEqual(page.resources.map((x: { resource_id: string }) => x.resource_id), [p2, p3]);
      assert.deepEqual((await find({ limit: '1', offset: '3' })).resources.map((x: { resource_id: string }) => x.resource_id), [p4]);
      assert.deepEqual((await find({ offset: 9 })).resources, []);
      const count = await call(server, 'POST', path, { token: m.token, body: { action: 'count', tags: [{ key: 'env', values: ['prod'] }], limit: 1 } });
      assert.equal(count.status, 200, count.text);
      assert.deepEqual(count.body, { total_count: 2 });

      const cases: Array<[unknown, string]> = [
        [undefined, 'AutoBackup.0000'],
        [{ tags: [] }, 'AutoBackup.0222'],
        [{ action: 'list' }, 'AutoBackup.0222'],
        [{ action: 'filter', limit: 0 }, 'VolumeBackup.0049'],
        [{ action: 'filter', limit: 1001 }, 'VolumeBackup.0049'],
        [{ action: 'filter', offset: -1 }, 'VolumeBackup.0049'],
        [{ action: 'filter', offset: 'x' }, 'VolumeBackup.0049'],
        [{ action: 'filter', tags: { key: 'env' } }, 'VolumeBackup.0049'],
        [{ action: 'filter', tags: [{ key: 'env' }] }, 'VolumeBackup.0049'],
        [{ action: 'filter', tags_any: [{ key: 'bad key', values: [] }] }, 'VolumeBackup.0049'],
        [{ action: 'filter', not_tags: [{ key: 'env', values: ['a b'] }] }, 'VolumeBackup.0049'],
        [{ action: 'count', not_tags_any: [{ key: 'env', values: [] }, { key: 'env', values: ['x'] }] }, 'VolumeBackup.0049'],
        [{ action: 'filter', matches: [{ key: 'name', value: 'a' }] }, 'VolumeBackup.0049'],
        [{ action: 'filter', matches: [{ key: 'resource_name', value: 5 }] }, 'VolumeBackup.0049'],
      ];
      for (const [body, code] of cases) await refused(server, m, 'POST', path, body, code);
    });

    it('lets readers read and query tags but not write them', async () => {
      const reader = await projectWithUser(server, 'tag-reader', 'reader');
      const before = await policyState(server, reader);
      const r = await call(server, 'POST', `/v2/${reader.projectId}/backuppolicy/00000000-0000-4000-8000-000000000000/tags`, { token: reader.token, body: { tag: { key: 'k', value: 'v' } } });
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, 'VolumeBackup.0042');
      assert.deepEqual(await policyState(server, reader), before);
      const q = await call(server, 'POST', `/v2/${reader.projectId}/backuppolicy/resource_instances/action`, { token: reader.token, body: { action: 'count' } });
      assert.equal(q.status, 200, 'the query writes nothing: readers may send it');
      assert.deepEqual(q.body, { total_count: 0 });
    });
  });
}
