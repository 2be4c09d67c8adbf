/**
 * The end-user `vbs` client as a user runs it: separate processes talking HTTP to a running
 * service, with credentials from a clouds.yaml cloud or from OS_* variables, and a home and
 * token cache of their own.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { writeClientFiles } from '../../src/cli/client-files.js';
import { runCli, type CliResult } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { call, projectWithUser, startServer, tempDir, type TestServer } from '../support/server.js';
import { readAt, writeAt } from '../support/volumes.js';
import { until } from '../support/wait.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;
type Env = Record<string, string | undefined>;

const MiB = 1024 * 1024;

function json(r: CliResult): any {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Credentials as a cloud "mine" of a clouds.yaml, the file `vbs serve` writes for its admin. */
function cloudsYamlEnv(server: TestServer, user: User, projectName: string, home: string): Env {
  const dir = tempDir('vbs-client-clouds-');
  const { cloudsYaml } = writeClientFiles(dir, {
    authUrl: `${server.url}/identity/v3`,
    region: server.config.region,
    username: user.userName,
    password: user.password,
    projectName,
    computeUrl: `${server.url}/compute`,
  });
  const renamed = path.join(dir, 'mine.yaml');
  fs.writeFileSync(renamed, fs.readFileSync(cloudsYaml, 'utf8').replace(/^ {2}vbs:$/m, '  mine:'));
  return { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), OS_CLIENT_CONFIG_FILE: renamed };
}

function osEnv(server: TestServer, user: User, projectName: string, home: string): Env {
  return {
    HOME: home,
    XDG_CACHE_HOME: path.join(home, 'cache'),
    OS_AUTH_URL: `${server.url}/identity/v3`,
    OS_USERNAME: user.userName,
    OS_PASSWORD: user.password,
    OS_PROJECT_NAME: projectName,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
  };
}

/** A clean environment for the client: nothing of the caller's OpenStack or VBS settings. */
function clientEnv(extra: Env): Env {
  const cleared: Env = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('OS_')) cleared[k] = undefined;
  return { ...cleared, ...extra };
}

const MODES = [
  // The whole lifecycle once; the other way to give credentials logs in and follows a job.
  { name: 'a clouds.yaml cloud', env: cloudsYamlEnv, args: ['--os-cloud', 'mine'], project: 'client-yaml', lifecycle: true },
  { name: 'OS_* variables', env: osEnv, args: [] as string[], project: 'client-env', lifecycle: false },
];

describe('vbs client over HTTP', () => {
  let server: TestServer;
  let owner: User;
  let other: User;

  before(async () => {
    server = await startServer();
    // As `vbs serve` does: jobs run, and policy runs (the scheduler registers their job) too.
    server.services.runner.start();
    server.services.scheduler.start();
    owner = await projectWithUser(server, 'client-owner');
    other = await projectWithUser(server, 'client-other');
  });
  after(async () => server.close());

  for (const mode of MODES) {
    describe(`with ${mode.name}`, () => {
      let env: Env;
      let user: User;
      const vbs = (...args: string[]) => runCli([...args, ...mode.args], clientEnv(env));
      const image = (id: string) => path.join(server.dataDir, 'volumes', `${id}.img`);

      before(async () => {
        user = await projectWithUser(server, mode.project);
        env = mode.env(server, user, mode.project, tempDir('vbs-client-home-'));
      });

      it('logs in, shows the user and project, and caches the token in a private file that later commands reuse', async () => {
        const r = json(await vbs('login', '-f', 'json'));
        assert.equal(r.user, user.userName);
        assert.equal(r.project, mode.project);
        assert.equal(r.project_id, user.projectId);
        assert.ok(Date.parse(r.expires_at) > Date.now() + 3600_000, r.expires_at);
        const dir = path.join(env.XDG_CACHE_HOME!, 'vbs');
        const files = fs.readdirSync(dir);
        assert.equal(files.length, 1, files.join(', '));
        const cache = path.join(dir, files[0]);
        assert.equal(fs.statSync(cache).mode & 0o777, 0o600);
        const token = JSON.parse(fs.readFileSync(cache, 'utf8')).token as string;

        const table = await vbs('volume', 'list');
        assert.equal(table.code, 0, table.stderr);
        assert.equal(JSON.parse(fs.readFileSync(cache, 'utf8')).token, token, 'the cached token was reused');

        // A token the service no longer accepts: the next command authenticates once more.
        const revoked = await call(server, 'DELETE', '/identity/v3/auth/tokens', { token, headers: { 'x-subject-token': token } });
        assert.equal(revoked.status, 204, revoked.text);
        const again = await vbs('volume', 'list', '-f', 'json');
        assert.deepEqual(json(again), []);
        assert.notEqual(JSON.parse(fs.readFileSync(cache, 'utf8')).token, token);
      });

      it('creates volumes, backs one up with --wait (full, then incremental) and restores into a new and an existing volume', { skip: !mode.lifecycle }, async () => {
        const src = json(await vbs('volume', 'create', 'src', '--size', '1', '--wait', '-f', 'json'));
        assert.equal(src.status, 'available');
        writeAt(image(src.id), 0, Buffer.from('first-generation'));
        writeAt(image(src.id), 300 * MiB, Buffer.alloc(2 * MiB, 7));

        const full = await vbs('backup', 'create', 'src', '--name', 'full1', '--wait', '-f', 'json');
        const fullBackup = json(full);
        assert.equal(fullBackup.status, 'available');
        assert.equal(fullBackup.name, 'full1');
        assert.equal(fullBackup.is_incremental, false);
        assert.match(fullBackup.job_id, /^[0-9a-f]{32}$/);
        assert.match(full.stderr, /backup full1 100% SUCCESS/);

        writeAt(image(src.id), 0, Buffer.from('later-generation'));
        const incr = json(await vbs('backup', 'create', 'src', '--name', 'second one', '--incremental', '--wait', '-f', 'json'));
        assert.equal(incr.status, 'available');
        assert.equal(incr.is_incremental, true);

        const listed = await vbs('backup', 'list', '--volume', 'src');
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, /\| id +\| name +\| status/);
        assert.match(listed.stdout, /full1 +\| available/);
        const ids = (json(await vbs('backup', 'list', '--volume', src.id, '-f', 'json')) as Array<{ id: string }>).map((b) => b.id).sort();
        assert.deepEqual(ids, [fullBackup.id, incr.id].sort());
        const one = await vbs('backup', 'list', '--limit', '1', '-f', 'value', '-c', 'name');
        assert.equal(one.stdout.trim(), 'second one', 'newest first, one page');

        const fresh = json(await vbs('backup', 'restore', 'second one', '--new', '--name', 'r-new', '--wait', '-f', 'json'));
        assert.equal(fresh.status, 'available');
        assert.equal(fresh.name, 'r-new');
        assert.equal(readAt(image(fresh.id), 0, 16).toString(), 'later-generation');
        assert.deepEqual(readAt(image(fresh.id), 300 * MiB, 4), Buffer.alloc(4, 7));

        const dst = json(await vbs('volume', 'create', 'dst', '--size', '1', '--wait', '-f', 'json'));
        const restored = await vbs('backup', 'restore', 'full1', '--volume', 'dst', '--wait', '-f', 'json');
        assert.equal(json(restored).id, dst.id);
        assert.match(restored.stderr, /SUCCESS/);
        assert.equal(readAt(image(dst.id), 0, 16).toString(), 'first-generation');

        const shown = await vbs('volume', 'show', 'r-new');
        assert.match(shown.stdout, /\| status +\| available/);
        const deleted = json(await vbs('volume', 'delete', 'r-new', '--wait', '-f', 'json'));
        assert.equal(deleted.status, 'deleted');
        const gone = await vbs('volume', 'show', fresh.id);
        assert.equal(gone.code, 1);
        assert.match(gone.stderr, /^vbs: no volume with the id or name/);

        const del = json(await vbs('backup', 'delete', 'second one', '--wait', '-f', 'json'));
        assert.equal(del.status, 'deleted');
        assert.equal((await call(server, 'GET', `/v3/${user.projectId}/backups/${incr.id}`, { token: user.token })).status, 404);
      });

      it('reports a failed job with its error code and reason and a non-zero exit status', async () => {
        const v = json(await vbs('volume', 'create', `broken-${mode.args.length}`, '--size', '1', '--wait', '-f', 'json'));
        // The image is gone from under the service: the backup job cannot read its source.
        fs.rmSync(image(v.id));
        const r = await vbs('backup', 'create', v.id, '--name', 'doomed', '--wait');
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, /^vbs: job [0-9a-f]{32} \(bksCreateBackup\) failed: VolumeBackup\.\d{4}: .*cannot read the source/m);
        const job = r.stderr.match(/job ([0-9a-f]{32})/)![1];
        const shown = json(await vbs('job', 'show', job, '-f', 'json'));
        assert.equal(shown.status, 'FAIL');
        const waited = await vbs('job', 'wait', job);
        assert.equal(waited.code, 1);
        assert.match(waited.stderr, new RegExp(`job ${job} \\(bksCreateBackup\\) failed: ${shown.error_code}`));
      });
    });
  }

  describe('policies, sharing and errors', () => {
    let env: Env;
    let home: string;
    const vbs = (...args: string[]) => runCli(args, clientEnv(env));

    before(() => {
      home = tempDir('vbs-client-home-');
      env = osEnv(server, owner, 'client-owner', home);
    });

    it('creates a policy, binds a volume, runs it and shows its task', async () => {
      const p = json(await vbs('policy', 'create', 'nightly', '--start-time', '02:00', '--week-days', 'mon,thu', '--keep', '3', '--time-zone', 'UTC+08:00', '-f', 'json'));
      assert.equal(p.backup_policy_name, 'nightly');
      assert.deepEqual(p.scheduled_policy.week_frequency, ['MON', 'THU']);
      assert.equal(p.scheduled_policy.rentention_num, 3);
      assert.equal(p.scheduled_policy.status, 'ON');
      assert.equal(p.time_zone, 'UTC+08:00');
      const v = json(await vbs('volume', 'create', 'guarded', '--size', '1', '--wait', '-f', 'json'));
      const bound = await vbs('policy', 'bind', 'nightly', 'guarded');
      assert.equal(bound.code, 0, bound.stderr);
      assert.match(bound.stdout, new RegExp(`${v.id} \\| bound`));
      assert.equal((await vbs('policy', 'create', 'weekly', '--start-time', '03:00', '--frequency', '7', '--keep-days', '30')).code, 0);
      const refused = await vbs('policy', 'bind', 'weekly', 'guarded');
      assert.equal(refused.code, 1, 'a volume has one policy');
      assert.match(refused.stderr, /^vbs: 1 of 1 volumes were not bound/);
      assert.match(refused.stdout, /failed \| AutoBackup\.\d{4}/);
      assert.equal(json(await vbs('policy', 'show', p.backup_policy_id, '-f', 'json')).policy_resource_count, 1);
      assert.equal((await vbs('policy', 'run', 'nightly')).code, 0);
      let seen = '';
      const task = await until("the run task succeeded", async () => {
        const r = await vbs('policy', 'tasks', 'nightly', '-f', 'json');
        seen = r.stdout + r.stderr;
        return (json(r) as Array<{ status: string; resource_id: string; backup_name: string }>).find((t) => t.status === 'EXECUTE_SUCCESS');
      }, 30_000).catch((err: Error) => assert.fail(`${err.message}: ${seen}`));
      assert.equal(task.resource_id, v.id);
      assert.match(task.backup_name, /^autobk_/);
      const updated = json(await vbs('policy', 'update', 'nightly', '--frequency', '2', '--off', '-f', 'json'));
      assert.equal(updated.scheduled_policy.frequency, 2);
      assert.equal(updated.scheduled_policy.status, 'OFF');
      assert.equal((await vbs('policy', 'unbind', 'nightly', v.id)).code, 0);
      assert.equal((await vbs('policy', 'delete', 'nightly')).code, 0);
      assert.equal((await vbs('policy', 'delete', 'weekly')).code, 0);
      assert.deepEqual(json(await vbs('policy', 'list', '-f', 'json')), []);
    });

    it('shares a backup with another project, which sees it and restores it into a new volume', async () => {
      const v = json(await vbs('volume', 'create', 'shared-src', '--size', '1', '--wait', '-f', 'json'));
      writeAt(path.join(server.dataDir, 'volumes', `${v.id}.img`), 4096, Buffer.from('for-the-neighbours'));
      const b = json(await vbs('backup', 'create', 'shared-src', '--name', 'gift', '--wait', '-f', 'json'));
      const shares = json(await vbs('share', 'create', 'gift', '--project', other.projectId, '-f', 'json'));
      assert.equal(shares.length, 1);
      assert.equal(shares[0].to_project_id, other.projectId);

      const theirs = { ...osEnv(server, other, 'client-other', tempDir('vbs-client-home-')) };
      const seen = json(await runCli(['share', 'list', '--to-me', '-f', 'json'], clientEnv(theirs)));
      assert.deepEqual(seen.map((s: { backup_id: string }) => s.backup_id), [b.id]);
      assert.equal(seen[0].backup.name, 'gift');
      const table = await runCli(['share', 'list', '--to-me'], clientEnv(theirs));
      assert.match(table.stdout, /\| gift +\| available/);
      const restored = json(await runCli(['backup', 'restore', b.id, '--new', '--wait', '-f', 'json'], clientEnv(theirs)));
      assert.equal(restored['os-vol-tenant-attr:tenant_id'], other.projectId);
      assert.equal(readAt(path.join(server.dataDir, 'volumes', `${restored.id}.img`), 4096, 18).toString(), 'for-the-neighbours');

      assert.equal((await vbs('share', 'delete', shares[0].id)).code, 0);
      assert.deepEqual(json(await runCli(['share', 'list', '--to-me', '-f', 'json'], clientEnv(theirs))), []);
    });

    it('says clearly what is wrong: a wrong password, a missing cloud, no server, an API refusal', async () => {
      const wrong = await runCli(['login'], clientEnv({ ...env, OS_PASSWORD: 'not-the-password' }));
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^vbs: authentication failed for user client-owner-member .*wrong user name or password/);

      const clouds = cloudsYamlEnv(server, owner, 'client-owner', home);
      const missing = await runCli(['--os-cloud', 'nowhere', 'volume', 'list'], clientEnv(clouds));
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^vbs: cloud "nowhere" is not defined in .*mine\.yaml \(it defines mine\)/);
      const noFile = await runCli(['volume', 'list'], clientEnv({ HOME: home, XDG_CACHE_HOME: home, OS_CLOUD: 'mine' }));
      assert.equal(noFile.code, 1);
      assert.match(noFile.stderr, /^vbs: cloud "mine": no clouds\.yaml found/);
      const none = await runCli(['volume', 'list'], clientEnv({ HOME: home, XDG_CACHE_HOME: home }));
      assert.equal(none.code, 1);
      assert.match(none.stderr, /^vbs: no credentials: give --os-cloud NAME/);

      const down = await runCli(['login'], clientEnv({ ...env, OS_AUTH_URL: `http://127.0.0.1:${await freePort()}/identity/v3` }));
      assert.equal(down.code, 1);
      assert.match(down.stderr, /^vbs: cannot reach the service at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);

      const unknownJob = await vbs('job', 'show', 'f'.repeat(32));
      assert.equal(unknownJob.code, 1);
      assert.match(unknownJob.stderr, /^vbs: .*\(common\.0011, HTTP 404\)$/m);
      const tooBig = await vbs('volume', 'create', 'huge', '--size', '100000');
      assert.equal(tooBig.code, 1);
      assert.match(tooBig.stderr, /^vbs: .*\(HTTP 413\)$/m);
    });
  });
});
