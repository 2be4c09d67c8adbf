/** Helpers of the backup policy tests: requests, and the state a refused request must leave alone. */
import assert from 'node:assert/strict';
import { call, type TestServer } from './server.js';
import { rowCounts } from './db-counts.js';

export interface Member {
  projectId: string;
  token: string;
}

export function policyBody(name: string, schedule: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { backup_policy_name: name, scheduled_policy: { start_time: '12:00', frequency: 1, rentention_num: 10, remain_first_backup_of_curMonth: 'Y', status: 'ON', ...schedule }, ...extra };
}

export async function createPolicy(server: TestServer, m: Member, body: Record<string, unknown>): Promise<string> {
  const r = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy`, { token: m.token, body });
  assert.equal(r.status, 200, r.text);
  assert.match(r.body.backup_policy_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return r.body.backup_policy_id as string;
}

// JSON bodies: the tests compare them field by field.
export async function listPolicies(server: TestServer, m: Member): Promise<any[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy`, { token: m.token });
  assert.equal(r.status, 200, r.text);
  return r.body.backup_policies;
}

/** Everything a policy request could change: the project's listing and tags, and the row counts. */
export async function policyState(server: TestServer, m: Member): Promise<unknown> {
  const tags = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/tags`, { token: m.token });
  return {
    policies: await listPolicies(server, m),
    tags: tags.body,
    rows: await rowCounts(server.services.database.db, ['backup_policies', 'backup_policy_resources', 'backup_policy_tags']),
  };
}

/** Sends a request that must be refused with `code` and change nothing. */
export async function refused(server: TestServer, m: Member, method: string, path: string, body: unknown, code: string, status = 400, message?: RegExp): Promise<void> {
  const before = await policyState(server, m);
  const r = await call(server, method, path, { token: m.token, body });
  assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
  assert.equal(r.body.error.code, code, `${JSON.stringify(body)}: ${r.text}`);
  assert.ok(r.body.error.message.length > 0);
  if (message) assert.match(r.body.error.message, message);
  assert.deepEqual(await policyState(server, m), before, `${method} ${path} ${JSON.stringify(body)} changed nothing`);
}
