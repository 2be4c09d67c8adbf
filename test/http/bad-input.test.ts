import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, startServer, type Reply, type TestServer } from '../support/server.js';
import { rowCounts } from '../support/db-counts.js';

const TABLES = ['domains', 'projects', 'users', 'role_assignments', 'tokens', 'credentials', 'volumes', 'snapshots', 'jobs', 'backups'] as const;
const OVER_LIMIT = '{"a":"' + 'x'.repeat(1024 * 1024) + '"}';

type Family = 'identity' | 'cinder' | 'vbs' | 'cbr' | 'plain';

/** Asserts the reply is an error of this status in the family's own envelope; returns its message. */
function envelope(r: Reply, family: Family, status: number, code?: string): string {
  assert.equal(r.status, status, r.text);
  assert.ok(r.body && typeof r.body === 'object', `a JSON body: ${r.text}`);
  assert.match(r.headers.get('x-openstack-request-id') ?? '', /^req-/);
  switch (family) {
    case 'identity':
    case 'plain':
      assert.deepEqual(Object.keys(r.body), ['error']);
      assert.equal(r.body.error.code, status);
      assert.equal(typeof r.body.error.title, 'string');
      return r.body.error.message;
    case 'cinder': {
      const faults: Record<number, string> = { 400: 'badRequest', 404: 'itemNotFound', 405: 'badMethod', 406: 'notAcceptable', 413: 'overLimit', 415: 'badMediaType' };
      if (status === 401) {
        assert.equal(r.body.error.code, 401);
        return r.body.error.message;
      }
      assert.deepEqual(Object.keys(r.body), [faults[status]]);
      assert.equal(r.body[faults[status]].code, status);
      return r.body[faults[status]].message;
    }
    case 'vbs':
      assert.deepEqual(Object.keys(r.body), ['error']);
      assert.equal(typeof r.body.error.code, 'string');
      if (code) assert.equal(r.body.error.code, code);
      return r.body.error.message;
    case 'cbr':
      assert.equal(typeof r.body.error_code, 'string');
      if (code) assert.equal(r.body.error_code, code);
      return r.body.error_msg;
  }
}

for (const db of DB_KINDS) {
  describe(`bad input (${db})`, () => {
    let server: TestServer;
    let pid: string;
    let token: string;
    let counts: Record<string, number>;
    const req = (method: string, path: string, options: Parameters<typeof call>[3] = {}) => call(server, method, path, { token, ...options });

    before(async () => {
      server = await startServer({ db });
      pid = server.adminProjectId;
      token = server.adminToken;
      counts = await rowCounts(server.services.database.db, [...TABLES]);
    });
    after(async () => {
      // Nothing any test here sent was written, whatever the family or the fault.
      assert.deepEqual(await rowCounts(server.services.database.db, [...TABLES]), counts);
      await server.close();
    });

    it('answers malformed JSON with 400 in each family', async () => {
      const bad = ['{"auth": ', '{"a":1,}', "{'a':1}", '{"a":1}}', 'nul', '\u0000'];
      for (const rawBody of bad) {
        envelope(await req('POST', '/identity/v3/auth/tokens', { rawBody }), 'identity', 400);
        envelope(await req('POST', `/v3/${pid}/backups`, { rawBody }), 'cinder', 400);
        envelope(await req('POST', `/v2/${pid}/cloudbackups`, { rawBody }), 'vbs', 400, 'VolumeBackup.0002');
      }
      const invalidUtf8 = await fetch(`${server.url}/identity/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
      assert.equal(invalidUtf8.status, 400);
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      envelope(await req('POST', '/identity/v3/auth/tokens', { rawBody: deep }), 'identity', 400);
    });

    it('answers bodies of the wrong type or shape with 400', async () => {
      const bodies: unknown[] = [
        null,
        [],
        'auth',
        { auth: 'password' },
        { auth: { identity: [] } },
        { auth: { identity: { methods: {} } } },
        { auth: { identity: { methods: [] } } },
        { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: { not: 'a string' } } } } } },
        { auth: { identity: { methods: ['password'], password: { user: 'admin' } } } },
        { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'x', domain: [] } } } } },
        { auth: { identity: { methods: ['kerberos'] } } },
      ];
      for (const body of bodies) {
        const r = await req('POST', '/identity/v3/auth/tokens', { rawBody: JSON.stringify(body) });
        envelope(r, 'identity', 400);
      }
      envelope(await req('POST', '/identity/v3/auth/tokens', { rawBody: 'auth=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 'identity', 415);
      envelope(await req('POST', `/v2/${pid}/cloudbackups`, { rawBody: '<backup/>', headers: { 'content-type': 'application/xml' } }), 'vbs', 415, 'VolumeBackup.0002');
    });

    it('answers bodies over 1 MiB with 413, sized or streamed', async () => {
      envelope(await req('POST', '/identity/v3/auth/tokens', { rawBody: OVER_LIMIT }), 'identity', 413);
      envelope(await req('POST', `/v3/${pid}/backups`, { rawBody: OVER_LIMIT }), 'cinder', 413);
      envelope(await req('POST', `/v2/${pid}/cloudbackups`, { rawBody: OVER_LIMIT }), 'vbs', 413, 'common.0413');
      // Chunked, with no Content-Length to refuse up front: the limit holds while reading.
      const chunks = [Buffer.from('{"a":"'), Buffer.alloc(600 * 1024, 0x78), Buffer.alloc(600 * 1024, 0x78), Buffer.from('"}')];
      const stream = new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
      const res = await fetch(`${server.url}/identity/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
      assert.equal(res.status, 413);
      const exactly = '{"a":"' + 'x'.repeat(1024 * 1024 - 8) + '"}';
      assert.equal(Buffer.byteLength(exactly), 1024 * 1024);
      envelope(await req('POST', '/identity/v3/auth/tokens', { rawBody: exactly }), 'identity', 400);
    });

    it('answers unknown routes with 404 in the family of their path', async () => {
      envelope(await req('GET', '/nothing/here'), 'plain', 404);
      envelope(await req('GET', '/identity/v3/nothing'), 'identity', 404);
      envelope(await req('GET', `/v3/${pid}/nothing`), 'cinder', 404);
      envelope(await req('GET', `/v2/${pid}/backups/a/b/c`), 'cinder', 404);
      envelope(await req('GET', `/v2/${pid}/cloudbackups/abc/def/ghi`), 'vbs', 404, 'common.0404');
      envelope(await req('DELETE', `/v2/${pid}/cloudbackups/abc/def/ghi`), 'vbs', 404, 'common.0404');
      envelope(await req('GET', `/cbr/v3/${pid}/nothing`), 'cbr', 404, 'common.0404');
      // Unknown routes say nothing of projects, so they answer alike without credentials.
      envelope(await call(server, 'GET', `/v2/${pid}/cloudbackups/abc/def/ghi`), 'vbs', 404, 'common.0404');
    });

    it('answers a wrong method with 405 and Allow', async () => {
      const cases: Array<[string, string, Family, string]> = [
        ['DELETE', '/identity/v3/auth/projects', 'identity', 'GET'],
        ['PUT', '/identity/v3/projects', 'identity', 'GET'],
        ['POST', `/v3/${pid}/backups/detail`, 'cinder', 'GET'],
        ['PATCH', `/v1/${pid}/jobs/0123456789abcdef0123456789abcdef`, 'vbs', 'GET'],
        ['POST', '/healthz', 'plain', 'GET'],
      ];
      for (const [method, path, family, allowed] of cases) {
        const r = await req(method, path, method === 'GET' ? {} : { body: {} });
        envelope(r, family, 405, family === 'vbs' ? 'common.0405' : undefined);
        const allow = (r.headers.get('allow') ?? '').split(/,\s*/);
        assert.ok(allow.includes(allowed), `${method} ${path}: Allow ${r.headers.get('allow')}`);
        assert.ok(!allow.includes(method), `${method} is not offered back`);
      }
    });

    it('answers ids that are not UUIDs with 404, and bad list parameters with 400', async () => {
      for (const id of ['not-a-uuid', '1', "x' or '1'='1", 'a'.repeat(200), '%E2%98%83']) {
        envelope(await req('GET', `/v3/${pid}/backups/${id}`), 'cinder', 404);
        envelope(await req('GET', `/v2/${pid}/backups/${id}`), 'cinder', 404);
        envelope(await req('GET', `/v3/${pid}/volumes/${id}`), 'cinder', 404);
        envelope(await req('GET', `/v1/${pid}/jobs/${id}`), 'vbs', 404, 'common.0011');
      }
      for (const q of ['limit=abc', 'limit=-1', 'limit=1.5', 'sort=%3Bdrop', 'sort_dir=sideways', 'marker=not-a-uuid']) {
        envelope(await req('GET', `/v3/${pid}/backups?${q}`), 'cinder', 400);
      }
      envelope(await req('GET', `/cbr/v3/${pid}/backups?limit=abc`), 'cbr', 400);
      envelope(await req('GET', `/v3/${pid}/backups`, { headers: { 'openstack-api-version': 'volume banana' } }), 'cinder', 400);
      envelope(await req('GET', `/v3/${pid}/backups`, { headers: { 'openstack-api-version': 'volume 3.99' } }), 'cinder', 406);
    });

    it('refuses bad volume requests in the Cinder envelope and creates nothing', async () => {
      const bodies: unknown[] = [
        {},
        { volume: 'x' },
        { volume: { size: 'abc' } },
        { volume: { size: -1 } },
        { volume: { size: 1.5 } },
        { volume: { size: 1e12 } },
        { volume: { size: 1, name: 5 } },
        { volume: { size: 1, metadata: 'x' } },
      ];
      for (const body of bodies) envelope(await req('POST', `/v3/${pid}/volumes`, { body }), 'cinder', 400);
      envelope(await req('POST', `/v2/${pid}/volumes`, { rawBody: '{"volume":' }), 'cinder', 400);
      envelope(await req('POST', `/v3/${pid}/volumes`, { rawBody: OVER_LIMIT }), 'cinder', 413);
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['PUT', '', { volume: { name: 'x' } }],
        ['DELETE', '', undefined],
        ['POST', '/action', { 'os-extend': { new_size: 2 } }],
      ] as const) {
        envelope(await req(method, `/v3/${pid}/volumes/not-a-uuid${suffix}`, body ? { body } : {}), 'cinder', 404);
      }
      const r = await req('PATCH', `/v3/${pid}/volumes`, { body: {} });
      envelope(r, 'cinder', 405);
      assert.deepEqual((r.headers.get('allow') ?? '').split(/,\s*/).sort(), ['GET', 'POST']);
    });

    it('answers undecodable paths with 400 in the family envelope', async () => {
      envelope(await req('GET', '/v3/%zz/backups'), 'cinder', 400);
      envelope(await req('GET', `/v2/${pid}/cloudbackups/%zz`), 'vbs', 400, 'common.0400');
      envelope(await req('GET', '/identity/v3/%E0%A4%A'), 'identity', 400);
    });

    it('answers bad credentials with 401 in the family envelope, before looking at anything else', async () => {
      envelope(await call(server, 'GET', `/v3/${pid}/backups`), 'cinder', 401);
      envelope(await call(server, 'GET', `/v3/${pid}/backups`, { token: 'vbs1_forged' }), 'cinder', 401);
      envelope(await call(server, 'GET', `/v1/${pid}/jobs/0123456789abcdef0123456789abcdef`, { token: 'garbage' }), 'vbs', 401, 'common.0401');
      envelope(await call(server, 'GET', '/identity/v3/auth/projects', { headers: { authorization: 'SDK-HMAC-SHA256 nonsense' } }), 'identity', 401);
    });
  });
}
