import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { StoreUnavailableError } from '../../src/stores/block-store.js';
import { renderError, toApiError } from '../../src/http/errors.js';
import type { Family } from '../../src/http/families.js';
import { DB_KINDS, call, startServer, tempDir, type TestServer } from '../support/server.js';
import { backupRecord } from '../support/services.js';
import { until } from '../support/wait.js';

const V39 = { 'OpenStack-API-Version': 'volume 3.9' };

/** The checks /readyz names as failing, once it answers 503. */
async function failingChecks(server: TestServer): Promise<string[]> {
  const r = await call(server, 'GET', '/readyz');
  assert.equal(r.status, 503, r.text);
  assert.equal(r.body.status, 'unavailable');
  assert.deepEqual(r.body.failing, Object.keys(r.body.checks).filter((k) => r.body.checks[k].status === 'fail'));
  for (const name of r.body.failing) assert.ok(r.body.checks[name].message.length > 0, `check ${name} says why`);
  return r.body.failing;
}

async function ready(server: TestServer): Promise<void> {
  const r = await call(server, 'GET', '/readyz');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'ok');
  assert.deepEqual(r.body.failing, []);
  assert.deepEqual(Object.keys(r.body.checks).sort(), ['database', 'disk', 'store', 'workers']);
}

for (const db of DB_KINDS) {
  describe(`readiness (${db})`, () => {
    it('/readyz is 200 while every check passes and 503 naming the workers once they stop; /healthz stays 200', async () => {
      const server = await startServer({ db });
      try {
        const before = await call(server, 'GET', '/readyz');
        assert.equal(before.status, 503, 'the job workers are not started yet');
        assert.deepEqual(before.body.failing, ['workers']);
        server.services.runner.start();
        await ready(server);
        await server.services.runner.stop();
        assert.deepEqual(await failingChecks(server), ['workers']);
        assert.equal((await call(server, 'GET', '/healthz')).status, 200, 'liveness is not readiness');
      } finally {
        await server.close();
      }
    });
  });
}

/**
 * A small file system of its own, filled for real, where the machine lets the test mount one
 * (root, not in a restricted container); else the store answers ENOSPC and no free space.
 */
function smallFileSystem(t: TestContext): { dir: string; real: boolean; unmount(): void } {
  const dir = tempDir('vbs-full-disk-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' });
    t.diagnostic(`full disk: a real 64 MiB tmpfs at ${dir}, filled`);
    return { dir, real: true, unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }) };
  } catch (err) {
    t.diagnostic(`full disk: mounting a tmpfs is not permitted here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}); the store injects ENOSPC instead`);
    return { dir, real: false, unmount: () => undefined };
  }
}

/** Writes zeros into `file` until the file system has no room left. */
function fill(file: string): void {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

for (const db of DB_KINDS) {
  describe(`a full data disk (${db})`, () => {
    it('makes /readyz 503 naming the check, a write 503 in the family envelope that changes nothing, /healthz 200; freed, all is well again', { timeout: 120_000 }, async (t) => {
      const disk = smallFileSystem(t);
      let server: TestServer | undefined;
      const filler = path.join(disk.dir, 'filler');
      try {
        // As `vbs serve` makes it before it starts.
        fs.mkdirSync(path.join(disk.dir, 'data'));
        server = await startServer({ db, dataDir: path.join(disk.dir, 'data'), env: { VBS_READY_MIN_FREE_MB: '8' } });
        server.services.runner.start();
        const projectId = server.adminProjectId;
        const token = server.adminToken;
        const backup = backupRecord(projectId, { name: 'before-full' });
        await server.services.backups.insert(backup);
        await ready(server);

        const store = server.services.store;
        const put = store.put.bind(store);
        const freeBytes = store.freeBytes?.bind(store);
        if (disk.real) fill(filler);
        else {
          store.put = async (key) => {
            throw new StoreUnavailableError(`${store.description}: no space left on the device (ENOSPC) while writing ${key}`, { code: 'ENOSPC' });
          };
          store.freeBytes = async () => 0;
        }

        const failing = await failingChecks(server);
        assert.ok(failing.includes('store'), `the store is not writable: ${failing.join(', ')}`);
        if (disk.real) assert.ok(failing.includes('disk'), `the data dir's file system is full: ${failing.join(', ')}`);
        const report = (await call(server, 'GET', '/readyz')).body;
        assert.match(report.checks.store.message, /space/i);

        const rename = await call(server, 'PUT', `/v3/${projectId}/backups/${backup.id}`, { token, headers: V39, body: { backup: { name: 'during-full' } } });
        assert.equal(rename.status, 503, rename.text);
        assert.deepEqual(Object.keys(rename.body), ['serviceUnavailable']);
        assert.equal(rename.body.serviceUnavailable.code, 503);
        assert.match(rename.body.serviceUnavailable.message, /no space left/i);
        const shown = await call(server, 'GET', `/v3/${projectId}/backups/${backup.id}`, { token });
        assert.equal(shown.status, 200, shown.text);
        assert.equal(shown.body.backup.name, 'before-full', 'the refused write changed nothing');
        assert.equal((await call(server, 'GET', '/healthz')).status, 200, 'the process is alive');

        if (disk.real) fs.rmSync(filler);
        else {
          store.put = put;
          store.freeBytes = freeBytes;
        }
        await until('/readyz to answer 200 again', async () => (await call(server!, 'GET', '/readyz')).status === 200 || undefined, 10_000);
        const renamed = await call(server, 'PUT', `/v3/${projectId}/backups/${backup.id}`, { token, headers: V39, body: { backup: { name: 'after-full' } } });
        assert.equal(renamed.status, 200, renamed.text);
        assert.equal((await call(server, 'GET', `/v3/${projectId}/backups/${backup.id}`, { token })).body.backup.name, 'after-full');
      } finally {
        fs.rmSync(filler, { force: true });
        await server?.close();
        disk.unmount();
      }
    });
  });
}

describe('out of space, in every family', () => {
  const causes: Array<[string, Error]> = [
    ['SQLite', new SQLite.SqliteError('database or disk is full', 'SQLITE_FULL')],
    ['a file write', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 })],
    ['PostgreSQL', Object.assign(new Error('could not extend file "base/16384/16385": No space left on device'), { code: '53100', severity: 'ERROR' })],
    ['the block store', new StoreUnavailableError('fs:/data/store: no space left on the device (ENOSPC) while writing packs/x', { code: 'ENOSPC' })],
  ];
  const envelopes: Record<Family, (body: any) => { code: unknown; message: string }> = { // eslint-disable-line @typescript-eslint/no-explicit-any -- each family's JSON envelope
    cinder: (b) => b.serviceUnavailable,
    vbs: (b) => b.error,
    autobackup: (b) => b.error,
    cbr: (b) => ({ code: b.error_code, message: b.error_msg }),
    identity: (b) => b.error,
    plain: (b) => b.error,
  };
  for (const [what, err] of causes) {
    it(`${what} out of space is 503 with a clear message in each family's envelope`, () => {
      for (const family of Object.keys(envelopes) as Family[]) {
        const { status, body } = renderError(family, toApiError(err, family));
        assert.equal(status, 503, `${family}: ${JSON.stringify(body)}`);
        const e = envelopes[family](body);
        assert.ok(e, `${family}: ${JSON.stringify(body)}`);
        assert.match(e.message, /no space left/i, `${family}: ${e.message}`);
        assert.ok(family === 'cinder' || family === 'identity' || family === 'plain' ? e.code === 503 : e.code === 'common.0503', `${family}: ${JSON.stringify(body)}`);
      }
    });
  }
});
