/**
 * A field the API reference does not define, in any AutoBackup body or object of one, is refused
 * with AutoBackup.0221 naming it, and nothing changes: a misspelled field is not silently ignored.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { createAvailableVolume } from '../support/volumes.js';
import { createPolicy, listPolicies, policyBody, refused, type Member } from '../support/policies.js';

const UNKNOWN = 'AutoBackup.0221';

// The refusal is the edge's, before any service or database: one database kind covers it.
describe('backup policy bodies refuse fields the reference does not define', () => {
  let server: TestServer;
  let m: Member;
  let policy: string;
  before(async () => {
    server = await startServer();
    m = await projectWithUser(server, 'unknown-fields');
    policy = await createPolicy(server, m, policyBody('kept', {}, { tags: [{ key: 'env', value: 'prod' }] }));
  });
  after(async () => server.close());

  it('refuses a policy create with a misspelled or unknown field, at any level, and creates nothing', async () => {
    const path = `/v2/${m.projectId}/backuppolicy`;
    const before = await listPolicies(server, m);
    // The reference spells it rentention_num; retention_num was accepted and ignored.
    const misspelled = policyBody('typo', { rentention_num: undefined, retention_num: 5 });
    await refused(server, m, 'POST', path, misspelled, UNKNOWN, 400, /scheduled_policy has no field "retention_num"; its fields are .*rentention_num/);
    await refused(server, m, 'POST', path, { ...policyBody('extra'), description: 'nightly' }, UNKNOWN, 400, /request body has no field "description"/);
    await refused(server, m, 'POST', path, policyBody('tagged', {}, { tags: [{ key: 'k', value: 'v', color: 'red' }] }), UNKNOWN, 400, /tags\[0\] has no field "color"/);
    await refused(server, m, 'POST', path, { ...policyBody('two'), a: 1, b: 2 }, UNKNOWN, 400, /"a", "b"/);
    assert.deepEqual(await listPolicies(server, m), before, 'no policy was created');
    // The same request spelled as the reference does is accepted.
    await createPolicy(server, m, policyBody('typo', { rentention_num: 5 }));
  });

  it('refuses a policy update with an unknown field and changes nothing', async () => {
    const path = `/v2/${m.projectId}/backuppolicy/${policy}`;
    const before = await listPolicies(server, m);
    await refused(server, m, 'PUT', path, { scheduled_policy: { retention_num: 5 } }, UNKNOWN, 400, /scheduled_policy has no field "retention_num"/);
    await refused(server, m, 'PUT', path, { scheduled_policy: { status: 'OFF', frequncy: 2 } }, UNKNOWN, 400, /"frequncy"/);
    await refused(server, m, 'PUT', path, { backup_policy_name: 'renamed', timezone: 'UTC+01:00' }, UNKNOWN, 400, /request body has no field "timezone"/);
    // Tags change through the tag routes, not the policy update.
    await refused(server, m, 'PUT', path, { backup_policy_name: 'renamed', tags: [{ key: 'env', value: 'dev' }] }, UNKNOWN, 400, /no field "tags"/);
    assert.deepEqual(await listPolicies(server, m), before, 'the policy is as it was');
  });

  it('refuses associations and disassociations with an unknown field and binds or unbinds nothing', async () => {
    const vol = await createAvailableVolume(server, m, { size: 1, name: 'bound' });
    const other = await createAvailableVolume(server, m, { size: 1, name: 'free' });
    const bind = await call(server, 'POST', `/v2/${m.projectId}/backuppolicyresources`, { token: m.token, body: { backup_policy_id: policy, resources: [{ resource_id: vol, resource_type: 'volume' }] } });
    assert.deepEqual(bind.body.fail_resources, [], bind.text);
    const before = await listPolicies(server, m);

    const assoc = `/v2/${m.projectId}/backuppolicyresources`;
    const entry = { resource_id: other, resource_type: 'volume' };
    await refused(server, m, 'POST', assoc, { backup_policy_id: policy, resources: [entry, { ...entry, resource_name: 'free' }] }, UNKNOWN, 400, /resources\[1\] has no field "resource_name"/);
    await refused(server, m, 'POST', assoc, { backup_policy_id: policy, resources: [entry], force: true }, UNKNOWN, 400, /request body has no field "force"/);
    // A misspelled id was a volume without an id, failing alone; now the request is malformed.
    await refused(server, m, 'POST', assoc, { backup_policy_id: policy, resources: [{ resourceid: other, resource_type: 'volume' }] }, UNKNOWN, 400, /"resourceid"/);

    const un = `/v2/${m.projectId}/backuppolicyresources/${policy}/deleted_resources`;
    await refused(server, m, 'POST', un, { resources: [{ resource_id: vol, resource_type: 'volume' }] }, UNKNOWN, 400, /resources\[0\] has no field "resource_type"/);
    await refused(server, m, 'POST', un, { resources: [{ resource_id: vol }], backup_policy_id: policy }, UNKNOWN, 400, /request body has no field "backup_policy_id"/);
    assert.deepEqual(await listPolicies(server, m), before);
    assert.deepEqual(await server.services.policyRecords.volumeIds(policy), [vol], 'the policy keeps exactly its volume');
  });

  it('refuses tag bodies with an unknown field and changes no tag', async () => {
    const base = `/v2/${m.projectId}/backuppolicy/${policy}/tags`;
    const before = await listPolicies(server, m);
    await refused(server, m, 'POST', base, { tag: { key: 'team', value: 'a', owner: 'x' } }, UNKNOWN, 400, /tag has no field "owner"/);
    await refused(server, m, 'POST', base, { tag: { key: 'team', value: 'a' }, tags: [] }, UNKNOWN, 400, /request body has no field "tags"/);
    await refused(server, m, 'POST', `${base}/action`, { action: 'create', tags: [{ key: 'team', value: 'a' }, { key: 'x', valeu: '1' }] }, UNKNOWN, 400, /tags\[1\] has no field "valeu"/);
    // A misspelled value on delete would have removed the tag whatever its value.
    await refused(server, m, 'POST', `${base}/action`, { action: 'delete', tags: [{ key: 'env', vaule: 'dev' }] }, UNKNOWN, 400, /tags\[0\] has no field "vaule"/);
    await refused(server, m, 'POST', `${base}/action`, { action: 'update', tags: [{ key: 'env', value: 'dev' }], policy_id: policy }, UNKNOWN, 400, /request body has no field "policy_id"/);
    assert.deepEqual(await listPolicies(server, m), before, 'the tags are as they were');
  });

  it('refuses tag queries with an unknown field', async () => {
    const path = `/v2/${m.projectId}/backuppolicy/resource_instances/action`;
    await refused(server, m, 'POST', path, { action: 'filter', tag: [{ key: 'env', values: ['prod'] }] }, UNKNOWN, 400, /request body has no field "tag"/);
    await refused(server, m, 'POST', path, { action: 'filter', tags: [{ key: 'env', values: [], value: 'prod' }] }, UNKNOWN, 400, /tags\[0\] has no field "value"/);
    await refused(server, m, 'POST', path, { action: 'count', not_tags_any: [{ key: 'env', value: ['prod'], values: [] }] }, UNKNOWN, 400, /not_tags_any\[0\] has no field "value"/);
    await refused(server, m, 'POST', path, { action: 'filter', matches: [{ key: 'resource_name', value: 'kept', exact: true }] }, UNKNOWN, 400, /matches\[0\] has no field "exact"/);
    const ok = await call(server, 'POST', path, { token: m.token, body: { action: 'filter', tags: [{ key: 'env', values: ['prod'] }] } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.resources.map((r: { resource_id: string }) => r.resource_id), [policy]);
  });
});
