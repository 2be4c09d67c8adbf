/**
 * Who administers the cloud: the admin role on the admin project (VBS_ADMIN_PROJECT), or the
 * admin role on its domain granted by a cloud administrator. The admin role on any other project
 * makes a project administrator, whose rights end at its project.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { roleId } from '../../src/services/identity/roles.js';
import { ADMIN_PASSWORD, DB_KINDS, call, issueToken, projectWithUser, startServer, type TestServer } from '../support/server.js';

const V3 = '/identity/v3';

for (const db of DB_KINDS) {
  describe(`cloud and project administrators (${db})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ db });
    });
    after(async () => server.close());

    it("keeps a project's admin inside its project: no other project's volumes, quotas or listing, no identity or back-end administration", async () => {
      const victim = await projectWithUser(server, 'ca-victim');
      const padmin = await projectWithUser(server, 'ca-padmin', 'admin');
      const made = await call(server, 'POST', `/v3/${victim.projectId}/volumes`, { token: victim.token, body: { volume: { size: 1, name: 'victim-disk' } } });
      assert.equal(made.status, 202, made.text);
      const volumeId = made.body.volume.id as string;
      const own = `/v3/${padmin.projectId}`;
      const as = (method: string, path: string, body?: unknown) => call(server, method, path, { token: padmin.token, body });

      // Its own project: as a member, and a little more (it writes there).
      const mine = await as('POST', `${own}/volumes`, { volume: { size: 1, name: 'mine' } });
      assert.equal(mine.status, 202, mine.text);
      assert.equal((await as('GET', `${own}/os-quota-sets/${padmin.projectId}`)).status, 200);

      // Another project, through its path or through the admin's own path.
      assert.equal((await as('GET', `/v3/${victim.projectId}/volumes/${volumeId}`)).status, 403);
      assert.equal((await as('PUT', `/v3/${victim.projectId}/volumes/${volumeId}`, { volume: { name: 'taken' } })).status, 403);
      assert.equal((await as('GET', `${own}/volumes/${volumeId}`)).status, 404);
      assert.equal((await as('DELETE', `${own}/volumes/${volumeId}`)).status, 404);
      const all = await as('GET', `${own}/volumes/detail?all_tenants=1`);
      assert.equal(all.status, 200, all.text);
      assert.deepEqual(all.body.volumes.map((v: { name: string }) => v.name), ['mine']);
      assert.equal((await as('GET', `${own}/os-quota-sets/${victim.projectId}`)).status, 403);
      assert.equal((await as('PUT', `${own}/os-quota-sets/${victim.projectId}`, { quota_set: { volumes: 99 } })).status, 403);
      assert.equal((await as('PUT', `${own}/os-quota-sets/${padmin.projectId}`, { quota_set: { volumes: 99 } })).status, 403, 'quotas are set by the cloud');
      assert.equal((await as('POST', `${own}/volumes/${mine.body.volume.id}/action`, { 'os-reset_status': { status: 'error' } })).status, 403);
      assert.equal((await as('POST', `${own}/types`, { volume_type: { name: 'ca-type' } })).status, 403);
      assert.equal((await as('GET', `${own}/os-services`)).status, 403);

      // Identity: its own projects only, and no administration.
      const projects = await as('GET', `${V3}/projects`);
      assert.equal(projects.status, 200);
      assert.deepEqual(projects.body.projects.map((p: { name: string }) => p.name), ['ca-padmin']);
      assert.equal((await as('GET', `${V3}/projects/${victim.projectId}`)).status, 404);
      assert.equal((await as('POST', `${V3}/projects`, { project: { name: 'ca-new' } })).status, 403);
      assert.equal((await as('GET', `${V3}/users`)).status, 403);
      assert.equal((await as('GET', `${V3}/role_assignments`)).status, 403);

      // Nothing of the victim changed.
      const still = await call(server, 'GET', `/v3/${victim.projectId}/volumes/${volumeId}`, { token: victim.token });
      assert.equal(still.body.volume.name, 'victim-disk');
      const quota = await call(server, 'GET', `/v3/${victim.projectId}/os-quota-sets/${victim.projectId}`, { token: victim.token });
      assert.equal(quota.body.quota_set.volumes, 10);
      const token = await call(server, 'GET', `${V3}/auth/tokens`, { token: padmin.token, headers: { 'x-subject-token': padmin.token } });
      assert.equal(token.body.token.is_admin_project, false);
    });

    it('makes the admin role on the admin project cloud administration, and says so in its tokens', async () => {
      const t = await call(server, 'GET', `${V3}/auth/tokens`, { token: server.adminToken, headers: { 'x-subject-token': server.adminToken } });
      assert.equal(t.body.token.is_admin_project, true);
      const member = await projectWithUser(server, 'ca-member');
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/os-quota-sets/${member.projectId}`, { token: server.adminToken })).status, 200);
      // A member of the admin project is not an administrator.
      await server.services.identity.createUser('ca-admin-member', 'pw-ca', server.adminProjectId, 'member');
      const m = await issueToken(server.url, 'ca-admin-member', 'pw-ca', 'admin');
      assert.equal(m.body.token.is_admin_project, true);
      assert.equal((await call(server, 'GET', `/v3/${member.projectId}/volumes`, { token: m.token })).status, 403);
      assert.equal((await call(server, 'GET', `${V3}/users`, { token: m.token })).status, 403);
    });

    it('grants, checks, lists and revokes roles on a domain; the admin role on the admin domain administers the cloud', async () => {
      const victim = await projectWithUser(server, 'cd-victim');
      const padmin = await projectWithUser(server, 'cd-padmin', 'admin');
      const userId = (await server.services.identity.userByName(padmin.userName))!.id;
      const grant = `${V3}/domains/default/users/${userId}/roles/${roleId('admin')}`;
      const admin = (method: string, path: string) => call(server, method, path, { token: server.adminToken });

      // Only a cloud administrator grants, and a project admin cannot make itself one.
      assert.equal((await call(server, 'PUT', grant, { token: padmin.token })).status, 403);
      assert.equal((await admin('GET', grant)).status, 404);
      assert.equal((await admin('HEAD', grant)).status, 404);
      assert.equal((await admin('PUT', `${V3}/domains/nowhere/users/${userId}/roles/${roleId('admin')}`)).status, 404);
      assert.equal((await admin('PUT', `${V3}/domains/default/users/nobody/roles/${roleId('admin')}`)).status, 404);
      assert.equal((await admin('PUT', `${V3}/domains/default/users/${userId}/roles/nope`)).status, 404);
      assert.equal((await call(server, 'GET', `/v3/${victim.projectId}/volumes`, { token: padmin.token })).status, 403);

      assert.equal((await admin('PUT', grant)).status, 204);
      assert.equal((await admin('PUT', grant)).status, 204, 'granting again is no error');
      assert.equal((await admin('GET', grant)).status, 204);
      assert.equal((await admin('HEAD', grant)).status, 204);
      const roles = await admin('GET', `${V3}/domains/default/users/${userId}/roles`);
      assert.equal(roles.status, 200, roles.text);
      assert.deepEqual(roles.body.roles.map((r: { name: string }) => r.name), ['admin']);
      const listed = await admin('GET', `${V3}/role_assignments?scope.domain.id=default&include_names`);
      assert.deepEqual(listed.body.role_assignments, [
        {
          role: { id: roleId('admin'), name: 'admin' },
          user: { id: userId, name: padmin.userName, domain: { id: 'default', name: 'Default' } },
          scope: { domain: { id: 'default', name: 'Default' } },
          links: { assignment: `${server.url}${grant}` },
        },
      ]);
      const byUser = (await admin('GET', `${V3}/role_assignments?user.id=${userId}`)).body.role_assignments;
      assert.deepEqual(byUser.map((a: { scope: object }) => a.scope), [{ project: { id: padmin.projectId } }, { domain: { id: 'default' } }]);
      assert.deepEqual((await admin('GET', `${V3}/role_assignments?scope.project.id=${padmin.projectId}`)).body.role_assignments.length, 1);

      // The same token now administers the cloud: roles are read live.
      const crossed = await call(server, 'GET', `/v3/${victim.projectId}/volumes`, { token: padmin.token });
      assert.equal(crossed.status, 200, crossed.text);
      assert.equal((await call(server, 'GET', `${V3}/users`, { token: padmin.token })).status, 200);
      const domains = await call(server, 'GET', `${V3}/auth/domains`, { token: padmin.token });
      assert.deepEqual(domains.body.domains.map((d: { id: string }) => d.id), ['default']);

      // A domain-scoped token, as Tempest's admin_domain_scope asks for, administers identity.
      const scoped = await call(server, 'POST', `${V3}/auth/tokens`, {
        body: { auth: { identity: { methods: ['password'], password: { user: { name: padmin.userName, domain: { name: 'Default' }, password: padmin.password } } }, scope: { domain: { name: 'Default' } } } },
      });
      assert.equal(scoped.status, 201, scoped.text);
      assert.deepEqual(scoped.body.token.domain, { id: 'default', name: 'Default' });
      assert.equal(scoped.body.token.project, undefined);
      assert.deepEqual(scoped.body.token.roles.map((r: { name: string }) => r.name), ['admin']);
      assert.deepEqual(scoped.body.token.catalog.map((c: { type: string }) => c.type), ['identity']);
      const domainToken = scoped.headers.get('x-subject-token')!;
      const created = await call(server, 'POST', `${V3}/projects`, { token: domainToken, body: { project: { name: 'cd-by-domain-admin' } } });
      assert.equal(created.status, 201, created.text);
      assert.equal((await call(server, 'GET', `/v3/${victim.projectId}/volumes`, { token: domainToken })).status, 401, 'a domain token is not for a project');

      // An unscoped token grants nothing, whoever holds it.
      const unscoped = await call(server, 'POST', `${V3}/auth/tokens`, { body: { auth: { identity: { methods: ['token'], token: { id: padmin.token } }, scope: 'unscoped' } } });
      assert.equal(unscoped.status, 201, unscoped.text);
      assert.equal((await call(server, 'GET', `${V3}/users`, { token: unscoped.headers.get('x-subject-token')! })).status, 403);

      // Revoked: back to a project admin, and the domain token ends.
      assert.equal((await admin('DELETE', grant)).status, 204);
      assert.equal((await admin('DELETE', grant)).status, 404);
      assert.equal((await call(server, 'GET', `/v3/${victim.projectId}/volumes`, { token: padmin.token })).status, 403);
      assert.equal((await call(server, 'GET', `${V3}/users`, { token: domainToken })).status, 401);
      assert.deepEqual((await admin('GET', `${V3}/role_assignments?scope.domain.id=default`)).body.role_assignments, []);
    });

    it("takes a user's domain roles with it when the user is deleted", async () => {
      const p = await projectWithUser(server, 'cd-gone', 'member');
      const userId = (await server.services.identity.userByName(p.userName))!.id;
      assert.equal((await call(server, 'PUT', `${V3}/domains/default/users/${userId}/roles/${roleId('reader')}`, { token: server.adminToken })).status, 204);
      assert.equal((await call(server, 'DELETE', `${V3}/users/${userId}`, { token: server.adminToken })).status, 204);
      const rows = await server.services.database.db.selectFrom('domain_role_assignments').selectAll().where('user_id', '=', userId).execute();
      assert.deepEqual(rows, []);
    });
  });

  describe(`VBS_ADMIN_PROJECT names the admin project (${db})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ db, env: { VBS_ADMIN_PROJECT: 'operations' } });
    });
    after(async () => server.close());

    it("makes the admin of that project the cloud's, and the bootstrap project's admin a project admin", async () => {
      const ops = await projectWithUser(server, 'operations', 'admin');
      const other = await projectWithUser(server, 'elsewhere');
      const t = await call(server, 'GET', `${V3}/auth/tokens`, { token: ops.token, headers: { 'x-subject-token': ops.token } });
      assert.equal(t.body.token.is_admin_project, true);
      assert.equal((await call(server, 'GET', `/v3/${other.projectId}/volumes`, { token: ops.token })).status, 200);
      assert.equal((await call(server, 'GET', `${V3}/users`, { token: ops.token })).status, 200);
      const boot = await issueToken(server.url, 'admin', ADMIN_PASSWORD, 'admin');
      assert.equal(boot.body.token.is_admin_project, false);
      assert.equal((await call(server, 'GET', `/v3/${other.projectId}/volumes`, { token: boot.token })).status, 403);
      assert.equal((await call(server, 'GET', `${V3}/users`, { token: boot.token })).status, 403);
    });
  });
}
