import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { rowCounts } from '../support/db-counts.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

for (const db of DB_KINDS) {
  describe(`backup records: export, import and status resets (${db})`, () => {
    let server: TestServer;
    let m: Member;
    let backupId: string;
    let volumeSum: string;
    const admin = () => ({ token: server.adminToken, project: server.adminProjectId });
    const v3 = (project: string, rest: string) => `/v3/${project}/backups${rest}`;
    const statusOf = async (project: string, token: string, id: string) => (await call(server, 'GET', v3(project, `/${id}`), { token })).body.backup?.status as string | undefined;
    const settled = (project: string, token: string, id: string, wanted = ['available', 'error']) =>
      until(`backup ${id}`, async () => {
        const s = await statusOf(project, token, id);
        return s && wanted.includes(s) ? s : undefined;
      });
    const counts = () => rowCounts(server.services.database.db, ['backups', 'jobs']);
    const decode = (url: string) => JSON.parse(Buffer.from(url, 'base64').toString('utf8')) as Record<string, unknown>;
    const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
    const importRecord = (body: unknown, token = admin().token) => call(server, 'POST', v3(admin().project, '/import_record'), { token, body });

    before(async () => {
      server = await startServer({ db });
      server.services.runner.start();
      m = await projectWithUser(server, 'bk-records');
      const v = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size: 1, name: 'src', metadata: { role: 'db' } } } });
      const volumeId = v.body.volume.id as string;
      await until('volume', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${volumeId}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
      const fh = await fs.open(server.services.volumeDriver.path('volume', volumeId), 'r+');
      await fh.write(randomBytes(700_000), 0, 700_000, 5 * 1024 * 1024);
      await fh.close();
      volumeSum = await sha256(server.services.volumeDriver.path('volume', volumeId));
      const b = await call(server, 'POST', v3(m.projectId, ''), { token: m.token, body: { backup: { volume_id: volumeId, name: 'exported', description: 'd' } } });
      backupId = b.body.backup.id;
      assert.equal(await settled(m.projectId, m.token, backupId), 'available');
    });
    after(async () => server.close());

    it('exports an available backup for administrators only, as a versioned, checksummed record', async () => {
      assert.equal((await call(server, 'GET', v3(m.projectId, `/${backupId}/export_record`), { token: m.token })).status, 403);
      const r = await call(server, 'GET', v3(admin().project, `/${backupId}/export_record`), { token: admin().token });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body['backup-record'].backup_service, 'cinder.backup.drivers.vbs');
      const record = decode(r.body['backup-record'].backup_url);
      assert.equal(record.id, backupId);
      assert.equal(record.format, 'vbs-backup-record');
      assert.equal(record.version, 1);
      assert.match(String(record.checksum), /^[0-9a-f]{64}$/);
      assert.equal((await call(server, 'GET', v3(admin().project, `/${randomUUID()}/export_record`), { token: admin().token })).status, 404);
    });

    it('imports a record under a new id into the importing project, restorable with the same data, independent of the original', async () => {
      const exported = (await call(server, 'GET', v3(admin().project, `/${backupId}/export_record`), { token: admin().token })).body['backup-record'];
      const newId = randomUUID();
      const url = encode({ ...decode(exported.backup_url), id: newId });
      const r = await importRecord({ 'backup-record': { backup_service: exported.backup_service, backup_url: url } });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(Object.keys(r.body.backup).sort(), ['id', 'links', 'name']);
      assert.equal(r.body.backup.id, newId);
      assert.equal(r.body.backup.name, 'exported');
      assert.equal(await settled(admin().project, admin().token, newId), 'available');
      const listed = await call(server, 'GET', v3(admin().project, ''), { token: admin().token });
      assert.ok(listed.body.backups.some((b: { id: string }) => b.id === newId));
      const again = await importRecord({ 'backup-record': { backup_service: exported.backup_service, backup_url: url } });
      assert.equal(again.status, 400, 'the id exists now');
      assert.match(again.body.badRequest.message, /already exists/);

      // The original goes; the imported backup keeps its own copy of the data.
      assert.equal((await call(server, 'DELETE', v3(m.projectId, `/${backupId}`), { token: m.token })).status, 202);
      await until('original deleted', async () => ((await call(server, 'GET', v3(m.projectId, `/${backupId}`), { token: m.token })).status === 404 ? true : undefined));
      const restore = await call(server, 'POST', v3(admin().project, `/${newId}/restore`), { token: admin().token, body: { restore: { name: 'from-import' } } });
      assert.equal(restore.status, 202, restore.text);
      const volumeId = restore.body.restore.volume_id as string;
      const restored = await until('restored', async () => {
        const v = (await call(server, 'GET', `/v3/${admin().project}/volumes/${volumeId}`, { token: admin().token })).body.volume;
        return v.status === 'available' || v.status === 'error_restoring' ? v : undefined;
      });
      assert.equal(restored.status, 'available');
      assert.deepEqual(restored.metadata, { role: 'db' });
      assert.equal(await sha256(server.services.volumeDriver.path('volume', volumeId)), volumeSum);

      // Its data was the original's, which is gone from the store now: that record imports no more.
      const stale = await importRecord({ 'backup-record': { backup_service: exported.backup_service, backup_url: encode({ ...decode(exported.backup_url), id: randomUUID() }) } });
      assert.equal(stale.status, 400);
      assert.match(stale.body.badRequest.message, /not in the block store/);
    });

    it('refuses records altered, of another service, malformed or from members, creating nothing', async () => {
      const v = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size: 1 } } });
      await until('volume', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${v.body.volume.id}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
      const b = await call(server, 'POST', v3(m.projectId, ''), { token: m.token, body: { backup: { volume_id: v.body.volume.id } } });
      await settled(m.projectId, m.token, b.body.backup.id);
      const exported = (await call(server, 'GET', v3(admin().project, `/${b.body.backup.id}/export_record`), { token: admin().token })).body['backup-record'];
      const record = decode(exported.backup_url);
      const before = await counts();
      const withId = (o: Record<string, unknown>) => encode({ ...o, id: randomUUID() });
      const bodies: Array<[string, unknown, number]> = [
        ['altered size', { 'backup-record': { backup_service: exported.backup_service, backup_url: withId({ ...record, record: { ...(record.record as object), size: 99 } }) } }, 400],
        ['other version', { 'backup-record': { backup_service: exported.backup_service, backup_url: withId({ ...record, version: 2 }) } }, 400],
        ['no id', { 'backup-record': { backup_service: exported.backup_service, backup_url: encode({ ...record, id: undefined }) } }, 400],
        ['not base64 JSON', { 'backup-record': { backup_service: exported.backup_service, backup_url: 'bm90IGpzb24=' } }, 400],
        ['other service', { 'backup-record': { backup_service: 'cinder.backup.drivers.swift', backup_url: withId(record) } }, 400],
        ['missing url', { 'backup-record': { backup_service: exported.backup_service } }, 400],
        ['unknown field', { 'backup-record': { backup_service: exported.backup_service, backup_url: withId(record), extra: 1 } }, 400],
      ];
      for (const [what, body, status] of bodies) {
        const r = await importRecord(body);
        assert.equal(r.status, status, `${what}: ${r.text}`);
      }
      assert.equal((await importRecord({ 'backup-record': { backup_service: exported.backup_service, backup_url: withId(record) } }, m.token)).status, 403);
      assert.deepEqual(await counts(), before);
    });

    it("resets another project's backup to error and back to available (administrators), and exports only available ones", async () => {
      const v = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size: 1 } } });
      await until('volume', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${v.body.volume.id}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
      const b = await call(server, 'POST', v3(m.projectId, ''), { token: m.token, body: { backup: { volume_id: v.body.volume.id } } });
      const id = b.body.backup.id as string;
      await settled(m.projectId, m.token, id);
      const act = (body: unknown, token = admin().token, project = admin().project) => call(server, 'POST', v3(project, `/${id}/action`), { token, body });
      assert.equal((await act({ 'os-reset_status': { status: 'error' } }, m.token, m.projectId)).status, 403);
      assert.equal((await act({ 'os-reset_status': { status: 'restoring' } })).status, 400);
      assert.equal((await act({ 'os-reset_status': { status: 'Error' } })).status, 202);
      assert.equal(await statusOf(m.projectId, m.token, id), 'error');
      const exported = await call(server, 'GET', v3(admin().project, `/${id}/export_record`), { token: admin().token });
      assert.equal(exported.status, 400);
      assert.match(exported.body.badRequest.message, /must be available/);
      assert.equal((await act({ 'os-reset_status': { status: 'available' } })).status, 202);
      assert.equal(await statusOf(m.projectId, m.token, id), 'available');

      // A backup whose data never reached the store is not made available.
      await server.services.backups.moveBackup(id, 'available', 'error');
      const key = `manifests/${m.projectId}/${v.body.volume.id}/${id}`;
      await server.services.store.delete(key);
      assert.equal((await act({ 'os-reset_status': { status: 'available' } })).status, 400);
      assert.equal(await statusOf(m.projectId, m.token, id), 'error');
      assert.equal((await act({ 'os-force_delete': {} })).status, 202);
      await until('force-deleted', async () => ((await call(server, 'GET', v3(m.projectId, `/${id}`), { token: m.token })).status === 404 ? true : undefined));
    });
  });
}
