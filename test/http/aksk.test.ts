import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/common/clock.js';
import { DB_KINDS, call, issueToken, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { send, signRequest, signedCall, type AccessKey, type SignedRequestOptions } from '../support/aksk.js';
import { runCli } from '../support/cli.js';
import { rowCounts } from '../support/db-counts.js';
import { sendTo } from '../support/aksk-host.js';
import { TRUST_MS } from '../../src/services/identity/trust-cache.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MINUTE = 60 * 1000;
const JOB_ID = '0123456789abcdef0123456789abcdef';

for (const db of DB_KINDS) {
  describe(`AK/SK signatures (${db})`, () => {
    let server: TestServer;
    // The server's clock; requests are signed as of its time, then the clock moves to test skew.
    const clock = new ManualClock(new Date());
    let a: { projectId: string; userName: string; token: string };
    let b: { projectId: string; userName: string };
    let key: AccessKey;
    let adminKey: AccessKey;

    before(async () => {
      server = await startServer({ db, clock });
      a = await projectWithUser(server, 'aksk-a', 'member');
      b = await projectWithUser(server, 'aksk-b', 'member');
      key = await server.services.identity.createCredential(a.userName);
      adminKey = await server.services.identity.createCredential('admin');
    });
    after(async () => server.close());

    const sign = (k: AccessKey, method: string, path: string, extra: Partial<SignedRequestOptions> = {}) =>
      signRequest(server.url, k, method, { path, date: clock.now(), ...extra });

    it('accepts a request signed by the SDK and acts as the key\'s user', async () => {
      const r = await send(await sign(key, 'GET', '/identity/v3/auth/projects'));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.projects.map((p: { name: string }) => p.name), ['aksk-a']);
    });

    it('accepts a signed project route with X-Project-Id, the way BasicCredentials sends it', async () => {
      const prepared = await sign(key, 'GET', `/v1/{project_id}/jobs/${JOB_ID}`, { projectId: a.projectId });
      assert.equal(prepared.headers['X-Project-Id'], a.projectId);
      assert.match(prepared.headers.Authorization, /SignedHeaders=host;x-project-id;x-sdk-date,/);
      const r = await send(prepared);
      // Past authentication and authorisation: the job itself is what is missing.
      assert.equal(r.status, 404, r.text);
      assert.equal(r.body.error.code, 'common.0011');
    });

    it('signs the Cinder volume routes: a signed list and create pass, a changed body creates nothing', async () => {
      const list = await send(await sign(key, 'GET', '/v2/{project_id}/volumes', { projectId: a.projectId }));
      assert.equal(list.status, 200, list.text);
      assert.ok(Array.isArray(list.body.volumes));
      const volumes = async () => (await rowCounts(server.services.database.db, ['volumes'])).volumes;
      const before = await volumes();
      const create = await sign(key, 'POST', '/v3/{project_id}/volumes', { projectId: a.projectId, body: { volume: { size: 1, name: 'signed' } } });
      const tampered = await send({ ...create, body: JSON.stringify({ volume: { size: 1000, name: 'signed' } }) });
      assert.equal(tampered.status, 401, tampered.text);
      assert.equal(await volumes(), before);
      const created = await send(create);
      assert.equal(created.status, 202, created.text);
      assert.equal(created.body.volume.name, 'signed');
      assert.equal(await volumes(), before + 1);
    });

    it('covers the query string: signed parameters pass, changed ones are refused', async () => {
      const ok = await send(await sign(key, 'GET', '/identity/v3/projects', { query: { name: 'aksk-a', 'x y': 'a b/c*' } }));
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body.projects.map((p: { name: string }) => p.name), ['aksk-a']);
      const prepared = await sign(key, 'GET', '/identity/v3/projects', { query: { name: 'aksk-a' } });
      const tampered = await send({ ...prepared, url: prepared.url.replace('name=aksk-a', 'name=aksk-b') });
      assert.equal(tampered.status, 401);
      const added = await send({ ...prepared, url: `${prepared.url}&limit=1` });
      assert.equal(added.status, 401);
    });

    it('covers the path: a request sent to another path is refused', async () => {
      const prepared = await sign(key, 'GET', '/identity/v3/auth/projects');
      const r = await send({ ...prepared, url: prepared.url.replace('/auth/projects', '/projects') });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 401);
      assert.equal(r.body.error.title, 'Unauthorized');
      const job = await sign(key, 'GET', `/v1/{project_id}/jobs/${JOB_ID}`, { projectId: a.projectId });
      const moved = await send({ ...job, url: job.url.replace(JOB_ID, JOB_ID.replace('0123', '3210')) });
      assert.equal(moved.status, 401);
      assert.equal(moved.body.error.code, 'common.0401');
    });

    it('covers the body: a changed body is refused and changes nothing', async () => {
      const victim = await issueToken(server.url, a.userName, 'pw-' + a.userName, 'aksk-a');
      const prepared = await sign(key, 'DELETE', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': victim.token }, body: { reason: 'rotate' } });
      const tampered = await send({ ...prepared, body: JSON.stringify({ reason: 'rotatE' }) });
      assert.equal(tampered.status, 401);
      assert.equal((await call(server, 'GET', '/identity/v3/auth/projects', { token: victim.token })).status, 200, 'the token survives a refused request');
      // A JSON body may not opt out of hashing with UNSIGNED-PAYLOAD.
      const unsigned = await sign(key, 'DELETE', '/identity/v3/auth/tokens', {
        headers: { 'X-Subject-Token': victim.token, 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
        body: { reason: 'rotate' },
      });
      assert.match(unsigned.headers.Authorization, /x-sdk-content-sha256/);
      assert.equal((await send(unsigned)).status, 401);
      assert.equal((await call(server, 'GET', '/identity/v3/auth/projects', { token: victim.token })).status, 200);
      // The SDK itself marks requests of other content types UNSIGNED-PAYLOAD; bodiless, they pass.
      const octet = await sign(key, 'GET', '/identity/v3/auth/projects', { headers: { 'Content-Type': 'application/octet-stream' } });
      assert.equal(octet.headers['X-Sdk-Content-Sha256'], 'UNSIGNED-PAYLOAD');
      assert.equal((await send(octet)).status, 200);
      const forged = await sign(key, 'GET', '/identity/v3/auth/projects', { headers: { 'X-Sdk-Content-Sha256': 'ab'.repeat(32) } });
      assert.equal((await send(forged)).status, 401, 'a declared payload hash must be the body\'s');
      const genuine = await send(prepared);
      assert.equal(genuine.status, 204, genuine.text);
      assert.equal((await call(server, 'GET', '/identity/v3/auth/projects', { token: victim.token })).status, 401);
    });

    it('refuses UNSIGNED-PAYLOAD on any request with a body, whatever its Content-Type; a swapped body creates nothing', async () => {
      const volumes = async () => (await rowCounts(server.services.database.db, ['volumes'])).volumes;
      const before = await volumes();
      for (const type of ['text/plain', 'application/json', 'application/octet-stream', 'application/merge-patch+json', 'text/json']) {
        const prepared = await sign(key, 'POST', '/v3/{project_id}/volumes', {
          projectId: a.projectId,
          headers: { 'Content-Type': type, 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
          body: { volume: { size: 1, name: 'unsigned' } },
        });
        assert.match(prepared.headers.Authorization, /x-sdk-content-sha256/);
        const swapped = await send({ ...prepared, body: JSON.stringify({ volume: { size: 1, name: 'swapped' } }) });
        assert.ok(swapped.status === 401 || swapped.status === 415, `${type}: ${swapped.status} ${swapped.text}`);
        const asSigned = await send(prepared);
        assert.ok(asSigned.status === 401 || asSigned.status === 415, `${type}: ${asSigned.status} ${asSigned.text}`);
      }
      // A JSON body under UNSIGNED-PAYLOAD is an authentication failure, in the family's envelope.
      const json = await send(await sign(key, 'POST', '/v3/{project_id}/volumes', {
        projectId: a.projectId,
        headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
        body: { volume: { size: 1, name: 'unsigned' } },
      }));
      assert.equal(json.status, 401, json.text);
      assert.match(json.body.error.message, /UNSIGNED-PAYLOAD/);
      assert.equal(await volumes(), before);
    });

    it('accepts a signed mutating request once: a replay is refused, on this server and on another of the same database', async () => {
      const volumes = async () => (await rowCounts(server.services.database.db, ['volumes'])).volumes;
      const before = await volumes();
      const prepared = await sign(key, 'POST', '/v3/{project_id}/volumes', { projectId: a.projectId, body: { volume: { size: 1, name: 'once' } } });
      const first = await send(prepared);
      assert.equal(first.status, 202, first.text);
      const replay = await send(prepared);
      assert.equal(replay.status, 401, replay.text);
      assert.match(replay.body.error.message, /already used/);
      // The signature's hex in upper case is the same signature.
      const upper = await send({ ...prepared, headers: { ...prepared.headers, Authorization: prepared.headers.Authorization.replace(/Signature=(\w+)/, (_m, s: string) => `Signature=${s.toUpperCase()}`) } });
      assert.equal(upper.status, 401, upper.text);
      assert.equal(await volumes(), before + 1);

      // A second server process of the same database, behind the same name (the signed Host).
      const second = await startServer({ db, clock, databaseUrl: server.config.databaseUrl, dataDir: server.dataDir });
      try {
        const host = new URL(server.url).host;
        const viaSecond = (p: typeof prepared) => sendTo(second.url, host, p);
        const fresh = await sign(key, 'POST', '/v3/{project_id}/volumes', { projectId: a.projectId, body: { volume: { size: 1, name: 'twice' } } });
        const there = await viaSecond(fresh);
        assert.equal(there.status, 202, there.text);
        const back = await send(fresh);
        assert.equal(back.status, 401, back.text);
        const again = await viaSecond(prepared);
        assert.equal(again.status, 401, again.text);
        assert.equal(await volumes(), before + 2);
        // Reads are not consumed: a signed GET may be sent again within its window.
        const list = await sign(key, 'GET', '/v2/{project_id}/volumes', { projectId: a.projectId });
        assert.equal((await send(list)).status, 200);
        assert.equal((await viaSecond(list)).status, 200);
      } finally {
        await second.close();
      }

      // Used signatures are kept only while they could be valid.
      const used = async () => (await rowCounts(server.services.database.db, ['aksk_signatures'])).aksk_signatures;
      assert.ok((await used()) >= 2);
      const start = clock.now();
      try {
        clock.advance(16 * MINUTE);
        const later = await send(await sign(key, 'POST', '/v3/{project_id}/volumes', { projectId: a.projectId, body: { volume: { size: 1, name: 'later' } } }));
        assert.equal(later.status, 202, later.text);
        assert.equal(await used(), 1, 'expired signatures were pruned');
      } finally {
        clock.set(start);
      }
    });

    it('refuses a wrong secret key and an unknown access key', async () => {
      const wrong = await send(await sign({ access: key.access, secret: key.secret.slice(0, -1) + (key.secret.endsWith('A') ? 'B' : 'A') }, 'GET', '/identity/v3/auth/projects'));
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error.message, /signature does not match/);
      const unknown = await send(await sign({ access: 'NOSUCHACCESSKEY00000', secret: key.secret }, 'GET', '/identity/v3/auth/projects'));
      assert.equal(unknown.status, 401);
      assert.match(unknown.body.error.message, /access key is unknown/);
    });

    it('refuses signatures dated more than 15 minutes from the server clock, either way', async () => {
      const start = clock.now();
      try {
        const stale = await sign(key, 'GET', '/identity/v3/auth/projects', { date: new Date(start.getTime() - 16 * MINUTE) });
        assert.equal((await send(stale)).status, 401);
        const ahead = await sign(key, 'GET', '/identity/v3/auth/projects', { date: new Date(start.getTime() + 16 * MINUTE) });
        assert.equal((await send(ahead)).status, 401);
        const within = await sign(key, 'GET', '/identity/v3/auth/projects', { date: new Date(start.getTime() - 14 * MINUTE) });
        assert.equal((await send(within)).status, 200);
        // The same signed request, replayed once the server's clock has moved on.
        const signed = await sign(key, 'GET', '/identity/v3/auth/projects');
        assert.equal((await send(signed)).status, 200);
        clock.advance(16 * MINUTE);
        const replay = await send(signed);
        assert.equal(replay.status, 401);
        assert.match(replay.body.error.message, /15 minutes/);
        clock.set(new Date(start.getTime() - 16 * MINUTE));
        assert.equal((await send(signed)).status, 401);
      } finally {
        clock.set(start);
      }
    });

    it('refuses malformed Authorization, a missing signed header, an unsigned Host and a bad date', async () => {
      const prepared = await sign(key, 'GET', '/identity/v3/auth/projects', { headers: { 'X-Trace': 'abc' } });
      assert.equal((await send(prepared)).status, 200);
      const { 'X-Trace': _dropped, ...withoutTrace } = prepared.headers;
      const missing = await send({ ...prepared, headers: withoutTrace });
      assert.equal(missing.status, 401);
      assert.match(missing.body.error.message, /x-trace is missing/);
      const auth = prepared.headers.Authorization;
      const variants = [
        'SDK-HMAC-SHA256 garbage',
        auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=x-sdk-date;x-trace'),
        auth.replace(/Signature=\w+/, 'Signature=zz'),
        auth.replace(/, Signature=\w+/, ''),
        auth.replace('Access=', 'Access= '),
      ];
      for (const Authorization of variants) {
        const r = await send({ ...prepared, headers: { ...prepared.headers, Authorization } });
        assert.equal(r.status, 401, Authorization);
      }
      const noHost = await send({ ...prepared, headers: { ...prepared.headers, Authorization: variants[1] } });
      assert.match(noHost.body.error.message, /Host/);
      for (const date of ['2026-11-23T00:00:00Z', '20261323T000000Z', '']) {
        const r = await send({ ...prepared, headers: { ...prepared.headers, 'X-Sdk-Date': date } });
        assert.equal(r.status, 401, date);
      }
    });

    it('refuses the key of a user disabled by another process of the database, within the trust bound', async () => {
      // Written straight to the database, as another server process or the CLI would: this server learns it by reading again.
      const users = () => server.services.database.db.updateTable('users').where('name', '=', a.userName);
      assert.equal((await send(await sign(key, 'GET', '/identity/v3/auth/projects'))).status, 200);
      await users().set({ enabled: 0 }).execute();
      try {
        await sleep(TRUST_MS + 50);
        const r = await send(await sign(key, 'GET', '/identity/v3/auth/projects'));
        assert.equal(r.status, 401);
      } finally {
        await users().set({ enabled: 1 }).execute();
      }
      // A key refused is not remembered: enabled again, it signs at once.
      assert.equal((await send(await sign(key, 'GET', '/identity/v3/auth/projects'))).status, 200);
    });

    it('keeps a non-admin key in its project: X-Project-Id or a path of another project is 403', async () => {
      const other = await sign(key, 'GET', '/identity/v3/auth/projects', { projectId: b.projectId });
      const r = await send(other);
      assert.equal(r.status, 403, r.text);
      const path = await send(await sign(key, 'GET', `/v1/${b.projectId}/jobs/${JOB_ID}`));
      assert.equal(path.status, 403, path.text);
      assert.equal(path.body.error.code, 'common.0403');
      // An admin key may act in another project.
      const admin = await send(await sign(adminKey, 'GET', `/v1/{project_id}/jobs/${JOB_ID}`, { projectId: b.projectId }));
      assert.equal(admin.status, 404, admin.text);
      assert.equal(admin.body.error.code, 'common.0011');
    });

    it('accepts a key made by `vbs admin credential create`', async () => {
      const out = await runCli(['admin', 'credential', 'create', '--user', a.userName], {
        VBS_DATA_DIR: server.dataDir,
        VBS_DATABASE_URL: server.config.databaseUrl,
        VBS_LOG_LEVEL: 'silent',
      });
      assert.equal(out.code, 0, out.stderr);
      const access = /^AK: (\S+)$/m.exec(out.stdout)?.[1];
      const secret = /^SK: (\S+)$/m.exec(out.stdout)?.[1];
      assert.ok(access && secret, out.stdout);
      const r = await signedCall(server, { access, secret }, 'GET', { path: '/identity/v3/auth/projects', date: clock.now() });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.projects.map((p: { name: string }) => p.name), ['aksk-a']);
    });
  });
}
