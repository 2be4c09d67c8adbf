/**
 * IAM's permanent access keys over HTTP (/identity/v3.0/OS-CREDENTIAL/credentials): a user
 * manages its own keys, a cloud administrator anyone's; the secret is shown once; two keys a
 * user; an inactive key signs nothing (checked with the Huawei Cloud SDK's own signer).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { signedCall, type AccessKey } from '../support/aksk.js';

const BASE = '/identity/v3.0/OS-CREDENTIAL/credentials';
type User = Awaited<ReturnType<typeof projectWithUser>> & { userId: string };

for (const db of DB_KINDS) {
  describe(`access keys over HTTP (${db})`, () => {
    let server: TestServer;
    let m: User;
    let other: User;
    let reader: User;

    const withId = async (u: Awaited<ReturnType<typeof projectWithUser>>): Promise<User> => ({ ...u, userId: (await server.services.identity.userByName(u.userName))!.id });
    const signedProjects = (key: AccessKey) => signedCall(server, key, 'GET', { path: '/identity/v3/auth/projects' });

    before(async () => {
      server = await startServer({ db });
      m = await withId(await projectWithUser(server, 'keys-m', 'member'));
      other = await withId(await projectWithUser(server, 'keys-o', 'member'));
      reader = await withId(await projectWithUser(server, 'keys-r', 'reader'));
    });
    after(async () => server.close());

    it('creates a key whose secret is shown once, lists and shows it without the secret, and the key signs requests', async () => {
      const created = await call(server, 'POST', BASE, { token: m.token, body: { credential: { user_id: m.userId, description: 'laptop' } } });
      assert.equal(created.status, 201, created.text);
      const c = created.body.credential;
      assert.match(c.access, /^[A-Z0-9]{20}$/);
      assert.match(c.secret, /^[A-Za-z0-9]{40}$/);
      assert.equal(c.status, 'active');
      assert.equal(c.user_id, m.userId);
      assert.equal(c.description, 'laptop');
      assert.equal(c.project_id, m.projectId);
      assert.match(c.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

      const list = await call(server, 'GET', BASE, { token: m.token });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.body.credentials.map((k: { access: string }) => k.access), [c.access]);
      assert.ok(!list.text.includes(c.secret) && !('secret' in list.body.credentials[0]), 'a listing never shows the secret');
      const byUser = await call(server, 'GET', `${BASE}?user_id=${m.userId}`, { token: m.token });
      assert.deepEqual(byUser.body, list.body);
      const shown = await call(server, 'GET', `${BASE}/${c.access}`, { token: m.token });
      assert.equal(shown.status, 200, shown.text);
      assert.deepEqual(shown.body.credential, { access: c.access, status: 'active', user_id: m.userId, create_time: c.create_time, description: 'laptop', project_id: m.projectId });

      const projects = await signedProjects(c);
      assert.equal(projects.status, 200, projects.text);
      assert.deepEqual(projects.body.projects.map((p: { id: string }) => p.id), [m.projectId]);
    });

    it('makes a key inactive (the signer is refused) and active again; changes its description', async () => {
      const c = (await call(server, 'POST', BASE, { token: m.token, body: { credential: { user_id: m.userId } } })).body.credential;
      assert.equal((await signedProjects(c)).status, 200);
      const off = await call(server, 'PUT', `${BASE}/${c.access}`, { token: m.token, body: { credential: { status: 'inactive' } } });
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.credential.status, 'inactive');
      assert.equal(off.body.credential.description, '');
      const refused = await signedProjects(c);
      assert.equal(refused.status, 401, refused.text);
      assert.match(refused.body.error.message, /inactive/);
      const on = await call(server, 'PUT', `${BASE}/${c.access}`, { token: m.token, body: { credential: { status: 'active', description: 'ci' } } });
      assert.equal(on.status, 200, on.text);
      assert.deepEqual([on.body.credential.status, on.body.credential.description], ['active', 'ci']);
      assert.equal((await signedProjects(c)).status, 200);
      assert.equal((await call(server, 'GET', `${BASE}/${c.access}`, { token: m.token })).body.credential.description, 'ci');
    });

    it('refuses a third key of a user, as IAM does, and keeps two', async () => {
      const third = await call(server, 'POST', BASE, { token: m.token, body: { credential: { user_id: m.userId } } });
      assert.equal(third.status, 400, third.text);
      assert.equal(third.body.error.title, 'Bad Request');
      assert.match(third.body.error.message, /^akSkNumExceed: .*2 access keys/);
      assert.equal((await call(server, 'GET', BASE, { token: m.token })).body.credentials.length, 2);
      // Not even an administrator goes past it.
      const byAdmin = await call(server, 'POST', BASE, { token: server.adminToken, body: { credential: { user_id: m.userId } } });
      assert.equal(byAdmin.status, 400, byAdmin.text);
    });

    it("refuses another user's keys to a user (403), whatever the verb; a reader manages its own", async () => {
      const mine = (await call(server, 'GET', BASE, { token: m.token })).body.credentials[0].access as string;
      const attempts: Array<[string, string, unknown]> = [
        ['POST', BASE, { credential: { user_id: m.userId } }],
        ['GET', `${BASE}?user_id=${m.userId}`, undefined],
        ['GET', `${BASE}/${mine}`, undefined],
        ['PUT', `${BASE}/${mine}`, { credential: { status: 'inactive' } }],
        ['DELETE', `${BASE}/${mine}`, undefined],
      ];
      for (const [method, path, body] of attempts) {
        const r = await call(server, method, path, { token: other.token, body });
        assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
        assert.equal(r.body.error.code, 403);
      }
      assert.equal((await call(server, 'GET', `${BASE}/${mine}`, { token: m.token })).body.credential.status, 'active', 'nothing changed');
      const own = await call(server, 'POST', BASE, { token: reader.token, body: { credential: { user_id: reader.userId } } });
      assert.equal(own.status, 201, own.text);
      const none = await call(server, 'GET', BASE);
      assert.equal(none.status, 401);
    });

    it('lets a cloud administrator manage any user\'s keys: list, create, delete', async () => {
      const listed = await call(server, 'GET', `${BASE}?user_id=${m.userId}`, { token: server.adminToken });
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.body.credentials.length, 2);
      const [first] = listed.body.credentials;
      const del = await call(server, 'DELETE', `${BASE}/${first.access}`, { token: server.adminToken });
      assert.equal(del.status, 204, del.text);
      assert.equal((await call(server, 'GET', `${BASE}/${first.access}`, { token: m.token })).status, 404);
      const made = await call(server, 'POST', BASE, { token: server.adminToken, body: { credential: { user_id: other.userId, description: 'from admin' } } });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.credential.project_id, other.projectId);
      assert.equal((await signedProjects(made.body.credential)).status, 200);
      const gone = await call(server, 'GET', `${BASE}/AAAAAAAAAAAAAAAAAAAA`, { token: server.adminToken });
      assert.equal(gone.status, 404);
    });

    it('refuses malformed bodies with 400 and an unknown user with 404', async () => {
      const cases: Array<[string, string, unknown, number]> = [
        ['POST', BASE, { credential: {} }, 400],
        ['POST', BASE, { credential: { user_id: m.userId, colour: 'red' } }, 400],
        ['POST', BASE, { credential: { user_id: m.userId }, extra: 1 }, 400],
        ['POST', BASE, { credential: { user_id: 'no-such-user' } }, 404],
        ['PUT', `${BASE}/AAAAAAAAAAAAAAAAAAAA`, { credential: { status: 'paused' } }, 400],
        ['PUT', `${BASE}/AAAAAAAAAAAAAAAAAAAA`, { credential: {} }, 400],
      ];
      for (const [method, path, body, status] of cases) {
        const r = await call(server, method, path, { token: server.adminToken, body });
        assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      }
    });

    it("deleting a user removes its keys: they sign nothing and are not found", async () => {
      const u = await withId(await projectWithUser(server, 'keys-gone', 'member'));
      const key = (await call(server, 'POST', BASE, { token: u.token, body: { credential: { user_id: u.userId } } })).body.credential;
      assert.equal((await signedProjects(key)).status, 200);
      const del = await call(server, 'DELETE', `/identity/v3/users/${u.userId}`, { token: server.adminToken });
      assert.equal(del.status, 204, del.text);
      assert.equal((await signedProjects(key)).status, 401);
      assert.equal((await call(server, 'GET', `${BASE}/${key.access}`, { token: server.adminToken })).status, 404);
    });
  });
}
