import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rowCounts } from '../support/db-counts.js';
import { DB_KINDS, call, projectWithUser, startServer, type Reply, type TestServer } from '../support/server.js';

const TABLES = ['projects', 'users', 'tokens', 'volumes', 'backups', 'jobs', 'backup_policies', 'backup_shares'] as const;

type Family = 'identity' | 'cinder' | 'vbs' | 'autobackup';

/** The error's status, and its code in the family's envelope (Cinder and identity carry the status). */
function refusal(r: Reply, family: Family, status: number, code?: string): void {
  assert.equal(r.status, status, r.text);
  switch (family) {
    case 'cinder': {
      const fault = status === 415 ? 'badMediaType' : 'badRequest';
      assert.deepEqual(Object.keys(r.body), [fault], r.text);
      assert.equal(r.body[fault].code, status);
      assert.equal(typeof r.body[fault].message, 'string');
      return;
    }
    case 'identity':
      assert.deepEqual(Object.keys(r.body), ['error'], r.text);
      assert.equal(r.body.error.code, status);
      assert.equal(r.body.error.title, status === 415 ? 'Unsupported Media Type' : 'Bad Request');
      return;
    default:
      assert.deepEqual(Object.keys(r.body), ['error'], r.text);
      assert.equal(r.body.error.code, code, r.text);
      assert.equal(typeof r.body.error.message, 'string');
  }
}

for (const db of DB_KINDS) {
  describe(`request bodies: JSON only, well-formed Unicode only (${db})`, () => {
    let server: TestServer;
    let m: Awaited<ReturnType<typeof projectWithUser>>;
    let counts: () => Promise<Record<string, number>>;
    /** A request with exactly these body bytes and Content-Type (none when undefined). */
    const raw = async (method: string, path: string, body: Buffer | string | undefined, contentType?: string): Promise<Reply> => {
      const headers: Record<string, string> = { 'x-auth-token': m.token };
      if (contentType !== undefined) headers['content-type'] = contentType;
      const res = await fetch(server.url + path, { method, headers, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    };

    /** One JSON route of each family and a body it would accept. */
    const routes = (): Array<[Family, string, string, unknown, string | undefined]> => [
      ['cinder', 'POST', `/v3/${m.projectId}/volumes`, { volume: { size: 1, name: 'typed', description: 'd' } }, undefined],
      ['vbs', 'POST', `/v2/${m.projectId}/cloudbackups`, { backup: { volume_id: randomUUID(), name: 'typed', description: 'd' } }, 'VolumeBackup.0002'],
      ['autobackup', 'POST', `/v2/${m.projectId}/backuppolicy`, { backup_policy_name: 'typed', scheduled_policy: { start_time: '12:00', frequency: 1, rentention_num: 2, remain_first_backup_of_curMonth: 'N', status: 'ON' } }, 'AutoBackup.0008'],
      ['vbs', 'POST', `/v2/${m.projectId}/os-vendor-backup-sharing`, { shared: { backup_id: randomUUID(), to_project_ids: [server.adminProjectId] } }, 'VolumeBackup.0002'],
      ['identity', 'POST', '/identity/v3/projects', { project: { name: 'typed-project' } }, undefined],
    ];

    before(async () => {
      server = await startServer({ db });
      m = await projectWithUser(server, 'bodies', 'member');
      counts = () => rowCounts(server.services.database.db, [...TABLES]);
    });
    after(async () => server.close());

    it('refuses a body of any type but JSON with 415 in each family, before any handler runs', async () => {
      const before = await counts();
      const types = ['text/plain', 'text/plain; charset=utf-8', 'application/xml', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream'];
      for (const [family, method, path, body, code] of routes()) {
        for (const type of types) {
          const r = await raw(method, path, JSON.stringify(body), type);
          refusal(r, family, 415, code);
          const message = family === 'cinder' ? r.body.badMediaType.message : r.body.error.message;
          assert.match(message, /application\/json/, message);
        }
      }
      // The token route itself, unauthenticated, too.
      const token = await fetch(`${server.url}/identity/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'admin-secret' } } } } }) });
      assert.equal(token.status, 415);
      assert.equal(token.headers.get('x-subject-token'), null);
      assert.deepEqual(await counts(), before, 'nothing written');
    });

    it('takes JSON with a charset and the Content-Types OpenStack clients send; bodiless requests need no JSON type', async () => {
      const created = await raw('POST', `/v3/${m.projectId}/volumes`, JSON.stringify({ volume: { size: 1, name: 'charset' } }), 'application/json; charset=utf-8');
      assert.equal(created.status, 202, created.text);
      const upper = await raw('POST', `/v3/${m.projectId}/volumes`, JSON.stringify({ volume: { size: 1, name: 'upper' } }), 'Application/JSON; Charset=UTF-8');
      assert.equal(upper.status, 202, upper.text);
      // No body to read: whatever the Content-Type (or none), the route answers for itself.
      const missing = randomUUID();
      for (const type of [undefined, 'text/plain', 'application/json', 'application/octet-stream']) {
        const del = await raw('POST', `/v2/${m.projectId}/cloudbackups/${missing}`, undefined, type);
        assert.equal(del.status, 404, `${type}: ${del.text}`);
        assert.equal(del.body.error.code, 'VolumeBackup.0111');
        const cinderDel = await raw('DELETE', `/v3/${m.projectId}/backups/${missing}`, undefined, type);
        assert.equal(cinderDel.status, 404, `${type}: ${cinderDel.text}`);
        const list = await raw('GET', `/v3/${m.projectId}/volumes`, undefined, type);
        assert.equal(list.status, 200, `${type}: ${list.text}`);
      }
    });

    it('refuses lone surrogates and invalid UTF-8 with 400 and the family\'s code, in values and in keys', async () => {
      const before = await counts();
      const invalidBytes = (json: string) => Buffer.concat(json.split('@BAD@').flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from([0xc3, 0x28]), Buffer.from(part)])));
      for (const [family, method, path, body, code] of routes()) {
        // Each body holds a string starting "typed, or the admin project's id: the text to spoil.
        const plain = JSON.stringify(body);
        const text = plain.includes('"typed') ? plain : plain.replace(`"${server.adminProjectId}`, '"typed');
        assert.ok(text.includes('"typed'), text);
        const invalidCode = family === 'autobackup' ? 'AutoBackup.0221' : code;
        const variants: Array<[string, Buffer | string]> = [
          ['a lone high surrogate in a value', text.replace('"typed', '"ty\\ud800ped')],
          ['a lone low surrogate in a value', text.replace('"typed', '"\\udc00typed')],
          ['a lone surrogate in a key', text.replace('{', '{"k\\ud83d":1,')],
          ['invalid UTF-8 in a value', invalidBytes(text.replace('"typed', '"ty@BAD@ped'))],
          ['an overlong UTF-8 encoding', Buffer.concat([Buffer.from(text.slice(0, -2)), Buffer.from(',"x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}}')])],
        ];
        for (const [what, payload] of variants) {
          const r = await raw(method, path, payload, 'application/json');
          refusal(r, family, 400, invalidCode);
          const message = family === 'cinder' ? r.body.badRequest.message : r.body.error.message;
          assert.match(message, /Unicode|UTF-8/, `${what}: ${message}`);
        }
      }
      // Cinder's description, as the review found it: not stored, not replaced.
      const r = await raw('POST', `/v3/${m.projectId}/volumes`, '{"volume": {"size": 1, "description": "\\ud800"}}', 'application/json');
      refusal(r, 'cinder', 400);
      assert.deepEqual(await counts(), before, 'nothing written');
      // A well-formed pair and other characters outside the BMP are fine.
      const ok = await raw('POST', `/v3/${m.projectId}/volumes`, '{"volume": {"size": 1, "name": "\\ud83d\\ude00 disk ü 😀"}}', 'application/json');
      assert.equal(ok.status, 202, ok.text);
      assert.equal(ok.body.volume.name, '😀 disk ü 😀');
      const shown = await call(server, 'GET', `/v3/${m.projectId}/volumes/${ok.body.volume.id}`, { token: m.token });
      assert.equal(shown.body.volume.name, '😀 disk ü 😀');
    });
  });
}
