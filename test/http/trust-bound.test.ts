/**
 * Credentials are checked against what the database said at most TRUST_MS ago: a revoked token
 * (or one of its chain), a disabled user or project, a grant taken away, a deleted access key
 * end a caller's rights at once on the server that made the change, and within the bound on
 * another server process of the same database.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { roleId } from '../../src/services/identity/roles.js';
import { TRUST_MS } from '../../src/services/identity/trust-cache.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { signRequest, type AccessKey } from '../support/aksk.js';
import { sendTo } from '../support/aksk-host.js';

const V3 = '/identity/v3';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const db of DB_KINDS) {
  describe(`revocations apply within the trust bound (${db})`, () => {
    let here: TestServer;
    let there: TestServer;
    let n = 0;

    before(async () => {
      here = await startServer({ db });
      there = await startServer({ db, databaseUrl: here.config.databaseUrl, dataDir: here.dataDir });
    });
    after(async () => {
      await there.close();
      await here.close();
    });

    const admin = (method: string, path: string, body?: unknown) => call(here, method, `${V3}${path}`, { token: here.adminToken, body });

    async function member(role: 'member' | 'reader' = 'member') {
      const m = await projectWithUser(here, `trust-${db}-${(n += 1)}`, role);
      const user = await here.services.identity.userByName(m.userName);
      assert.ok(user);
      return { ...m, userId: user.id };
    }

    /**
     * `status(server)` answers `before` on both servers (each has now read and kept the
     * credential); after `change` is made on the first, it answers `after` there at once and on
     * the second once TRUST_MS has passed.
     */
    async function appliesWithinBound(status: (server: TestServer) => Promise<number>, change: () => Promise<void>, after: number, before = 200): Promise<void> {
      assert.equal(await status(here), before, 'before the change, here');
      assert.equal(await status(there), before, 'before the change, on the second server');
      await change();
      assert.equal(await status(here), after, 'at once on the server that made the change');
      await sleep(TRUST_MS + 50);
      assert.equal(await status(there), after, 'within the bound on the second server');
    }

    const reads = (token: string, projectId: string) => async (server: TestServer) => (await call(server, 'GET', `/v3/${projectId}/volumes`, { token })).status;

    it('a revoked token, and every token of its chain', async () => {
      const m = await member();
      const got = await call(here, 'POST', `${V3}/auth/tokens`, { body: { auth: { identity: { methods: ['token'], token: { id: m.token } } } } });
      assert.equal(got.status, 201, got.text);
      const child = got.headers.get('x-subject-token')!;
      // The child is read valid on both servers, then its parent is revoked.
      assert.equal(await reads(child, m.projectId)(there), 200);
      await appliesWithinBound(reads(m.token, m.projectId), async () => {
        const r = await call(here, 'DELETE', `${V3}/auth/tokens`, { token: m.token, headers: { 'x-subject-token': m.token } });
        assert.equal(r.status, 204, r.text);
      }, 401);
      assert.equal(await reads(child, m.projectId)(here), 401, 'the chain is revoked whole');
      assert.equal(await reads(child, m.projectId)(there), 401, 'the chain is revoked whole, on the second server too');
    });

    it('a disabled user', async () => {
      const m = await member();
      await appliesWithinBound(reads(m.token, m.projectId), async () => {
        assert.equal((await admin('PATCH', `/users/${m.userId}`, { user: { enabled: false } })).status, 200);
      }, 401);
    });

    it('a disabled project', async () => {
      const m = await member();
      await appliesWithinBound(reads(m.token, m.projectId), async () => {
        assert.equal((await admin('PATCH', `/projects/${m.projectId}`, { project: { enabled: false } })).status, 200);
      }, 401);
    });

    it('a grant taken away', async () => {
      const m = await member();
      await appliesWithinBound(reads(m.token, m.projectId), async () => {
        assert.equal((await admin('DELETE', `/projects/${m.projectId}/users/${m.userId}/roles/${roleId('member')}`)).status, 204);
      }, 401);
    });

    it('a role lowered: member to reader may no longer write', async () => {
      const m = await member();
      assert.equal((await admin('PUT', `/projects/${m.projectId}/users/${m.userId}/roles/${roleId('reader')}`)).status, 204);
      const writes = async (server: TestServer) => (await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size: 1, name: `w-${server === here ? 'here' : 'there'}` } } })).status;
      await appliesWithinBound(writes, async () => {
        assert.equal((await admin('DELETE', `/projects/${m.projectId}/users/${m.userId}/roles/${roleId('member')}`)).status, 204);
      }, 403, 202);
    });

    it('cloud administration through the admin domain, taken away', async () => {
      const m = await member();
      const grant = `/domains/default/users/${m.userId}/roles/${roleId('admin')}`;
      assert.equal((await admin('PUT', grant)).status, 204);
      // A new token: cloud administration is what the scope and the admin domain grant together.
      const got = await call(here, 'POST', `${V3}/auth/tokens`, { body: { auth: { identity: { methods: ['token'], token: { id: m.token } } } } });
      const token = got.headers.get('x-subject-token')!;
      await appliesWithinBound(reads(token, here.adminProjectId), async () => {
        assert.equal((await admin('DELETE', grant)).status, 204);
      }, 403);
    });

    it('a deleted access key', async () => {
      const m = await member();
      const key: AccessKey = await here.services.identity.createCredential(m.userName);
      const host = new URL(here.url).host;
      // The signature names the first server's host; the second is reached under that name.
      const signed = await signRequest(here.url, key, 'GET', { path: '/v3/{project_id}/volumes', projectId: m.projectId });
      const status = async (server: TestServer) => (await sendTo(server.url, host, signed)).status;
      await appliesWithinBound(status, async () => {
        assert.equal((await call(here, 'DELETE', `${V3}.0/OS-CREDENTIAL/credentials/${key.access}`, { token: here.adminToken })).status, 204);
      }, 401);
    });
  });
}
