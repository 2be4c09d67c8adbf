/**
 * Keystone v3 administration at /identity/v3: domains, projects, users, roles and role
 * assignments, admin only by Keystone's default policy, with the token revocations Keystone makes
 * when a user or project goes away or is disabled.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, issueToken, projectWithUser, startServer, type Reply, type TestServer } from '../support/server.js';
import { rowCounts } from '../support/db-counts.js';
import { roleId } from '../../src/services/identity/roles.js';

const V3 = '/identity/v3';
const TABLES = ['domains', 'projects', 'users', 'roles', 'role_assignments', 'tokens', 'credentials'] as const;
type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON replies, checked field by field

/** Asserts a Keystone error envelope of this status; returns its message. */
function keystoneError(r: Reply, status: number): string {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.body), ['error']);
  assert.equal(r.body.error.code, status);
  assert.equal(typeof r.body.error.title, 'string');
  return r.body.error.message as string;
}

function collection(r: Reply, key: string, url: string, path: string): Row[] {
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.links, { self: `${url}${V3}${path}`, previous: null, next: null });
  return r.body[key] as Row[];
}

for (const db of DB_KINDS) {
  describe(`identity administration (${db})`, () => {
    let server: TestServer;
    let admin: (method: string, path: string, body?: unknown) => Promise<Reply>;

    before(async () => {
      server = await startServer({ db });
      admin = (method, path, body) => call(server, method, `${V3}${path}`, { token: server.adminToken, body });
    });
    after(async () => server.close());

    /** A user and its token on a new project, made through the API. */
    async function userWithRole(name: string, role: string): Promise<{ projectId: string; userId: string; token: string }> {
      const project = await admin('POST', '/projects', { project: { name: `${name}-p` } });
      assert.equal(project.status, 201, project.text);
      const user = await admin('POST', '/users', { user: { name, password: `pw-${name}`, default_project_id: project.body.project.id } });
      assert.equal(user.status, 201, user.text);
      const granted = await admin('PUT', `/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roleId(role)}`);
      assert.equal(granted.status, 204, granted.text);
      const { token } = await issueToken(server.url, name, `pw-${name}`, `${name}-p`);
      return { projectId: project.body.project.id, userId: user.body.user.id, token };
    }

    it('lists the Default domain, by name too, and shows it; an unknown domain is 404', async () => {
      const all = collection(await admin('GET', '/domains'), 'domains', server.url, '/domains');
      assert.deepEqual(all.map((d) => d.name), ['Default']);
      const byName = collection(await admin('GET', '/domains?name=Default'), 'domains', server.url, '/domains?name=Default');
      assert.deepEqual(byName, [{ id: 'default', name: 'Default', description: '', enabled: true, tags: [], options: {}, links: { self: `${server.url}${V3}/domains/default` } }]);
      assert.deepEqual((await admin('GET', '/domains?name=Other')).body.domains, []);
      assert.equal((await admin('GET', '/domains/default')).body.domain.name, 'Default');
      assert.match(keystoneError(await admin('GET', '/domains/nope'), 404), /Could not find domain: nope/);
    });

    it('creates, lists, shows, updates and deletes projects', async () => {
      const created = await admin('POST', '/projects', { project: { name: 'adm-alpha', description: 'first', tags: ['a', 'b'] } });
      assert.equal(created.status, 201, created.text);
      const p = created.body.project;
      assert.match(p.id, /^[0-9a-f]{32}$/);
      assert.deepEqual(p, {
        id: p.id,
        name: 'adm-alpha',
        domain_id: 'default',
        description: 'first',
        enabled: true,
        is_domain: false,
        parent_id: 'default',
        tags: ['a', 'b'],
        links: { self: `${server.url}${V3}/projects/${p.id}` },
      });
      // What Keystone clients send: explicit nulls, the domain as parent, extra fields.
      const second = await admin('POST', '/projects', { project: { name: 'adm-beta', domain_id: null, parent_id: 'default', description: null, enabled: false, is_domain: false, extra: 1 } });
      assert.equal(second.status, 201, second.text);
      assert.equal(second.body.project.enabled, false);
      assert.equal(second.body.project.description, '');

      assert.match(keystoneError(await admin('POST', '/projects', { project: { name: 'adm-alpha' } }), 409), /already exists/);

      const byName = collection(await admin('GET', '/projects?name=adm-alpha'), 'projects', server.url, '/projects?name=adm-alpha');
      assert.deepEqual(byName.map((x) => x.id), [p.id]);
      const disabled = (await admin('GET', '/projects?enabled=false')).body.projects as Row[];
      assert.deepEqual(disabled.map((x) => x.name), ['adm-beta']);
      const enabled = (await admin('GET', '/projects?enabled=true&domain_id=default')).body.projects as Row[];
      assert.ok(enabled.some((x) => x.name === 'adm-alpha') && !enabled.some((x) => x.name === 'adm-beta'));
      assert.deepEqual((await admin('GET', '/projects?domain_id=elsewhere')).body.projects, []);
      assert.deepEqual((await admin('GET', `/projects/${p.id}`)).body.project, p);

      const updated = await admin('PATCH', `/projects/${p.id}`, { project: { name: 'adm-alpha2', description: 'changed', enabled: false, tags: [] } });
      assert.equal(updated.status, 200, updated.text);
      assert.deepEqual([updated.body.project.name, updated.body.project.description, updated.body.project.enabled, updated.body.project.tags], ['adm-alpha2', 'changed', false, []]);
      assert.equal((await admin('GET', `/projects/${p.id}`)).body.project.name, 'adm-alpha2');
      assert.match(keystoneError(await admin('PATCH', `/projects/${p.id}`, { project: { name: 'adm-beta' } }), 409), /already exists/);

      assert.equal((await admin('DELETE', `/projects/${p.id}`)).status, 204);
      assert.match(keystoneError(await admin('GET', `/projects/${p.id}`), 404), new RegExp(`Could not find project: ${p.id}`));
      keystoneError(await admin('DELETE', `/projects/${p.id}`), 404);
      keystoneError(await admin('PATCH', `/projects/${p.id}`, { project: { name: 'x' } }), 404);
    });

    it('refuses malformed project, user and role bodies with 400 and writes nothing', async () => {
      const before = await rowCounts(server.services.database.db, [...TABLES]);
      const bad: Array<[string, string, unknown]> = [
        ['POST', '/projects', {}],
        ['POST', '/projects', { project: 'x' }],
        ['POST', '/projects', { project: {} }],
        ['POST', '/projects', { project: { name: '' } }],
        ['POST', '/projects', { project: { name: '   ' } }],
        ['POST', '/projects', { project: { name: 'x'.repeat(65) } }],
        ['POST', '/projects', { project: { name: 7 } }],
        ['POST', '/projects', { project: { name: 'ok', enabled: 'yes' } }],
        ['POST', '/projects', { project: { name: 'ok', tags: ['a/b'] } }],
        ['POST', '/projects', { project: { name: 'ok', tags: ['a', 'a'] } }],
        ['POST', '/projects', { project: { name: 'ok', is_domain: true } }],
        ['POST', '/projects', { project: { name: 'ok', parent_id: 'c'.repeat(32) } }],
        ['POST', '/projects', { project: { name: 'ok', domain_id: 'nowhere' } }],
        ['POST', '/projects', { project: { name: 'ok' }, other: 1 }],
        ['PATCH', `/projects/${server.adminProjectId}`, { project: {} }],
        ['PATCH', `/projects/${server.adminProjectId}`, { project: { domain_id: 'elsewhere' } }],
        ['POST', '/users', { user: { password: 'x' } }],
        ['POST', '/users', { user: { name: 'ok', password: 5 } }],
        ['POST', '/users', { user: { name: 'ok', default_project_id: 'c'.repeat(32) } }],
        ['POST', '/users', { user: { name: 'ok', domain_id: 'nowhere' } }],
        ['POST', '/roles', { role: { name: '' } }],
        ['POST', '/roles', { role: { name: 'ok', domain_id: 'default' } }],
        ['POST', '/roles', { roles: { name: 'ok' } }],
      ];
      for (const [method, path, body] of bad) {
        keystoneError(await admin(method, path, body), 400);
      }
      const notJson = await call(server, 'POST', `${V3}/projects`, { token: server.adminToken, rawBody: '{"project": ' });
      keystoneError(notJson, 400);
      assert.deepEqual(await rowCounts(server.services.database.db, [...TABLES]), before);
    });

    it('creates, lists, shows, updates and deletes users; a changed password is the one that logs in', async () => {
      const project = (await admin('POST', '/projects', { project: { name: 'adm-users' } })).body.project;
      const created = await admin('POST', '/users', { user: { name: 'adm-ann', password: 'first-pw', default_project_id: project.id, email: 'ann@example.org', description: 'Ann' } });
      assert.equal(created.status, 201, created.text);
      const u = created.body.user;
      assert.deepEqual(u, {
        id: u.id,
        name: 'adm-ann',
        domain_id: 'default',
        enabled: true,
        default_project_id: project.id,
        email: 'ann@example.org',
        description: 'Ann',
        password_expires_at: null,
        options: {},
        links: { self: `${server.url}${V3}/users/${u.id}` },
      });
      assert.equal(JSON.stringify(created.body).includes('first-pw'), false, 'no password in the reply');
      // Tempest's and the client's create: a name, a password and the domain.
      const plain = await admin('POST', '/users', { user: { name: 'adm-bob', password: 'pw', domain_id: 'default' } });
      assert.equal(plain.status, 201, plain.text);
      assert.equal('default_project_id' in plain.body.user, false);
      assert.equal('email' in plain.body.user, false);
      assert.match(keystoneError(await admin('POST', '/users', { user: { name: 'adm-ann', password: 'x' } }), 409), /already exists/);

      const byName = collection(await admin('GET', '/users?name=adm-ann'), 'users', server.url, '/users?name=adm-ann');
      assert.deepEqual(byName, [u]);
      const all = (await admin('GET', '/users?domain_id=default')).body.users as Row[];
      assert.ok(['admin', 'adm-ann', 'adm-bob'].every((n) => all.some((x) => x.name === n)));
      assert.deepEqual((await admin('GET', `/users/${u.id}`)).body.user, u);

      await admin('PUT', `/projects/${project.id}/users/${u.id}/roles/${roleId('member')}`);
      await issueToken(server.url, 'adm-ann', 'first-pw', 'adm-users');
      const patched = await admin('PATCH', `/users/${u.id}`, { user: { name: 'adm-anna', password: 'second-pw', email: null, description: 'Anna', id: u.id } });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.user.name, 'adm-anna');
      assert.equal(patched.body.user.description, 'Anna');
      assert.equal('email' in patched.body.user, false);
      await assert.rejects(issueToken(server.url, 'adm-anna', 'first-pw', 'adm-users'), /HTTP 401/);
      await issueToken(server.url, 'adm-anna', 'second-pw', 'adm-users');
      assert.match(keystoneError(await admin('PATCH', `/users/${u.id}`, { user: { name: 'adm-bob' } }), 409), /already exists/);

      const projects = collection(await admin('GET', `/users/${u.id}/projects`), 'projects', server.url, `/users/${u.id}/projects`);
      assert.deepEqual(projects.map((p) => p.id), [project.id]);

      assert.equal((await admin('DELETE', `/users/${u.id}`)).status, 204);
      assert.match(keystoneError(await admin('GET', `/users/${u.id}`), 404), /Could not find user/);
      keystoneError(await admin('DELETE', `/users/${u.id}`), 404);
      keystoneError(await admin('GET', `/users/${u.id}/projects`), 404);
      await assert.rejects(issueToken(server.url, 'adm-anna', 'second-pw', 'adm-users'), /HTTP 401/);
    });

    it('lists the built-in roles, creates, shows and deletes custom ones; the built-in ones stay', async () => {
      const builtIn = collection(await admin('GET', '/roles'), 'roles', server.url, '/roles');
      for (const name of ['admin', 'member', 'reader']) {
        const r = builtIn.find((x) => x.name === name);
        assert.deepEqual(r, { id: roleId(name), name, domain_id: null, options: {}, links: { self: `${server.url}${V3}/roles/${roleId(name)}` } });
      }
      const created = await admin('POST', '/roles', { role: { name: 'adm-auditor', description: 'reads audits' } });
      assert.equal(created.status, 201, created.text);
      const role = created.body.role;
      assert.deepEqual(role, { id: role.id, name: 'adm-auditor', domain_id: null, description: 'reads audits', options: {}, links: { self: `${server.url}${V3}/roles/${role.id}` } });
      assert.deepEqual((await admin('GET', '/roles?name=adm-auditor')).body.roles, [role]);
      assert.deepEqual((await admin('GET', `/roles/${role.id}`)).body.role, role);
      keystoneError(await admin('POST', '/roles', { role: { name: 'adm-auditor' } }), 409);
      keystoneError(await admin('POST', '/roles', { role: { name: 'Member' } }), 409);

      // A custom role is assignable and listed, and goes with its assignments.
      const { projectId, userId } = await userWithRole('adm-carol', 'member');
      assert.equal((await admin('PUT', `/projects/${projectId}/users/${userId}/roles/${role.id}`)).status, 204);
      const roles = collection(await admin('GET', `/projects/${projectId}/users/${userId}/roles`), 'roles', server.url, `/projects/${projectId}/users/${userId}/roles`);
      assert.deepEqual(roles.map((r) => r.name).sort(), ['adm-auditor', 'member']);
      assert.equal((await admin('DELETE', `/roles/${role.id}`)).status, 204);
      keystoneError(await admin('GET', `/roles/${role.id}`), 404);
      assert.deepEqual(((await admin('GET', `/projects/${projectId}/users/${userId}/roles`)).body.roles as Row[]).map((r) => r.name), ['member']);
      assert.match(keystoneError(await admin('DELETE', `/roles/${roleId('reader')}`), 403), /built-in role reader/);
      keystoneError(await admin('DELETE', `/roles/${role.id}`), 404);
    });

    it('grants, checks and revokes roles, and lists assignments by user, project and role, with names', async () => {
      const { projectId, userId, token } = await userWithRole('adm-dave', 'reader');
      const grant = `/projects/${projectId}/users/${userId}/roles/${roleId('member')}`;
      keystoneError(await admin('GET', grant), 404);
      assert.equal((await call(server, 'HEAD', `${V3}${grant}`, { token: server.adminToken })).status, 404);
      assert.equal((await admin('PUT', grant)).status, 204);
      assert.equal((await admin('PUT', grant)).status, 204, 'granting twice is no error');
      const check = await admin('GET', grant);
      assert.equal(check.status, 204);
      assert.equal(check.text, '');
      assert.equal((await call(server, 'HEAD', `${V3}${grant}`, { token: server.adminToken })).status, 204);
      // The live token now carries the granted role's rights.
      const validated = await call(server, 'GET', `${V3}/auth/tokens`, { token: server.adminToken, headers: { 'x-subject-token': token } });
      assert.deepEqual((validated.body.token.roles as Row[]).map((r) => r.name).sort(), ['member', 'reader']);

      const q = `/role_assignments?user.id=${userId}&scope.project.id=${projectId}`;
      const ids = collection(await admin('GET', q), 'role_assignments', server.url, q);
      assert.deepEqual(
        ids.map((a) => a.role.id).sort(),
        [roleId('member'), roleId('reader')].sort(),
      );
      assert.deepEqual(ids.find((a) => a.role.id === roleId('member')), {
        role: { id: roleId('member') },
        user: { id: userId },
        scope: { project: { id: projectId } },
        links: { assignment: `${server.url}${V3}${grant}` },
      });
      const named = (await admin('GET', `${q}&include_names`)).body.role_assignments as Row[];
      assert.deepEqual(named.find((a) => a.role.id === roleId('member')), {
        role: { id: roleId('member'), name: 'member' },
        user: { id: userId, name: 'adm-dave', domain: { id: 'default', name: 'Default' } },
        scope: { project: { id: projectId, name: 'adm-dave-p', domain: { id: 'default', name: 'Default' } } },
        links: { assignment: `${server.url}${V3}${grant}` },
      });
      const unnamed = (await admin('GET', `${q}&include_names=0&effective`)).body.role_assignments as Row[];
      assert.equal(unnamed.length, 2);
      assert.equal(unnamed[0].role.name, undefined);
      const byRole = (await admin('GET', `/role_assignments?role.id=${roleId('admin')}`)).body.role_assignments as Row[];
      assert.deepEqual(byRole.map((a) => a.user.id), [(await admin('GET', '/users?name=admin')).body.users[0].id]);
      const byProject = (await admin('GET', `/role_assignments?scope.project.id=${projectId}`)).body.role_assignments as Row[];
      assert.deepEqual(new Set(byProject.map((a) => a.user.id)), new Set([userId]));
      assert.deepEqual((await admin('GET', `/role_assignments?scope.domain.id=default`)).body.role_assignments, []);
      assert.deepEqual((await admin('GET', `/role_assignments?group.id=g1`)).body.role_assignments, []);
      keystoneError(await admin('GET', `/role_assignments?scope.domain.id=default&scope.project.id=${projectId}`), 400);
      const everything = (await admin('GET', '/role_assignments')).body.role_assignments as Row[];
      assert.ok(everything.length >= 3);

      assert.equal((await admin('DELETE', grant)).status, 204);
      keystoneError(await admin('DELETE', grant), 404);
      keystoneError(await admin('GET', grant), 404);
      const unknown = 'c'.repeat(32);
      assert.match(keystoneError(await admin('PUT', `/projects/${unknown}/users/${userId}/roles/${roleId('member')}`), 404), /Could not find project/);
      assert.match(keystoneError(await admin('PUT', `/projects/${projectId}/users/${unknown}/roles/${roleId('member')}`), 404), /Could not find user/);
      assert.match(keystoneError(await admin('PUT', `/projects/${projectId}/users/${userId}/roles/${unknown}`), 404), /Could not find role/);
      keystoneError(await admin('GET', `/projects/${unknown}/users/${userId}/roles`), 404);
    });

    it('answers members and readers 403 on every administration route, changing nothing', async () => {
      const member = await projectWithUser(server, 'adm-policy', 'member');
      const reader = await projectWithUser(server, 'adm-policy-r', 'reader');
      const victim = (await admin('GET', '/users?name=admin')).body.users[0].id as string;
      const p = server.adminProjectId;
      const routes: Array<[string, string, unknown?]> = [
        ['GET', '/domains'],
        ['POST', '/projects', { project: { name: 'adm-evil' } }],
        ['PATCH', `/projects/${p}`, { project: { name: 'adm-evil' } }],
        ['DELETE', `/projects/${p}`],
        ['POST', '/users', { user: { name: 'adm-evil', password: 'x' } }],
        ['GET', '/users'],
        ['GET', `/users/${victim}`],
        ['PATCH', `/users/${victim}`, { user: { password: 'stolen' } }],
        ['DELETE', `/users/${victim}`],
        ['GET', `/users/${victim}/projects`],
        ['GET', '/roles'],
        ['GET', `/roles/${roleId('admin')}`],
        ['POST', '/roles', { role: { name: 'adm-evil' } }],
        ['DELETE', `/roles/${roleId('member')}`],
        ['PUT', `/projects/${p}/users/${victim}/roles/${roleId('reader')}`],
        ['GET', `/projects/${p}/users/${victim}/roles/${roleId('admin')}`],
        ['DELETE', `/projects/${p}/users/${victim}/roles/${roleId('admin')}`],
        ['GET', `/projects/${p}/users/${victim}/roles`],
        ['GET', '/role_assignments'],
      ];
      const before = await rowCounts(server.services.database.db, [...TABLES]);
      for (const { token } of [member, reader]) {
        for (const [method, path, body] of routes) {
          const r = await call(server, method, `${V3}${path}`, { token, body });
          const message = keystoneError(r, 403);
          assert.match(message, /^You are not authorized to perform the requested action: identity:\w+\.$/, `${method} ${path}`);
        }
        // Self-promotion through a grant on its own project is refused too.
        const self = await call(server, 'GET', `${V3}/auth/tokens`, { token, headers: { 'x-subject-token': token } });
        const own = `/projects/${self.body.token.project.id}/users/${self.body.token.user.id}/roles/${roleId('admin')}`;
        keystoneError(await call(server, 'PUT', `${V3}${own}`, { token }), 403);
      }
      // Tokens were only read: every table is as it was.
      assert.deepEqual(await rowCounts(server.services.database.db, [...TABLES]), before);
      assert.equal((await admin('GET', `/users/${victim}`)).status, 200);
    });

    it('lets a user read itself and its own projects, not another user', async () => {
      const { userId, projectId, token } = await userWithRole('adm-erin', 'member');
      const self = await call(server, 'GET', `${V3}/users/${userId}`, { token });
      assert.equal(self.body.user.name, 'adm-erin');
      const projects = await call(server, 'GET', `${V3}/users/${userId}/projects`, { token });
      assert.deepEqual((projects.body.projects as Row[]).map((p) => p.id), [projectId]);
      const other = (await admin('GET', '/users?name=admin')).body.users[0].id as string;
      keystoneError(await call(server, 'GET', `${V3}/users/${other}`, { token }), 403);
      const mine = await call(server, 'GET', `${V3}/auth/projects`, { token });
      assert.deepEqual((mine.body.projects as Row[]).map((p) => p.id), [projectId]);
      const domains = await call(server, 'GET', `${V3}/auth/domains`, { token });
      assert.equal(domains.status, 200);
      assert.deepEqual(domains.body.domains, []);
      assert.equal((await call(server, 'GET', `${V3}/domains/default`, { token })).body.domain.id, 'default');
      const onlyMine = await call(server, 'GET', `${V3}/projects?name=admin`, { token });
      assert.deepEqual(onlyMine.body.projects, [], "a member's listing holds only its projects");
    });

    it('revokes the tokens of a deleted or disabled user, and of a deleted or disabled project', async () => {
      const alive = (token: string) => call(server, 'GET', `${V3}/auth/projects`, { token });
      const deletedUser = await userWithRole('adm-fay', 'member');
      assert.equal((await alive(deletedUser.token)).status, 200);
      await admin('DELETE', `/users/${deletedUser.userId}`);
      assert.equal((await alive(deletedUser.token)).status, 401);

      const disabledUser = await userWithRole('adm-gus', 'member');
      assert.equal((await admin('PATCH', `/users/${disabledUser.userId}`, { user: { enabled: false } })).body.user.enabled, false);
      assert.equal((await alive(disabledUser.token)).status, 401);
      await assert.rejects(issueToken(server.url, 'adm-gus', 'pw-adm-gus', 'adm-gus-p'), /HTTP 401/);
      await admin('PATCH', `/users/${disabledUser.userId}`, { user: { enabled: true } });
      assert.equal((await alive(disabledUser.token)).status, 401, 'enabling the user again does not revive its tokens');
      await issueToken(server.url, 'adm-gus', 'pw-adm-gus', 'adm-gus-p');

      const deletedProject = await userWithRole('adm-hal', 'member');
      const keyed = await server.services.identity.createCredential('adm-hal', 'adm-hal-p');
      await admin('DELETE', `/projects/${deletedProject.projectId}`);
      assert.equal((await alive(deletedProject.token)).status, 401);
      const left = await rowCounts(server.services.database.db, ['role_assignments']);
      const rows = await server.services.database.db.selectFrom('role_assignments').selectAll().where('project_id', '=', deletedProject.projectId).execute();
      assert.deepEqual(rows, [], 'the project takes its role assignments with it');
      assert.ok(left.role_assignments > 0);
      assert.equal(await server.services.identity.credential(keyed.access), undefined, 'and its access keys');
      const orphan = (await admin('GET', `/users/${deletedProject.userId}`)).body.user;
      assert.equal('default_project_id' in orphan, false, 'a user whose default project is gone has none');

      const disabledProject = await userWithRole('adm-ivy', 'member');
      await admin('PATCH', `/projects/${disabledProject.projectId}`, { project: { enabled: false } });
      assert.equal((await alive(disabledProject.token)).status, 401);
      await admin('PATCH', `/projects/${disabledProject.projectId}`, { project: { enabled: true } });
      assert.equal((await alive(disabledProject.token)).status, 401, 'enabling the project again does not revive its tokens');
      await issueToken(server.url, 'adm-ivy', 'pw-adm-ivy', 'adm-ivy-p');
    });
  });
}
