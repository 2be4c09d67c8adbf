import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { DB_KINDS, call, freshPostgresDatabase, issueToken, startServer, tempDir, type TestServer } from '../support/server.js';
import { runCli, type CliResult } from '../support/cli.js';
import { rowCounts } from '../support/db-counts.js';
import { signedCall } from '../support/aksk.js';

const IDENTITY_TABLES = ['projects', 'users', 'role_assignments', 'credentials'] as const;

function oneErrorLine(r: CliResult): string {
  assert.notEqual(r.code, 0, `expected a failure; stdout: ${r.stdout}`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/^npm warn/.test(l));
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^vbs: /);
  assert.doesNotMatch(r.stderr, /\bat \S+:\d+:\d+/, 'no stack trace');
  return lines[0];
}

for (const db of DB_KINDS) {
  describe(`vbs admin (${db})`, () => {
    let server: TestServer;
    let env: Record<string, string | undefined>;
    const vbs = (...args: string[]) => runCli(['admin', ...args], env);

    before(async () => {
      server = await startServer({ db });
      env = { VBS_DATA_DIR: server.dataDir, VBS_DATABASE_URL: server.config.databaseUrl, VBS_LOG_LEVEL: 'silent' };
    });
    after(async () => server.close());

    it('creates and lists projects, which the running server then serves', async () => {
      const r = await vbs('project', 'create', 'cli-alpha', '--description', 'made by the CLI');
      assert.equal(r.code, 0, r.stderr);
      const id = /^created project cli-alpha ([0-9a-f]{32})$/m.exec(r.stdout)?.[1];
      assert.ok(id, r.stdout);
      const list = await vbs('project', 'list');
      assert.equal(list.code, 0, list.stderr);
      const row = list.stdout.split('\n').find((l) => l.startsWith(id));
      assert.ok(row, list.stdout);
      assert.match(row, /\bcli-alpha\b.*\bdefault\b.*\btrue\b/);
      assert.match(list.stdout.split('\n')[0], /^id\s+name\s+domain\s+enabled$/);
      const seen = await call(server, 'GET', '/identity/v3/projects?name=cli-alpha', { token: server.adminToken });
      assert.equal(seen.status, 200);
      assert.deepEqual(seen.body.projects.map((p: { id: string }) => p.id), [id]);
    });

    it('creates users with each role; they log in to the server with that role, and are listed', async () => {
      assert.equal((await vbs('project', 'create', 'cli-beta')).code, 0);
      for (const role of ['admin', 'member', 'reader'] as const) {
        const r = await vbs('user', 'create', `cli-${role}`, '--password', `pw ${role}!`, '--project', 'cli-beta', '--role', role);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^created user cli-${role} with role ${role} on project cli-beta [0-9a-f]{32}$`, 'm'));
        const t = await issueToken(server.url, `cli-${role}`, `pw ${role}!`, 'cli-beta');
        assert.deepEqual(t.body.token.roles.map((x: { name: string }) => x.name), [role]);
      }
      const list = await vbs('user', 'list');
      assert.equal(list.code, 0, list.stderr);
      for (const role of ['admin', 'member', 'reader']) {
        assert.match(list.stdout, new RegExp(`^[0-9a-f]{32}\\s+cli-${role}\\s+${role}@cli-beta\\s+true$`, 'm'));
      }
      assert.match(list.stdout, /\badmin\s+admin@admin\b/);
      assert.doesNotMatch(list.stdout, /pw /, 'passwords are never shown');
    });

    it('creates an access key whose secret is shown once and signs requests the server accepts', async () => {
      assert.equal((await vbs('project', 'create', 'cli-gamma')).code, 0);
      assert.equal((await vbs('user', 'create', 'cli-keyed', '--password', 'x', '--project', 'cli-gamma', '--role', 'member')).code, 0);
      const r = await vbs('credential', 'create', '--user', 'cli-keyed');
      assert.equal(r.code, 0, r.stderr);
      const access = /^AK: ([A-Z0-9]{20})$/m.exec(r.stdout)?.[1];
      const secret = /^SK: ([A-Za-z0-9]{40})$/m.exec(r.stdout)?.[1];
      assert.ok(access && secret, r.stdout);
      assert.equal(r.stdout.split(secret).length, 2, 'the secret appears exactly once');
      const projectId = /^project: ([0-9a-f]{32})$/m.exec(r.stdout)?.[1];
      const again = await vbs('credential', 'create', '--user', 'cli-keyed');
      assert.ok(!again.stdout.includes(secret) && !again.stdout.includes(access), 'a second key is a new pair');
      const projects = await signedCall(server, { access, secret }, 'GET', { path: '/identity/v3/auth/projects' });
      assert.equal(projects.status, 200, projects.text);
      assert.deepEqual(projects.body.projects.map((p: { id: string }) => p.id), [projectId]);
      const job = await signedCall(server, { access, secret }, 'GET', { path: '/v1/{project_id}/jobs/0123456789abcdef0123456789abcdef', projectId });
      assert.equal(job.status, 404, job.text);
      assert.equal(job.body.error.code, 'common.0011', 'authenticated, and the job is what is missing');
      const users = await vbs('user', 'list');
      assert.ok(!users.stdout.includes(secret));
    });

    it('refuses a duplicate project, an unknown project or user, a bad role, with one line and no writes', async () => {
      assert.equal((await vbs('project', 'create', 'cli-delta')).code, 0);
      assert.equal((await vbs('user', 'create', 'cli-dup', '--password', 'x', '--project', 'cli-delta')).code, 0);
      const before = await rowCounts(server.services.database.db, [...IDENTITY_TABLES]);
      const cases: Array<[string[], RegExp]> = [
        [['project', 'create', 'cli-delta'], /project "cli-delta" already exists/],
        [['project', 'create', ''], /project name must be 1 to 64 characters/],
        [['user', 'create', 'cli-new', '--password', 'x', '--project', 'no-such-project'], /project "no-such-project" does not exist/],
        [['user', 'create', 'cli-new', '--password', 'x', '--project', 'cli-delta', '--role', 'owner'], /role must be admin, member or reader, got "owner"/],
        [['user', 'create', 'cli-dup', '--password', 'x', '--project', 'cli-delta'], /user "cli-dup" already exists/],
        [['credential', 'create', '--user', 'no-such-user'], /user "no-such-user" does not exist/],
        [['credential', 'create', '--user', 'cli-dup', '--project', 'admin'], /has no role on project admin/],
      ];
      for (const [args, message] of cases) {
        const line = oneErrorLine(await vbs(...args));
        assert.match(line, message, args.join(' '));
      }
      assert.deepEqual(await rowCounts(server.services.database.db, [...IDENTITY_TABLES]), before);
    });
  });
}

describe('vbs admin outside a set-up service', () => {
  it('says to start the service first on a data directory never served', async () => {
    const line = oneErrorLine(await runCli(['admin', 'project', 'create', 'early'], { VBS_DATA_DIR: tempDir('vbs-admin-'), VBS_LOG_LEVEL: 'silent' }));
    assert.match(line, /no service has been set up in the data directory .* yet: start `vbs serve`/);
  });

  it('creates nothing where it runs: `volume path` in a folder that is no data directory leaves it empty', async () => {
    // No VBS_DATA_DIR: the default ./data of the folder the command runs in.
    const folder = tempDir('vbs-wrong-folder-');
    const commands = [
      ['volume', 'path', '7f1c2e7a-0000-4000-8000-000000000001'],
      ['admin', 'project', 'list'],
      ['admin', 'reindex'],
      ['volume', 'export', '7f1c2e7a-0000-4000-8000-000000000001', 'out.raw'],
      ['gc'],
      ['verify', '7f1c2e7a-0000-4000-8000-000000000001'],
    ];
    for (const args of commands) {
      const line = oneErrorLine(await runCli(args, { VBS_LOG_LEVEL: 'silent' }, { cwd: folder }));
      if (args[0] !== 'gc' && args[0] !== 'verify') assert.match(line, new RegExp(`no service has been set up in the data directory ${path.join(folder, 'data')} yet`), args.join(' '));
      assert.deepEqual(fs.readdirSync(folder), [], `\`vbs ${args.join(' ')}\` created ${fs.readdirSync(folder).join(', ')}`);
    }
    // A named data directory that does not exist is not made either.
    const named = path.join(folder, 'not-here');
    oneErrorLine(await runCli(['admin', 'project', 'create', 'early'], { VBS_DATA_DIR: named, VBS_LOG_LEVEL: 'silent' }));
    assert.equal(fs.existsSync(named), false);
  });

  it('creates no tables in an empty PostgreSQL database', async () => {
    const databaseUrl = await freshPostgresDatabase();
    const line = oneErrorLine(await runCli(['volume', 'path', '7f1c2e7a-0000-4000-8000-000000000001'], { VBS_DATA_DIR: tempDir('vbs-admin-'), VBS_DATABASE_URL: databaseUrl, VBS_LOG_LEVEL: 'silent' }));
    assert.match(line, /no service has been set up in the PostgreSQL database of VBS_DATABASE_URL yet/);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const tables = await client.query("select table_name from information_schema.tables where table_schema = 'public'");
      assert.deepEqual(tables.rows, []);
    } finally {
      await client.end();
    }
  });

  it('runs as `npx vbs` in the checkout', async () => {
    const server = await startServer({ db: 'sqlite' });
    try {
      await server.services.identity.createProject('via-npx');
      const r = await runCli(['admin', 'project', 'list'], { VBS_DATA_DIR: server.dataDir, VBS_LOG_LEVEL: 'silent' }, { command: ['npx', '--no-install', 'vbs'] });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\bvia-npx\b/);
      assert.match(r.stdout, /\badmin\b/);
    } finally {
      await server.close();
    }
  });
});
