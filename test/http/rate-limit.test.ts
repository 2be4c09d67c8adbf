import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, projectWithUser, startServer, type Reply, type TestServer } from '../support/server.js';
import { countRows } from '../support/volumes.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;

/** Spends the project's requests on a cheap read until the limit answers; that reply. */
async function drain(server: TestServer, user: User): Promise<Reply> {
  for (let i = 0; i < 50; i++) {
    const r = await call(server, 'GET', `/v3/${user.projectId}/volumes`, { token: user.token });
    if (r.status === 429) return r;
    assert.equal(r.status, 200, r.text);
  }
  assert.fail('the limit never answered');
}

describe('per-project request rate limits', () => {
  let server: TestServer;
  let a: User;
  let b: User;

  before(async () => {
    // One request a second, bursts of three: a test's quick requests run into the limit at once.
    server = await startServer({ db: 'sqlite', env: { VBS_RATE_LIMIT: '1', VBS_RATE_BURST: '3' } });
    a = await projectWithUser(server, 'rl-a');
    b = await projectWithUser(server, 'rl-b');
  });
  after(async () => server.close());

  it('a project past its burst gets 429 with Retry-After; another project, from the same address, does not', async () => {
    const ok = [];
    for (let i = 0; i < 3; i++) ok.push((await call(server, 'GET', `/v3/${a.projectId}/volumes`, { token: a.token })).status);
    assert.deepEqual(ok, [200, 200, 200]);
    const refused = await call(server, 'GET', `/v3/${a.projectId}/volumes`, { token: a.token });
    assert.equal(refused.status, 429, refused.text);
    assert.deepEqual(Object.keys(refused.body), ['overLimit']);
    assert.equal(refused.body.overLimit.code, 429);
    assert.match(refused.body.overLimit.message, /rate limit/i);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${refused.headers.get('retry-after')}`);

    const other = await call(server, 'GET', `/v3/${b.projectId}/volumes`, { token: b.token });
    assert.equal(other.status, 200, 'the limit is the project\'s, not the address\'s');

    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    assert.equal((await call(server, 'GET', `/v3/${a.projectId}/volumes`, { token: a.token })).status, 200, 'after Retry-After the project is served again');
  });

  it('answers 429 in each family\'s envelope and code', async () => {
    const cases: Array<[string, string, (body: any) => void]> = [ // eslint-disable-line @typescript-eslint/no-explicit-any -- each family's JSON envelope
      ['vbs', `/v2/${a.projectId}/cloudbackups/quota`, (body) => assert.equal(body.error.code, 'common.0429')],
      ['autobackup', `/v2/${a.projectId}/backuppolicy`, (body) => assert.equal(body.error.code, 'common.0429')],
      ['cbr', `/cbr/v3/${a.projectId}/backups`, (body) => assert.equal(body.error_code, 'common.0429')],
      ['identity', `/identity/v3/projects/${a.projectId}`, (body) => assert.deepEqual([body.error.code, body.error.title], [429, 'Too Many Requests'])],
      ['cinder v2', `/v2/${a.projectId}/volumes`, (body) => assert.equal(body.overLimit.code, 429)],
    ];
    for (const [family, path, check] of cases) {
      await drain(server, a);
      const r = await call(server, 'GET', path, { token: a.token });
      assert.equal(r.status, 429, `${family}: ${r.text}`);
      assert.ok(Number(r.headers.get('retry-after')) >= 1, `${family}: Retry-After`);
      check(r.body);
    }
  });

  it('a refused write changes nothing', async () => {
    const before = await countRows(server, 'volumes');
    await drain(server, a);
    const r = await call(server, 'POST', `/v3/${a.projectId}/volumes`, { token: a.token, body: { volume: { size: 1, name: 'limited' } } });
    assert.equal(r.status, 429, r.text);
    assert.equal(await countRows(server, 'volumes'), before);
  });

  it('does not limit /healthz, /readyz, /metrics or logging in', async () => {
    await drain(server, a);
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      for (let i = 0; i < 10; i++) assert.notEqual((await call(server, 'GET', path)).status, 429, path);
    }
    const login = await call(server, 'POST', '/identity/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: { name: a.userName, domain: { name: 'Default' }, password: a.password } } }, scope: { project: { name: 'rl-a', domain: { name: 'Default' } } } } },
    });
    assert.equal(login.status, 201, login.text);
  });
});

describe('VBS_RATE_LIMIT=0', () => {
  it('turns the limit off', async () => {
    const server = await startServer({ db: 'sqlite', env: { VBS_RATE_LIMIT: '0', VBS_RATE_BURST: '1' } });
    try {
      const statuses = await Promise.all(Array.from({ length: 30 }, () => call(server, 'GET', `/v3/${server.adminProjectId}/volumes`, { token: server.adminToken }).then((r) => r.status)));
      assert.deepEqual([...new Set(statuses)], [200]);
    } finally {
      await server.close();
    }
  });
});
