import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { DB_KINDS, call, freshPostgresDatabase, issueToken, tempDir } from '../support/server.js';
import { freePort } from '../support/net.js';
import { startServe, runCli, type ServeProcess } from '../support/cli.js';
import { readCloudsYaml, readOpenrc } from '../support/client-files.js';

const SERVING = /vbs: serving on /;

async function serveEnv(databaseUrl: string | undefined, extra: Record<string, string> = {}) {
  const dataDir = tempDir('vbs-serve-');
  const env: Record<string, string | undefined> = {
    VBS_DATA_DIR: dataDir,
    VBS_PORT: String(await freePort()),
    VBS_LOG_LEVEL: 'warn',
    VBS_DATABASE_URL: databaseUrl,
    ...extra,
  };
  return { dataDir, env, url: `http://127.0.0.1:${env.VBS_PORT}` };
}

function mode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

/** The one line a failed start prints, after checking it printed just that and exited non-zero. */
async function failedStart(env: Record<string, string | undefined>): Promise<string> {
  const r = await runCli(['serve'], env, { timeoutMs: 30_000 });
  assert.notEqual(r.code, 0, `expected a failure; stdout: ${r.stdout}`);
  assert.equal(r.signal, null);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.doesNotMatch(lines[0], /\bat \S+:\d+:\d+/, 'no stack trace');
  assert.match(lines[0], /^vbs: /);
  return lines[0];
}

for (const db of DB_KINDS) {
  describe(`vbs serve: bootstrap (${db})`, () => {
    it('bootstraps once, writes clouds.yaml and admin-openrc.sh (0600) whose credentials work', async () => {
      const databaseUrl = db === 'postgres' ? await freshPostgresDatabase() : undefined;
      const { dataDir, env, url } = await serveEnv(databaseUrl);
      const cloudsYaml = path.join(dataDir, 'clouds.yaml');
      const openrc = path.join(dataDir, 'admin-openrc.sh');
      let proc: ServeProcess = startServe(env);
      try {
        await proc.waitFor(SERVING);
        assert.ok(proc.stdout().includes(cloudsYaml), proc.stdout());
        assert.ok(proc.stdout().includes(openrc), proc.stdout());
        assert.match(proc.stdout(), /bootstrapped user "admin"/);
        assert.equal(mode(cloudsYaml), 0o600);
        assert.equal(mode(openrc), 0o600);
        const cloud = readCloudsYaml(cloudsYaml);
        assert.equal(cloud.auth.auth_url, `${url}/identity/v3`);
        assert.equal(cloud.auth.username, 'admin');
        assert.equal(cloud.auth.project_name, 'admin');
        assert.ok(cloud.auth.password.length >= 16, 'a generated password of some strength');
        assert.ok(!proc.stdout().includes(cloud.auth.password) && !proc.stderr().includes(cloud.auth.password), 'the password is not printed');
        const base = cloud.auth.auth_url.replace(/\/identity\/v3$/, '');
        const token = await issueToken(base, cloud.auth.username, cloud.auth.password, cloud.auth.project_name);
        assert.match(token.token, /^vbs1_/);
        const rc = readOpenrc(openrc);
        assert.equal(rc.OS_AUTH_URL, cloud.auth.auth_url);
        assert.equal(rc.OS_USERNAME, 'admin');
        assert.equal(rc.OS_PASSWORD, cloud.auth.password);
        assert.equal(rc.OS_PROJECT_NAME, 'admin');
        assert.equal((await proc.stop()).code, 0);

        const before = { yaml: fs.readFileSync(cloudsYaml, 'utf8'), rc: fs.readFileSync(openrc, 'utf8') };
        proc = startServe(env);
        await proc.waitFor(SERVING);
        assert.doesNotMatch(proc.stdout(), /bootstrapped/);
        assert.equal(fs.readFileSync(cloudsYaml, 'utf8'), before.yaml);
        assert.equal(fs.readFileSync(openrc, 'utf8'), before.rc);
        await issueToken(base, 'admin', cloud.auth.password, 'admin');
        const users = await runCli(['admin', 'user', 'list'], env);
        assert.equal(users.stdout.split('\n').filter((l) => /\badmin@admin\b/.test(l)).length, 1, 'one admin user after two starts');
      } finally {
        assert.equal((await proc.stop()).code, 0);
      }
    });

    it('reads VBS_ADMIN_PASSWORD only at the first start: a later value changes nothing', async () => {
      const databaseUrl = db === 'postgres' ? await freshPostgresDatabase() : undefined;
      const { dataDir, env, url } = await serveEnv(databaseUrl, { VBS_ADMIN_PASSWORD: 'first-start-pw' });
      const cloudsYaml = path.join(dataDir, 'clouds.yaml');
      let proc = startServe(env);
      try {
        await proc.waitFor(SERVING);
        await issueToken(url, 'admin', 'first-start-pw', 'admin');
        assert.equal((await proc.stop()).code, 0);
        const written = fs.readFileSync(cloudsYaml, 'utf8');

        proc = startServe({ ...env, VBS_ADMIN_PASSWORD: 'second-start-pw' });
        await proc.waitFor(SERVING);
        assert.doesNotMatch(proc.stdout(), /bootstrapped/);
        const login = (password: string) =>
          call({ url }, 'POST', '/identity/v3/auth/tokens', {
            body: {
              auth: {
                identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password } } },
                scope: { project: { name: 'admin', domain: { name: 'Default' } } },
              },
            },
          });
        const fresh = await login('second-start-pw');
        assert.equal(fresh.status, 401, `the second start's password is not the admin's: ${fresh.text}`);
        assert.equal(fresh.headers.get('x-subject-token'), null);
        const old = await login('first-start-pw');
        assert.equal(old.status, 201, old.text);
        assert.match(old.headers.get('x-subject-token') ?? '', /^vbs1_/);
        assert.equal(fs.readFileSync(cloudsYaml, 'utf8'), written, 'clouds.yaml keeps the first password');
        assert.equal(readCloudsYaml(cloudsYaml).auth.password, 'first-start-pw');
      } finally {
        assert.equal((await proc.stop()).code, 0);
      }
    });
  });
}

describe('vbs serve: settings and failures', () => {
  it('uses VBS_ADMIN_PASSWORD for the bootstrap admin', async () => {
    const { dataDir, env, url } = await serveEnv(undefined, { VBS_ADMIN_PASSWORD: "s3cret with 'quote' and $dollar" });
    const proc = startServe(env);
    try {
      await proc.waitFor(SERVING);
      const cloud = readCloudsYaml(path.join(dataDir, 'clouds.yaml'));
      assert.equal(cloud.auth.password, "s3cret with 'quote' and $dollar");
      assert.equal(readOpenrc(path.join(dataDir, 'admin-openrc.sh')).OS_PASSWORD, "s3cret with 'quote' and $dollar");
      await issueToken(url, 'admin', "s3cret with 'quote' and $dollar", 'admin');
    } finally {
      assert.equal((await proc.stop()).code, 0);
    }
  });

  it('uses VBS_PUBLIC_URL in every link: catalogue, volume links, version document, clouds.yaml', async () => {
    const publicUrl = 'http://example.test:9';
    // The server still listens on loopback; only the links it hands out name the public URL.
    const { dataDir, env, url } = await serveEnv(undefined, { VBS_PUBLIC_URL: publicUrl, VBS_ADMIN_PASSWORD: 'public-url-pw' });
    const proc = startServe(env);
    try {
      await proc.waitFor(SERVING);
      assert.match(proc.stdout(), /vbs: serving on http:\/\/example\.test:9 /);
      const cloud = readCloudsYaml(path.join(dataDir, 'clouds.yaml'));
      assert.equal(cloud.auth.auth_url, `${publicUrl}/identity/v3`);
      assert.equal(readOpenrc(path.join(dataDir, 'admin-openrc.sh')).OS_AUTH_URL, `${publicUrl}/identity/v3`);

      const { token, projectId, body } = await issueToken(url, 'admin', 'public-url-pw', 'admin');
      const endpoints = Object.fromEntries(body.token.catalog.map((c: { type: string; endpoints: Array<{ url: string }> }) => [c.type, c.endpoints.map((e) => e.url)]));
      assert.deepEqual(endpoints, {
        identity: [`${publicUrl}/identity/v3`],
        volumev2: [`${publicUrl}/v2/${projectId}`],
        volumev3: [`${publicUrl}/v3/${projectId}`],
        'block-storage': [`${publicUrl}/v3/${projectId}`],
        vbs: [`${publicUrl}/v2/${projectId}`],
        cbr: [`${publicUrl}/cbr/v3/${projectId}`],
      });
      const catalog = await call({ url }, 'GET', '/identity/v3/auth/catalog', { token });
      assert.equal(catalog.status, 200);
      assert.deepEqual(catalog.body.catalog, body.token.catalog);
      assert.equal(catalog.body.links.self, `${publicUrl}/identity/v3/auth/catalog`);

      const made = await call({ url }, 'POST', `/v3/${projectId}/volumes`, { token, body: { volume: { size: 1, name: 'linked' } } });
      assert.equal(made.status, 202, made.text);
      const id = made.body.volume.id as string;
      assert.deepEqual(made.body.volume.links, [
        { href: `${publicUrl}/v3/${projectId}/volumes/${id}`, rel: 'self' },
        { href: `${publicUrl}/${projectId}/volumes/${id}`, rel: 'bookmark' },
      ]);
      const listed = await call({ url }, 'GET', `/v2/${projectId}/volumes`, { token });
      assert.equal(listed.body.volumes[0].links[0].href, `${publicUrl}/v2/${projectId}/volumes/${id}`);

      const versions = await call({ url }, 'GET', '/');
      assert.equal(versions.status, 300);
      const hrefs = Object.fromEntries(versions.body.versions.map((v: { id: string; links: Array<{ href: string }> }) => [v.id, v.links.map((l) => l.href)]));
      assert.deepEqual(hrefs, { 'v2.0': [`${publicUrl}/v2/`], 'v3.0': [`${publicUrl}/v3/`] });
      // Nothing handed out names the address the server really listens on.
      for (const r of [body, catalog.body, made.body, listed.body, versions.body]) assert.ok(!JSON.stringify(r).includes('127.0.0.1'), JSON.stringify(r));
    } finally {
      assert.equal((await proc.stop()).code, 0);
    }
  });

  it('answers only once it can serve: at the first 200 of /healthz a login works, clouds.yaml is written, /readyz is 200', async () => {
    const { dataDir, env, url } = await serveEnv(undefined, { VBS_ADMIN_PASSWORD: 'early-pw' });
    const proc = startServe(env);
    try {
      // As a probe does: ask again at once until something answers 200.
      for (;;) {
        const status = await fetch(`${url}/healthz`).then((r) => r.status, () => 0);
        if (status === 200) break;
        assert.equal(proc.child.exitCode, null, proc.stderr());
      }
      const login = await call({ url }, 'POST', '/identity/v3/auth/tokens', {
        body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'early-pw' } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } },
      });
      assert.equal(login.status, 201, `a login right after /healthz said ok: ${login.text}`);
      assert.ok(fs.existsSync(path.join(dataDir, 'clouds.yaml')), 'clouds.yaml is written before the service answers');
      assert.equal((await call({ url }, 'GET', '/readyz')).status, 200);
    } finally {
      assert.equal((await proc.stop()).code, 0);
    }
  });

  it('ends with one line when the port is in use, and writes no credentials', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const { dataDir, env } = await serveEnv(undefined, { VBS_PORT: String(port) });
      const line = await failedStart(env);
      assert.match(line, new RegExp(`port ${port} .*already in use`));
      assert.ok(!fs.existsSync(path.join(dataDir, 'clouds.yaml')));
      assert.ok(!fs.existsSync(path.join(dataDir, 'admin-openrc.sh')));
    } finally {
      blocker.close();
    }
  });

  it('ends with one line when the data directory cannot be written', async () => {
    const file = path.join(tempDir('vbs-serve-'), 'a-file');
    fs.writeFileSync(file, 'not a directory');
    const { env } = await serveEnv(undefined, { VBS_DATA_DIR: path.join(file, 'data') });
    const line = await failedStart(env);
    assert.match(line, /data directory .*a-file\/data is not writable/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'not a directory');
  });

  it('ends with one line on a database URL that is not postgres://, or a server that is not there', async () => {
    const { dataDir, env } = await serveEnv(undefined, { VBS_DATABASE_URL: 'mysql://u:p@127.0.0.1/vbs' });
    assert.match(await failedStart(env), /VBS_DATABASE_URL must be a postgres:\/\/ URL/);
    const closed = await freePort();
    const line = await failedStart({ ...env, VBS_DATABASE_URL: `postgres://vbs:hunter2@127.0.0.1:${closed}/vbs` });
    assert.match(line, new RegExp(`cannot connect to PostgreSQL at postgres://vbs:\\*\\*\\*@127.0.0.1:${closed}/vbs`));
    assert.doesNotMatch(line, /hunter2/, 'the password stays out of the message');
    assert.ok(!fs.existsSync(path.join(dataDir, 'clouds.yaml')));
  });

  it('ends with one line on a malformed setting', async () => {
    const { env } = await serveEnv(undefined, { VBS_PORT: 'eighty' });
    assert.match(await failedStart(env), /VBS_PORT must be a whole number/);
  });

  it('drains a request in flight on SIGTERM, then exits 0', { timeout: 60_000 }, async () => {
    // At trace level the server logs each request as it arrives, and the start of the drain.
    const { env } = await serveEnv(undefined, { VBS_ADMIN_PASSWORD: 'drain-pw', VBS_LOG_LEVEL: 'trace' });
    const proc = startServe(env);
    // A failed step must not leave the server running: its open pipes would keep the test file alive.
    try {
      await proc.waitFor(SERVING);
      const body = JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'drain-pw' } } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        },
      });
      // A client that keeps its idle connection open for as long as the server allows.
      const agent = new http.Agent({ keepAlive: true });
      let request: http.ClientRequest | undefined;
      const reply = new Promise<{ status: number; token: string | undefined }>((resolve, reject) => {
        request = http.request(
          { agent, host: '127.0.0.1', port: Number(env.VBS_PORT), method: 'POST', path: '/identity/v3/auth/tokens', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, token: res.headers['x-subject-token'] as string | undefined }));
          },
        );
        request.on('error', reject);
      });
      // Half the body, then SIGTERM once the server has the request, then the rest once it is draining.
      request!.write(body.slice(0, 40));
      await proc.waitFor(/"event":"http.arrive"[^\n]*"url":"\/identity\/v3\/auth\/tokens"/);
      proc.child.kill('SIGTERM');
      await proc.waitFor(/draining requests and jobs/);
      request!.end(body.slice(40));
      const [r, exit] = await Promise.all([reply.then((x) => ({ ...x, at: Date.now() })), proc.exited.then((x) => ({ ...x, at: Date.now() }))]);
      assert.equal(r.status, 201);
      // The server closed the idle kept-alive connection itself rather than wait for the client.
      assert.ok(exit.at - r.at < 10_000, `exited ${exit.at - r.at} ms after the last reply`);
      agent.destroy();
      assert.match(r.token ?? '', /^vbs1_/);
      assert.equal(exit.code, 0, proc.stderr());
      // Stopped for good: the port no longer answers.
      await assert.rejects(fetch(`http://127.0.0.1:${env.VBS_PORT}/healthz`));
    } finally {
      await proc.stop('SIGKILL');
    }
  });
});
