/**
 * Debian's python-openstackclient administers identity through clouds.yaml: projects, users,
 * roles and role assignments, as an operator (or Tempest's dynamic credentials) would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, issueToken } from '../support/server.js';
import { openstackJson, openstackQuiet, serveForOpenstack } from '../support/openstack-cli.js';

type Row = Record<string, unknown>;

// The two databases run side by side: each client command spends most of its time starting Python.
describe('python-openstackclient identity administration', { concurrency: true }, () => {
  for (const db of DB_KINDS) {
    it(`manages projects, users, roles and role assignments (${db})`, async () => {
      const { url, clouds, cwd, proc } = await serveForOpenstack(db, 'vbs-osc-id');
      const osc = (args: string[]) => openstackJson(clouds, args, { cwd });
      const quiet = (args: string[]) => openstackQuiet(clouds, args, { cwd });
      try {
        // project create / list / show / set
        const project = (await osc(['project', 'create', '--description', 'made by osc', 'osc-proj'])) as Row;
        assert.match(String(project.id), /^[0-9a-f]{32}$/);
        assert.equal(project.name, 'osc-proj');
        assert.equal(project.domain_id, 'default');
        assert.equal(project.description, 'made by osc');
        assert.equal(project.enabled, true);
        const projects = (await osc(['project', 'list'])) as Row[];
        assert.deepEqual(projects.map((p) => p.Name).sort(), ['admin', 'osc-proj']);
        assert.equal(((await osc(['project', 'show', 'osc-proj'])) as Row).id, project.id);
        await quiet(['project', 'set', '--name', 'osc-proj2', '--description', 'renamed', '--disable', 'osc-proj']);
        const changed = (await osc(['project', 'show', String(project.id)])) as Row;
        assert.deepEqual([changed.name, changed.description, changed.enabled], ['osc-proj2', 'renamed', false]);
        await quiet(['project', 'set', '--enable', 'osc-proj2']);

        // user create / list
        const user = (await osc(['user', 'create', '--password', 'first-pw', '--project', 'osc-proj2', '--email', 'osc@example.org', 'osc-user'])) as Row;
        assert.match(String(user.id), /^[0-9a-f]{32}$/);
        assert.equal(user.default_project_id, project.id);
        assert.equal(user.email, 'osc@example.org');
        assert.equal(user.enabled, true);
        assert.ok(((await osc(['user', 'list'])) as Row[]).some((u) => u.ID === user.id && u.Name === 'osc-user'));

        // role list / create
        const custom = (await osc(['role', 'create', 'osc-auditor'])) as Row;
        assert.equal(custom.name, 'osc-auditor');
        assert.equal(custom.domain_id, null);
        const roles = (await osc(['role', 'list'])) as Row[];
        assert.deepEqual(roles.map((r) => r.Name).sort(), ['admin', 'member', 'osc-auditor', 'reader']);
        const memberId = roles.find((r) => r.Name === 'member')?.ID;

        // role add / assignment list / remove
        await quiet(['role', 'add', '--project', 'osc-proj2', '--user', 'osc-user', 'member']);
        await quiet(['role', 'add', '--project', 'osc-proj2', '--user', 'osc-user', 'osc-auditor']);
        const byId = (await osc(['role', 'assignment', 'list', '--user', 'osc-user', '--project', 'osc-proj2'])) as Row[];
        assert.deepEqual(byId.map((a) => a.Role).sort(), [String(custom.id), String(memberId)].sort());
        assert.ok(byId.every((a) => a.User === user.id && a.Project === project.id && a.Inherited === false));
        const byName = (await osc(['role', 'assignment', 'list', '--user', 'osc-user', '--project', 'osc-proj2', '--names'])) as Row[];
        assert.deepEqual(byName.map((a) => [a.Role, a.User, a.Project]).sort(), [
          ['member', 'osc-user@Default', 'osc-proj2@Default'],
          ['osc-auditor', 'osc-user@Default', 'osc-proj2@Default'],
        ]);
        await quiet(['role', 'remove', '--project', 'osc-proj2', '--user', 'osc-user', 'osc-auditor']);
        const left = (await osc(['role', 'assignment', 'list', '--user', 'osc-user', '--project', 'osc-proj2', '--names'])) as Row[];
        assert.deepEqual(left.map((a) => a.Role), ['member']);

        // The user logs in with its password; a new password ends the old one and its tokens.
        const first = await issueToken(url, 'osc-user', 'first-pw', 'osc-proj2');
        assert.deepEqual((first.body.token.roles as Row[]).map((r) => r.name), ['member']);
        await quiet(['user', 'set', '--password', 'second-pw', 'osc-user']);
        assert.equal((await call({ url }, 'GET', '/identity/v3/auth/projects', { token: first.token })).status, 401);
        await assert.rejects(issueToken(url, 'osc-user', 'first-pw', 'osc-proj2'), /HTTP 401/);
        const second = await issueToken(url, 'osc-user', 'second-pw', 'osc-proj2');

        // A disabled user can neither log in nor use its tokens.
        await quiet(['user', 'set', '--disable', 'osc-user']);
        assert.equal(((await osc(['user', 'show', 'osc-user'])) as Row).enabled, false);
        assert.equal((await call({ url }, 'GET', '/identity/v3/auth/projects', { token: second.token })).status, 401);
        await assert.rejects(issueToken(url, 'osc-user', 'second-pw', 'osc-proj2'), /HTTP 401/);

        // user delete, project delete
        await quiet(['user', 'delete', 'osc-user']);
        assert.ok(!((await osc(['user', 'list'])) as Row[]).some((u) => u.Name === 'osc-user'));
        await quiet(['project', 'delete', 'osc-proj2']);
        assert.deepEqual(((await osc(['project', 'list'])) as Row[]).map((p) => p.Name), ['admin']);
        // The project took its role assignments with it.
        const all = (await osc(['role', 'assignment', 'list'])) as Row[];
        assert.ok(all.length > 0 && all.every((a) => a.Project !== project.id && a.User !== user.id), JSON.stringify(all));
      } finally {
        const exit = await proc.stop();
        assert.equal(exit.code, 0, `vbs serve stopped badly: ${proc.stderr()}`);
      }
    });
  }
});
