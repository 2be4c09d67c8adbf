import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { ManualClock } from '../../src/common/clock.js';
import { ADMIN_PASSWORD, DB_KINDS, call, issueToken, projectWithUser, startServer, tempDir, freshPostgresDatabase, type TestServer } from '../support/server.js';

const authBody = (user: string, password: string, project?: string) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
    ...(project ? { scope: { project: { name: project, domain: { name: 'Default' } } } } : {}),
  },
});

for (const db of DB_KINDS) {
  describe(`identity (${db})`, () => {
    let server: TestServer;
    const clock = new ManualClock(new Date('2026-11-01T10:00:00Z'));
    before(async () => {
      server = await startServer({ db, clock });
    });
    after(async () => server.close());

    it('issues a project-scoped token with user, project, roles and catalogue', async () => {
      const r = await call(server, 'POST', '/identity/v3/auth/tokens', { body: authBody('admin', ADMIN_PASSWORD, 'admin') });
      assert.equal(r.status, 201);
      assert.match(r.headers.get('x-subject-token') ?? '', /^vbs1_/);
      const t = r.body.token;
      assert.equal(t.user.name, 'admin');
      assert.equal(t.project.name, 'admin');
      assert.match(t.project.id, /^[0-9a-f]{32}$/);
      assert.deepEqual(t.methods, ['password']);
      assert.deepEqual(t.roles.map((x: { name: string }) => x.name), ['admin']);
      assert.equal(new Date(t.expires_at).getTime() - new Date(t.issued_at).getTime(), 24 * 3600 * 1000);
      const types = t.catalog.map((c: { type: string }) => c.type).sort();
      assert.deepEqual(types, ['block-storage', 'cbr', 'identity', 'vbs', 'volumev2', 'volumev3']);
      const v3 = t.catalog.find((c: { type: string }) => c.type === 'volumev3');
      assert.equal(v3.endpoints[0].url, `${server.url}/v3/${t.project.id}`);
      assert.equal(v3.endpoints[0].interface, 'public');
    });

    it('answers a wrong password, an unknown user and a foreign project alike with 401', async () => {
      for (const body of [authBody('admin', 'wrong', 'admin'), authBody('nobody', 'x', 'admin')]) {
        const r = await call(server, 'POST', '/identity/v3/auth/tokens', { body });
        assert.equal(r.status, 401);
        assert.equal(r.body.error.code, 401);
        assert.equal(r.body.error.title, 'Unauthorized');
      }
      await projectWithUser(server, 'other-proj');
      const r = await call(server, 'POST', '/identity/v3/auth/tokens', { body: authBody('admin', ADMIN_PASSWORD, 'other-proj') });
      assert.equal(r.status, 401);
    });

    it('refuses malformed token requests with 400 and writes nothing', async () => {
      const before = await server.services.database.db.selectFrom('tokens').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const bad = await call(server, 'POST', '/identity/v3/auth/tokens', { rawBody: '{"auth": ' });
      assert.equal(bad.status, 400);
      const wrongType = await call(server, 'POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: 'password' } } } });
      assert.equal(wrongType.status, 400);
      const after = await server.services.database.db.selectFrom('tokens').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n));
    });

    it('answers token requests of the wrong shape with 400 in the identity envelope, at both prefixes', async () => {
      const password = { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } };
      const shapes: unknown[] = [
        {},
        [],
        { auth: null },
        { auth: {} },
        { auth: { identity: { methods: [] } } },
        { auth: { identity: { methods: ['password', 7] } } },
        { auth: { identity: { methods: ['password'], password: { user: { name: 'admin' } } } } },
        { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 42 } } } } },
        { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: 'Default', password: ADMIN_PASSWORD } } } } },
        { auth: { identity: { methods: ['token'], token: {} } } },
        { auth: { identity: { methods: ['password'], password }, scope: 'everything' } },
        { auth: { identity: { methods: ['password'], password }, scope: null } },
        { auth: { identity: { methods: ['password'], password }, scope: { project: 'admin' } } },
        { auth: { identity: { methods: ['password'], password }, scope: { project: { id: 5 } } } },
      ];
      const before = await server.services.database.db.selectFrom('tokens').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      for (const prefix of ['/identity/v3', '/v3']) {
        for (const body of shapes) {
          const r = await call(server, 'POST', `${prefix}/auth/tokens`, { body });
          assert.equal(r.status, 400, `${prefix}: ${JSON.stringify(body)} -> ${r.text}`);
          assert.equal(r.body.error.code, 400);
          assert.equal(r.body.error.title, 'Bad Request');
          assert.match(r.body.error.message, /^Invalid input: auth/);
        }
        const empty = await call(server, 'POST', `${prefix}/auth/tokens`, { headers: { 'content-type': 'application/json' } });
        assert.equal(empty.status, 400, `${prefix}: no body`);
      }
      const after = await server.services.database.db.selectFrom('tokens').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n));
      // Fields Keystone clients add beyond the documented ones are no error.
      const extra = await call(server, 'POST', '/identity/v3/auth/tokens', {
        body: { auth: { identity: { methods: ['password'], password: { user: { ...password.user, extra: 1 } }, totp: {} }, scope: { project: { name: 'admin', domain: { name: 'Default' } }, note: 'x' } } },
      });
      assert.equal(extra.status, 201, extra.text);
    });

    it('serves tokens, the catalogue and projects under /v3 as under /identity/v3, each in its documented shape', async () => {
      const issued = await call(server, 'POST', '/v3/auth/tokens?nocatalog', { body: authBody('admin', ADMIN_PASSWORD, 'admin') });
      assert.equal(issued.status, 201);
      const token = issued.headers.get('x-subject-token') ?? '';
      assert.equal(issued.body.token.project.name, 'admin');
      assert.equal(issued.body.token.catalog, undefined, 'nocatalog leaves the catalogue out');
      const unscoped = await call(server, 'POST', '/v3/auth/tokens', { body: { auth: { ...authBody('admin', ADMIN_PASSWORD).auth, scope: 'unscoped' } } });
      assert.equal(unscoped.status, 201);
      assert.equal(unscoped.body.token.project, undefined);
      assert.equal(unscoped.body.token.user.password_expires_at, null);
      const validated = await call(server, 'GET', '/v3/auth/tokens', { token: server.adminToken, headers: { 'x-subject-token': token } });
      assert.equal(validated.status, 200);
      assert.equal(validated.headers.get('x-subject-token'), token);
      assert.ok(validated.body.token.catalog.length > 0);
      const catalog = await call(server, 'GET', '/v3/auth/catalog', { token });
      assert.equal(catalog.status, 200);
      assert.ok(catalog.body.catalog.some((c: { type: string }) => c.type === 'volumev3'));
      const mine = await call(server, 'GET', '/v3/auth/projects', { token });
      assert.deepEqual(mine.body.projects.map((p: { name: string }) => p.name), ['admin']);
      assert.equal(mine.body.links.next, null);
      const byName = await call(server, 'GET', '/v3/projects?name=admin', { token });
      assert.deepEqual(byName.body.projects.map((p: { id: string }) => p.id), [server.adminProjectId]);
      const one = await call(server, 'GET', `/v3/projects/${server.adminProjectId}`, { token });
      assert.equal(one.body.project.name, 'admin');
      assert.equal(one.body.project.parent_id, 'default');
      assert.equal((await call(server, 'GET', `/v3/projects/${'c'.repeat(32)}`, { token })).status, 404);
      const missingSubject = await call(server, 'GET', '/v3/auth/tokens', { token });
      assert.equal(missingSubject.status, 400);
      const revoked = await call(server, 'DELETE', '/v3/auth/tokens', { token, headers: { 'x-subject-token': token } });
      assert.equal(revoked.status, 204);
      assert.equal(revoked.text, '');
      const version = await call(server, 'GET', '/identity/v3');
      assert.equal(version.status, 200);
      assert.equal(version.body.version.id, 'v3.14');
      assert.equal(version.body.version.links[0].href, `${server.url}/identity/v3/`);
    });

    it('validates a token, and a revoked token stops working', async () => {
      const { token } = await issueToken(server.url, 'admin', ADMIN_PASSWORD, 'admin');
      const v = await call(server, 'GET', '/identity/v3/auth/tokens', { token: server.adminToken, headers: { 'x-subject-token': token } });
      assert.equal(v.status, 200);
      assert.equal(v.headers.get('x-subject-token'), token);
      assert.equal(v.body.token.user.name, 'admin');
      const d = await call(server, 'DELETE', '/identity/v3/auth/tokens', { token: server.adminToken, headers: { 'x-subject-token': token } });
      assert.equal(d.status, 204);
      const after = await call(server, 'GET', '/identity/v3/auth/projects', { token });
      assert.equal(after.status, 401);
      const gone = await call(server, 'GET', '/identity/v3/auth/tokens', { token: server.adminToken, headers: { 'x-subject-token': token } });
      assert.equal(gone.status, 404);
    });

    it('expires tokens after their life', async () => {
      const { token } = await issueToken(server.url, 'admin', ADMIN_PASSWORD, 'admin');
      assert.equal((await call(server, 'GET', '/identity/v3/auth/projects', { token })).status, 200);
      clock.advance(24 * 3600 * 1000 + 1000);
      const r = await call(server, 'GET', '/identity/v3/auth/projects', { token });
      assert.equal(r.status, 401);
      assert.match(r.body.error.message, /expired/);
      clock.advance(-(24 * 3600 * 1000 + 1000));
    });

    it('refuses forged and missing tokens', async () => {
      const forged = server.adminToken.slice(0, -4) + 'AAAA';
      assert.equal((await call(server, 'GET', '/identity/v3/auth/projects', { token: forged })).status, 401);
      assert.equal((await call(server, 'GET', '/identity/v3/auth/projects')).status, 401);
    });

    it('stores passwords as slow salted scrypt hashes: no plaintext, a fresh salt per user', async () => {
      const project = await server.services.identity.createProject('proj-hash');
      const password = 'same-password-for-both-7Qx';
      await server.services.identity.createUser('hash-a', password, project.id, 'member');
      await server.services.identity.createUser('hash-b', password, project.id, 'member');
      const rows = await server.services.database.db.selectFrom('users').select(['name', 'password_hash']).where('name', 'in', ['hash-a', 'hash-b', 'admin']).orderBy('name').execute();
      assert.deepEqual(rows.map((r) => r.name), ['admin', 'hash-a', 'hash-b']);
      const plaintexts = [password, ADMIN_PASSWORD];
      for (const { name, password_hash: stored } of rows) {
        for (const plain of plaintexts) {
          for (const form of [plain, Buffer.from(plain).toString('base64'), Buffer.from(plain).toString('hex')]) {
            assert.ok(!stored.includes(form), `the hash of ${name} holds no form of a password`);
          }
        }
        const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
        assert.ok(m, `scrypt$N$r$p$salt$hash, got ${stored}`);
        const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
        // Slow: at least scrypt's interactive-login cost (N=2^14, r=8), well above a fast hash.
        assert.ok(n >= 2 ** 14 && (n & (n - 1)) === 0, `N=${n} is a power of two of at least 2^14`);
        assert.ok(r >= 8 && p >= 1, `r=${r} p=${p}`);
        const salt = Buffer.from(m[4], 'base64');
        const key = Buffer.from(m[5], 'base64');
        assert.ok(salt.length >= 16, 'a salt of at least 128 bits');
        assert.ok(key.length >= 32, 'a derived key of at least 256 bits');
        // The stored key really is scrypt of the password under those parameters and salt.
        const plain = name === 'admin' ? ADMIN_PASSWORD : password;
        assert.deepEqual(scryptSync(plain, salt, key.length, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }), key, `${name}'s hash is scrypt of its password`);
      }
      const [a, b] = [rows[1].password_hash, rows[2].password_hash];
      assert.notEqual(a, b, 'one password, two users: two different hashes');
      assert.notEqual(a.split('$')[4], b.split('$')[4], 'each user has a salt of its own');
      // Both still log in with the shared password.
      for (const user of ['hash-a', 'hash-b']) await issueToken(server.url, user, password, 'proj-hash');
    });

    it('lists all projects to an admin and only its own to a member', async () => {
      const member = await projectWithUser(server, 'proj-list-m');
      const all = await call(server, 'GET', '/identity/v3/projects', { token: server.adminToken });
      assert.equal(all.status, 200);
      assert.ok(all.body.projects.some((p: { name: string }) => p.name === 'proj-list-m'));
      assert.ok(all.body.projects.some((p: { name: string }) => p.name === 'admin'));
      const mine = await call(server, 'GET', '/identity/v3/projects', { token: member.token });
      assert.deepEqual(mine.body.projects.map((p: { name: string }) => p.name), ['proj-list-m']);
      const foreign = await call(server, 'GET', `/identity/v3/projects/${server.adminProjectId}`, { token: member.token });
      assert.equal(foreign.status, 404);
      const own = await call(server, 'GET', `/identity/v3/projects/${member.projectId}`, { token: member.token });
      assert.equal(own.body.project.id, member.projectId);
    });
  });

  it(`gives tokens the life VBS_TOKEN_TTL sets, and refuses them once it has passed (${db})`, async () => {
    const ttlSeconds = 3;
    const ttlClock = new ManualClock(new Date('2026-11-02T08:00:00Z'));
    const short = await startServer({ db, clock: ttlClock, env: { VBS_TOKEN_TTL: String(ttlSeconds) } });
    try {
      const { token, body } = await issueToken(short.url, 'admin', ADMIN_PASSWORD, 'admin');
      assert.equal(new Date(body.token.expires_at).getTime() - new Date(body.token.issued_at).getTime(), ttlSeconds * 1000);
      assert.equal(new Date(body.token.issued_at).getTime(), ttlClock.now().getTime());
      ttlClock.advance(ttlSeconds * 1000 - 1);
      assert.equal((await call(short, 'GET', '/identity/v3/auth/projects', { token })).status, 200, 'alive until the last millisecond');
      ttlClock.advance(1);
      const r = await call(short, 'GET', '/identity/v3/auth/projects', { token });
      assert.equal(r.status, 401);
      assert.match(r.body.error.message, /expired/);
      const v = await call(short, 'GET', `/v3/${short.adminProjectId}/volumes`, { token });
      assert.equal(v.status, 401, 'refused on the Cinder routes too');
    } finally {
      await short.close();
    }
  });

  it(`keeps a revocation across a restart (${db})`, async () => {
    const dataDir = tempDir();
    const databaseUrl = db === 'postgres' ? await freshPostgresDatabase() : undefined;
    const first = await startServer({ dataDir, databaseUrl });
    const { token } = await issueToken(first.url, 'admin', ADMIN_PASSWORD, 'admin');
    const d = await call(first, 'DELETE', '/identity/v3/auth/tokens', { token: first.adminToken, headers: { 'x-subject-token': token } });
    assert.equal(d.status, 204);
    await first.close();
    const second = await startServer({ dataDir, databaseUrl });
    try {
      assert.equal((await call(second, 'GET', '/identity/v3/auth/projects', { token })).status, 401);
      assert.equal((await call(second, 'GET', '/identity/v3/auth/projects', { token: first.adminToken })).status, 200);
    } finally {
      await second.close();
    }
  });
}
