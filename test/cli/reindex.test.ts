import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { until } from '../support/wait.js';
import { runCli } from '../support/cli.js';

for (const db of DB_KINDS) {
  describe(`vbs admin reindex (${db})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ db });
      server.services.runner.start();
    });
    after(async () => server.close());

    it('rebuilds lost backup records from the store, with their names, and marks records without a manifest', async () => {
      const m = await projectWithUser(server, 'reindex-proj');
      const v = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size: 1, name: 'src', bootable: true } } });
      const volumeId = v.body.volume.id as string;
      await until('the volume', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${volumeId}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
      const c = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: volumeId, name: 'kept_name', description: 'kept' } } });
      const backupId = await until('the backup job', async () => {
        const j = (await call(server, 'GET', `/v1/${m.projectId}/jobs/${c.body.job_id}`, { token: m.token })).body;
        return j.status === 'SUCCESS' ? (j.entities.backup_id as string) : undefined;
      });
      const before = (await call(server, 'GET', `/v2/${m.projectId}/backups/${backupId}`, { token: m.token })).body.backup;

      // The catalogue loses the record; a record whose data never reached the store stays behind.
      const { db: kdb } = server.services.database;
      const lost = (await server.services.backups.get(backupId))!;
      await kdb.deleteFrom('backups').where('id', '=', backupId).execute();
      const ghost = { ...lost, id: randomUUID(), name: 'never_stored' };
      await server.services.backups.insert(ghost);
      assert.equal((await call(server, 'GET', `/v2/${m.projectId}/backups/${backupId}`, { token: m.token })).status, 404);

      const env = { VBS_DATA_DIR: server.dataDir, ...(server.config.databaseUrl ? { VBS_DATABASE_URL: server.config.databaseUrl } : {}) };
      const r = await runCli(['admin', 'reindex'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /1 backups restored to the catalogue, 1 without a manifest marked error/);

      const after = (await call(server, 'GET', `/v2/${m.projectId}/backups/${backupId}`, { token: m.token })).body.backup;
      assert.equal(after.status, 'available');
      assert.equal(after.name, 'kept_name');
      assert.equal(after.description, 'kept');
      assert.equal(after.volume_id, volumeId);
      assert.equal(after.size, before.size);
      assert.equal(after.created_at, before.created_at);
      const ghostNow = (await call(server, 'GET', `/v2/${m.projectId}/backups/${ghost.id}`, { token: m.token })).body.backup;
      assert.equal(ghostNow.status, 'error');
      assert.match(ghostNow.fail_reason, /manifest is missing/);

      // A second run finds nothing to do.
      const again = await runCli(['admin', 'reindex'], env);
      assert.match(again.stdout, /0 backups restored to the catalogue, 0 without a manifest marked error/);
    });
  });
}
