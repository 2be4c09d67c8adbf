import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MAX_MICROVERSION } from '../../src/http/microversion.js';
import { DB_KINDS, call, startServer, type TestServer } from '../support/server.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';

/** A logger at debug (where request lines are) whose JSON lines the test can read. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

for (const db of DB_KINDS) {
  describe(`operations endpoints (${db})`, () => {
    let server: TestServer;
    const log = capturingLogger();
    before(async () => {
      server = await startServer({ db, logger: log.logger });
    });
    after(async () => server.close());

    it('GET / answers 300 with the v2 and v3 version documents', async () => {
      const r = await call(server, 'GET', '/');
      assert.equal(r.status, 300);
      const byId = Object.fromEntries(r.body.versions.map((v: { id: string }) => [v.id, v]));
      assert.deepEqual(Object.keys(byId).sort(), ['v2.0', 'v3.0']);
      assert.equal(byId['v3.0'].status, 'CURRENT');
      assert.equal(byId['v3.0'].min_version, '3.0');
      assert.equal(byId['v3.0'].version, MAX_MICROVERSION);
      // The advertised maximum is the one the /v3 routes negotiate: "latest" gets it, one above it 406.
      const volumes = `/v3/${server.adminProjectId}/volumes`;
      const latest = await call(server, 'GET', volumes, { token: server.adminToken, headers: { 'OpenStack-API-Version': 'volume latest' } });
      assert.equal(latest.status, 200);
      assert.equal(latest.headers.get('openstack-api-version'), `volume ${byId['v3.0'].version}`);
      const [major, minor] = (byId['v3.0'].version as string).split('.').map(Number);
      const above = await call(server, 'GET', volumes, { token: server.adminToken, headers: { 'OpenStack-API-Version': `volume ${major}.${minor + 1}` } });
      assert.equal(above.status, 406, above.text);
      assert.equal(byId['v3.0'].links[0].href, `${server.url}/v3/`);
      assert.equal(byId['v2.0'].links[0].href, `${server.url}/v2/`);
      for (const v of r.body.versions) assert.ok(v['media-types'].length > 0);
    });

    it('/healthz reports the database it checked', async () => {
      const r = await call(server, 'GET', '/healthz');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { status: 'ok', database: db });
    });

    it('/metrics counts requests by route pattern and status, with a latency histogram that rises', async () => {
      const scrape = async () => {
        const r = await call(server, 'GET', '/metrics');
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
        assert.match(r.text, /^# TYPE vbs_http_requests_total counter$/m);
        assert.match(r.text, /^# TYPE vbs_http_request_duration_seconds histogram$/m);
        return parsePrometheus(r.text);
      };
      const route = '/identity/v3/projects/:id';
      const before = await scrape();
      const ok = (s: typeof before) => sampleValue(s, 'vbs_http_requests_total', { route, method: 'GET', status: '200' });
      const missing = (s: typeof before) => sampleValue(s, 'vbs_http_requests_total', { route, method: 'GET', status: '404' });
      const count = (s: typeof before) => sampleValue(s, 'vbs_http_request_duration_seconds_count', { route, method: 'GET' });
      for (let i = 0; i < 3; i++) assert.equal((await call(server, 'GET', `/identity/v3/projects/${server.adminProjectId}`, { token: server.adminToken })).status, 200);
      for (const id of ['a'.repeat(32), 'b'.repeat(32)]) assert.equal((await call(server, 'GET', `/identity/v3/projects/${id}`, { token: server.adminToken })).status, 404);
      await call(server, 'GET', '/no/such/thing-1');
      await call(server, 'GET', '/no/such/thing-2');
      const after = await scrape();
      assert.equal(ok(after) - ok(before), 3);
      assert.equal(missing(after) - missing(before), 2);
      assert.equal(count(after) - count(before), 5, 'every request observed once, whatever its status');
      const buckets = after
        .filter((s) => s.name === 'vbs_http_request_duration_seconds_bucket' && s.labels.route === route && s.labels.method === 'GET')
        .sort((x, y) => Number(x.labels.le === '+Inf' ? Infinity : x.labels.le) - Number(y.labels.le === '+Inf' ? Infinity : y.labels.le));
      assert.ok(buckets.length >= 5);
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'buckets are cumulative');
      assert.equal(buckets.at(-1)!.labels.le, '+Inf');
      assert.equal(buckets.at(-1)!.value, count(after));
      assert.ok(sampleValue(after, 'vbs_http_request_duration_seconds_sum', { route, method: 'GET' }) > 0);
      // Unknown paths share one series: ids in URLs never become labels.
      assert.ok(sampleValue(after, 'vbs_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }) >= 2);
      assert.ok(!after.some((s) => (s.labels.route ?? '').includes('thing') || (s.labels.route ?? '').includes(server.adminProjectId)));
    });

    it('puts a unique X-Openstack-Request-Id on every reply, and logs it with the request', async () => {
      const replies = [
        await call(server, 'GET', '/'),
        await call(server, 'GET', '/healthz'),
        await call(server, 'GET', '/identity/v3/auth/projects', { token: server.adminToken }),
        await call(server, 'GET', '/identity/v3/auth/projects'),
        await call(server, 'GET', '/nowhere'),
        await call(server, 'DELETE', '/healthz'),
        await call(server, 'POST', '/identity/v3/auth/tokens', { rawBody: '{"auth":' }),
        await call(server, 'POST', '/identity/v3/auth/tokens', { rawBody: 'x'.repeat(1024 * 1024 + 1) }),
      ];
      assert.deepEqual(replies.map((r) => r.status), [300, 200, 200, 401, 404, 405, 400, 413]);
      const ids = replies.map((r) => r.headers.get('x-openstack-request-id') ?? '');
      for (const id of ids) assert.match(id, /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(new Set(ids).size, ids.length);
      for (const [i, id] of ids.entries()) {
        const lines = log.lines.filter((l) => l.reqId === id);
        const done = lines.find((l) => l.msg === 'request completed');
        assert.ok(done, `a completion log line for ${id}`);
        assert.equal(done.status, replies[i].status);
        assert.equal(done.level, 20, 'request lines are at debug');
        assert.equal(typeof done.duration_ms, 'number');
      }
      // Tokens never reach the log.
      assert.ok(!log.lines.some((l) => JSON.stringify(l).includes(server.adminToken)));
    });

    it('/openapi.json is an OpenAPI 3 document listing the identity routes', async () => {
      const r = await call(server, 'GET', '/openapi.json');
      assert.equal(r.status, 200);
      const doc = r.body;
      const metricsType = (await call(server, 'GET', '/metrics')).headers.get('content-type') ?? '';
      assert.match(doc.openapi, /^3\.\d+\.\d+$/);
      assert.equal(typeof doc.info.title, 'string');
      assert.equal(typeof doc.info.version, 'string');
      assert.ok(doc.components.securitySchemes.token && doc.components.securitySchemes.aksk);
      const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
      const operationIds = new Set<string>();
      // The document is walked generically (any): its shape is exactly what these assertions check.
      for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
        assert.match(p, /^\//);
        assert.doesNotMatch(p, /\/:/, `path templates use {name}: ${p}`);
        const templated = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const [method, op] of Object.entries(item)) {
          if (method === 'parameters') continue;
          assert.ok(methods.has(method), `${p}: ${method} is an HTTP method`);
          assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${p} has responses`);
          for (const code of Object.keys(op.responses)) assert.match(code, /^([1-5](\d\d|XX)|default)$/);
          const pathParams = (op.parameters ?? []).filter((x: { in: string }) => x.in === 'path');
          for (const name of templated) {
            const declared = pathParams.find((x: { name: string }) => x.name === name);
            assert.ok(declared && declared.required === true, `${method} ${p} declares path parameter ${name}`);
          }
          if (op.operationId) {
            assert.ok(!operationIds.has(op.operationId), `operationId ${op.operationId} is unique`);
            operationIds.add(op.operationId);
          }
        }
      }
      // Every $ref points at something in the document.
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]);
      for (const ref of refs) {
        let node: any = doc;
        for (const part of ref.split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
        assert.ok(node !== undefined, `$ref #/${ref} resolves`);
      }
      for (const [p, m] of [
        ['/identity/v3/auth/tokens', 'post'],
        ['/identity/v3/auth/tokens', 'get'],
        ['/identity/v3/auth/tokens', 'delete'],
        ['/identity/v3/auth/projects', 'get'],
        ['/identity/v3/auth/catalog', 'get'],
        ['/identity/v3/projects', 'get'],
        ['/identity/v3/projects/{id}', 'get'],
      ]) {
        assert.ok(doc.paths[p]?.[m], `${m.toUpperCase()} ${p} is listed`);
      }
      assert.ok(doc.paths['/identity/v3/auth/tokens'].post.requestBody, 'the token request body is described');
      // Operational endpoints are documented apart from the API: tagged so, and open to anyone.
      for (const p of ['/healthz', '/metrics', '/openapi.json']) {
        assert.deepEqual(doc.paths[p]?.get?.tags, ['operations'], `${p} is an operational endpoint`);
        assert.deepEqual(doc.paths[p].get.security, [], `${p} needs no credentials`);
      }
      assert.ok(doc.paths['/metrics'].get.responses['200'].content[metricsType], `/metrics is documented as ${metricsType}`);
      assert.ok(doc.paths['/healthz'].get.responses['503'], '/healthz documents its 503');
    });
  });
}
