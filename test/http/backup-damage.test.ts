/**
 * A damaged store through the APIs: a restore that meets a block whose bytes changed in the
 * store fails its job with a reason naming the backup and the block, leaves the volume in
 * error_restoring, keeps the backup available, and never reports wrong data as restored.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;
const MiB = 1024 * 1024;

for (const db of DB_KINDS) {
  describe(`restores from a damaged store (${db})`, () => {
    let server: TestServer;
    let m: Member;
    before(async () => {
      server = await startServer({ db });
      server.services.runner.start();
      m = await projectWithUser(server, 'bk-damage');
    });
    after(async () => server.close());

    const volumeStatus = async (id: string) => (await call(server, 'GET', `/v3/${m.projectId}/volumes/${id}`, { token: m.token })).body.volume.status as string;
    const job = (jobId: string) =>
      until(`job ${jobId}`, async () => {
        const r = await call(server, 'GET', `/v1/${m.projectId}/jobs/${jobId}`, { token: m.token });
        return r.body.status === 'SUCCESS' || r.body.status === 'FAIL' ? r.body : undefined;
      });
    const newVolume = async (name: string) => {
      const r = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size: 1, name } } });
      assert.equal(r.status, 202, r.text);
      await until('volume available', async () => ((await volumeStatus(r.body.volume.id)) === 'available' ? true : undefined));
      return r.body.volume.id as string;
    };

    it('fails the restore with the backup and the block named, the volume in error_restoring and the backup still available', async () => {
      const source = await newVolume('damaged-src');
      const image = server.services.volumeDriver.path('volume', source);
      const fh = await fs.open(image, 'r+');
      await fh.write(randomBytes(2 * MiB), 0, 2 * MiB, 100 * MiB);
      await fh.close();
      const created = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: source, name: 'to_damage' } } });
      const done = await job(created.body.job_id);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
      const backupId = done.entities.backup_id as string;

      // One flipped byte in the first stored block of every pack of the project.
      const store = server.services.store;
      let packs = 0;
      for await (const o of store.list(`packs/${m.projectId}/`)) {
        const data = await store.get(o.key);
        data[10] ^= 0xff;
        await store.put(o.key, data);
        packs++;
      }
      assert.ok(packs > 0);

      const target = await newVolume('damaged-target');
      const restore = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups/${backupId}/restore`, { token: m.token, body: { restore: { volume_id: target } } });
      assert.equal(restore.status, 200, restore.text);
      const failed = await job(restore.body.job_id);
      assert.equal(failed.status, 'FAIL');
      assert.equal(failed.job_type, 'bksRestoreBackup');
      assert.equal(failed.error_code, 'VolumeBackup.0200');
      assert.match(failed.fail_reason, new RegExp(backupId));
      assert.match(failed.fail_reason, /block [0-9a-f]{64} .*does not match its BLAKE3 digest|block [0-9a-f]{64} .*cannot be decompressed/);
      assert.equal(await volumeStatus(target), 'error_restoring');
      const backup = (await call(server, 'GET', `/v3/${m.projectId}/backups/${backupId}`, { token: m.token })).body.backup;
      assert.equal(backup.status, 'available');

      // Into a new volume (Cinder): the same refusal, and no volume claims the restored data.
      const cinder = await call(server, 'POST', `/v3/${m.projectId}/backups/${backupId}/restore`, { token: m.token, body: { restore: { name: 'damaged-new' } } });
      assert.equal(cinder.status, 202, cinder.text);
      const fresh = cinder.body.restore.volume_id as string;
      const status = await until('the new volume to settle', async () => {
        const s = await volumeStatus(fresh);
        return s === 'restoring-backup' ? undefined : s;
      });
      assert.equal(status, 'error_restoring');
    });

    it('deletes a backup when the reclaim of space after it cannot run, and says so on the job', async () => {
      const source = await newVolume('gc-blocked');
      const backupOf = async (name: string) => {
        const created = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: source, name } } });
        assert.equal(created.status, 200, created.text);
        const done = await job(created.body.job_id);
        assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
        return done.entities.backup_id as string;
      };
      const damaged = await backupOf('manifest_damaged');
      const victim = await backupOf('to_delete');
      // A manifest gc cannot read stops gc (sweeping on partial knowledge could lose blocks).
      const store = server.services.store;
      for await (const o of store.list(`manifests/${m.projectId}/`)) if (o.key.endsWith(`/${damaged}`)) await store.put(o.key, Buffer.from('not a manifest'));

      const deleted = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups/${victim}`, { token: m.token });
      assert.equal(deleted.status, 200, deleted.text);
      const done = await job(deleted.body.job_id);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
      assert.match(done.entities.gc_deferred, new RegExp(`manifest .*${damaged}`));
      assert.equal((await call(server, 'GET', `/v3/${m.projectId}/backups/${victim}`, { token: m.token })).status, 404);
    });
  });
}
