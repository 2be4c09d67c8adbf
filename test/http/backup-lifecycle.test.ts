import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { DB_KINDS, call, projectWithUser, startServer, type Reply, type TestServer } from '../support/server.js';
import { rowCounts } from '../support/db-counts.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

async function newVolume(server: TestServer, m: Member, size = 1, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size, name: 'disk', ...extra } } });
  assert.equal(r.status, 202, r.text);
  const id = r.body.volume.id as string;
  await until('volume available', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${id}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
  return id;
}

/** Writes a few MiB of random data at spread offsets, leaving most of the disk a hole. */
async function scribble(server: TestServer, volumeId: string, seed: number): Promise<void> {
  const fh = await fs.open(server.services.volumeDriver.path('volume', volumeId), 'r+');
  try {
    for (let i = 0; i < 4; i++) await fh.write(randomBytes(300_000 + seed), 0, 300_000 + seed, (i * 250 + seed) * 1024 * 1024 % (1024 ** 3 - 1_000_000));
  } finally {
    await fh.close();
  }
}

async function job(server: TestServer, m: Member, jobId: string) {
  return until(`job ${jobId}`, async () => {
    const r = await call(server, 'GET', `/v1/${m.projectId}/jobs/${jobId}`, { token: m.token });
    return r.body.status === 'SUCCESS' || r.body.status === 'FAIL' ? r.body : undefined;
  });
}

async function backupStatus(server: TestServer, m: Member, id: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON body, checked field by field
  return (await call(server, 'GET', `/v3/${m.projectId}/backups/${id}`, { token: m.token, headers: { 'OpenStack-API-Version': 'volume 3.43' } })).body.backup;
}

/** What a refused request must leave alone: the row counts, and the statuses of the volumes and backups it names. */
interface BackupState {
  rows: Record<string, number>;
  /** [id, status] of each volume named. */
  volumes: Array<[string, string]>;
  /** [id, status] of each backup named. */
  backups: Array<[string, string]>;
}

async function backupState(server: TestServer, m: Member, involved: { volumes?: string[]; backups?: string[] }): Promise<BackupState> {
  const volumeStatus = async (id: string) => (await call(server, 'GET', `/v3/${m.projectId}/volumes/${id}`, { token: m.token })).body.volume.status as string;
  return {
    rows: await rowCounts(server.services.database.db, ['backups', 'jobs', 'volumes']),
    volumes: await Promise.all((involved.volumes ?? []).map(async (id): Promise<[string, string]> => [id, await volumeStatus(id)])),
    backups: await Promise.all((involved.backups ?? []).map(async (id): Promise<[string, string]> => [id, (await backupStatus(server, m, id)).status as string])),
  };
}

/** Sends a request that must be refused with the VBS `code` and its HTTP status of the seed's table, changing nothing of `involved`. */
async function refusedVbs(
  server: TestServer,
  m: Member,
  path: string,
  body: unknown,
  code: string,
  involved: { volumes?: string[]; backups?: string[] },
  status = 400,
): Promise<Reply> {
  const before = await backupState(server, m, involved);
  const r = await call(server, 'POST', path, { token: m.token, body });
  assert.equal(r.status, status, `${code}: ${r.text}`);
  assert.equal(r.body.error.code, code, r.text);
  assert.deepEqual(await backupState(server, m, involved), before, `${code} changed nothing`);
  return r;
}

for (const db of DB_KINDS) {
  describe(`backups end to end (${db})`, () => {
    let server: TestServer;
    let m: Member;
    before(async () => {
      server = await startServer({ db });
      m = await projectWithUser(server, 'bk-life');
    });
    after(async () => server.close());

    it('backs up (full, then incremental), restores bit for bit into new and existing volumes, and deletes', async () => {
      const vol = await newVolume(server, m, 1, { metadata: { role: 'db' }, bootable: true });
      const volPath = server.services.volumeDriver.path('volume', vol);
      await scribble(server, vol, 1);
      const firstSum = await sha256(volPath);
      server.services.runner.start();

      const created = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: vol, name: 'nightly_1', description: 'first', tags: [{ key: 'k', value: 'v' }] } } });
      assert.equal(created.status, 200, created.text);
      assert.match(created.body.job_id, /^[0-9a-f]{32}$/);
      const j1 = await job(server, m, created.body.job_id);
      assert.equal(j1.status, 'SUCCESS', JSON.stringify(j1));
      assert.equal(j1.job_type, 'bksCreateBackup');
      const first = await backupStatus(server, m, j1.entities.backup_id);
      assert.equal(first.status, 'available');
      assert.equal(first.is_incremental, false);
      assert.equal(first.size, 1);
      assert.ok(first.object_count > 0);
      const meta1 = JSON.parse(first.service_metadata);
      assert.equal(meta1.Type, 0);
      assert.equal(meta1.progress, 100);
      assert.equal(meta1.bootable, true);
      // The engine's figures (src/engine/metadata.ts): AT MB/s over the whole volume, SS percent
      // saved against the volume's size, CS MB the backup references in the store.
      assert.equal(typeof meta1.AT, 'number');
      assert.ok(meta1.AT > 0, `AT ${meta1.AT}`);
      assert.equal(typeof meta1.SS, 'number');
      assert.equal(typeof meta1.CS, 'number');
      // About 1.2 MB of random data on a 1 GiB volume that is holes elsewhere: nearly all is saved.
      assert.ok(meta1.SS >= 99 && meta1.SS <= 100, `SS ${meta1.SS}`);
      assert.ok(meta1.CS >= 1 && meta1.CS <= 2, `CS ${meta1.CS}`);
      assert.equal(meta1.DL, 3);
      assert.equal(meta1.backupurl, first.id, 'the backup image id in the store');
      const vAfter = (await call(server, 'GET', `/v3/${m.projectId}/volumes/${vol}`, { token: m.token })).body.volume;
      assert.equal(vAfter.status, 'available');

      await scribble(server, vol, 2);
      const secondSum = await sha256(volPath);
      const c2 = await call(server, 'POST', `/v2/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: vol, name: 'second', incremental: true, container: 'my-container' } } });
      assert.equal(c2.status, 202, c2.text);
      const secondId = c2.body.backup.id as string;
      const second = await until('second available', async () => {
        const b = await backupStatus(server, m, secondId);
        return b.status === 'available' ? b : undefined;
      });
      assert.equal(second.is_incremental, true);
      assert.equal(second.container, 'my-container');
      const meta2 = JSON.parse(second.service_metadata);
      assert.equal(meta2.Type, 1);
      assert.equal(meta2.backupurl, secondId);
      // Every backup is its own whole chain: the second references the first's blocks and its own.
      assert.ok(meta2.CS > meta1.CS, `CS ${meta1.CS} then ${meta2.CS}`);

      // Restore the first backup into a new volume: same bytes, same metadata and bootable flag.
      const r1 = await call(server, 'POST', `/v3/${m.projectId}/backups/${first.id}/restore`, { token: m.token, body: { restore: { name: 'restored' } } });
      assert.equal(r1.status, 202, r1.text);
      assert.equal(r1.body.restore.backup_id, first.id);
      const restoredId = r1.body.restore.volume_id as string;
      const restored = await until('restored volume', async () => {
        const v = (await call(server, 'GET', `/v3/${m.projectId}/volumes/${restoredId}`, { token: m.token })).body.volume;
        return v.status === 'available' ? v : undefined;
      });
      assert.equal(restored.bootable, 'true');
      assert.equal(restored.metadata.role, 'db');
      assert.equal(await sha256(server.services.volumeDriver.path('volume', restoredId)), firstSum);

      // A volume made from the backup (3.47) keeps the metadata asked for, the source's besides.
      const made = await call(server, 'POST', `/v3/${m.projectId}/volumes`, {
        token: m.token,
        headers: { 'OpenStack-API-Version': 'volume 3.47' },
        body: { volume: { backup_id: first.id, name: 'made', metadata: { role: 'replica', site: 'b' } } },
      });
      assert.equal(made.status, 202, made.text);
      const madeVol = await until('volume from the backup', async () => {
        const v = (await call(server, 'GET', `/v3/${m.projectId}/volumes/${made.body.volume.id}`, { token: m.token })).body.volume;
        return v.status === 'available' ? v : undefined;
      });
      assert.deepEqual(madeVol.metadata, { role: 'replica', site: 'b' });
      assert.equal(await sha256(server.services.volumeDriver.path('volume', madeVol.id)), firstSum);

      // Restore the second over an existing volume through the VBS API: it takes the source's metadata.
      const target = await newVolume(server, m, 1, { metadata: { role: 'scratch', own: 'x' } });
      await scribble(server, target, 7);
      const r2 = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups/${secondId}/restore`, { token: m.token, body: { restore: { volume_id: target } } });
      assert.equal(r2.status, 200, r2.text);
      assert.equal((await job(server, m, r2.body.job_id)).status, 'SUCCESS');
      assert.equal(await sha256(server.services.volumeDriver.path('volume', target)), secondSum);
      assert.deepEqual((await call(server, 'GET', `/v3/${m.projectId}/volumes/${target}`, { token: m.token })).body.volume.metadata, { role: 'db', own: 'x' });

      // Delete the first; the second still restores on its own.
      const d1 = await call(server, 'DELETE', `/v2/${m.projectId}/backups/${first.id}`, { token: m.token });
      assert.equal(d1.status, 202);
      await until('first gone', async () => ((await call(server, 'GET', `/v2/${m.projectId}/backups/${first.id}`, { token: m.token })).status === 404 ? true : undefined));
      const r3 = await call(server, 'POST', `/v2/${m.projectId}/backups/${secondId}/restore`, { token: m.token, body: { restore: { volume_id: target } } });
      assert.equal(r3.status, 202, r3.text);
      await until('restore done', async () => ((await backupStatus(server, m, secondId)).status === 'available' ? true : undefined));
      await until('target available', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${target}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
      assert.equal(await sha256(server.services.volumeDriver.path('volume', target)), secondSum);

      // The deprecated VBS delete.
      const d2 = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups/${secondId}`, { token: m.token });
      assert.equal(d2.status, 200);
      assert.equal((await job(server, m, d2.body.job_id)).status, 'SUCCESS');
      assert.equal((await call(server, 'GET', `/v2/${m.projectId}/backups/${secondId}`, { token: m.token })).status, 404);
    });
  });

  describe(`backups of attached volumes and snapshots, and updates (${db})`, () => {
    let server: TestServer;
    let m: Member;
    before(async () => {
      server = await startServer({ db });
      m = await projectWithUser(server, 'bk-force');
      server.services.runner.start();
    });
    after(async () => server.close());

    const waitAvailable = (id: string) =>
      until(`backup ${id}`, async () => {
        const b = await backupStatus(server, m, id);
        return b.status === 'available' || b.status === 'error' ? b : undefined;
      });

    it('backs up an in-use volume only with force, through a point-in-time copy, and the volume stays in-use', async () => {
      const vol = await newVolume(server, m, 1);
      await scribble(server, vol, 3);
      const sum = await sha256(server.services.volumeDriver.path('volume', vol));
      const attach = await call(server, 'POST', `/v3/${m.projectId}/volumes/${vol}/action`, { token: m.token, body: { 'os-attach': { instance_uuid: '5a1b2c3d-0000-4000-8000-000000000001', mountpoint: '/dev/vdb' } } });
      assert.ok(attach.status < 300, attach.text);
      const refused = await call(server, 'POST', `/v3/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: vol } } });
      assert.equal(refused.status, 400);
      assert.match(refused.body.badRequest.message, /force/);
      const forced = await call(server, 'POST', `/v3/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: vol, force: true, name: 'hot' } } });
      assert.equal(forced.status, 202, forced.text);
      const b = await waitAvailable(forced.body.backup.id);
      assert.equal(b.status, 'available');
      const v = (await call(server, 'GET', `/v3/${m.projectId}/volumes/${vol}`, { token: m.token })).body.volume;
      assert.equal(v.status, 'in-use');
      // The temporary snapshot is gone.
      await assert.rejects(fs.stat(server.services.volumeDriver.path('snapshot', b.id)));
      const r = await call(server, 'POST', `/v3/${m.projectId}/backups/${b.id}/restore`, { token: m.token, body: { restore: {} } });
      assert.equal(r.status, 202);
      await until('restored', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${r.body.restore.volume_id}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
      assert.equal(await sha256(server.services.volumeDriver.path('volume', r.body.restore.volume_id)), sum);
    });

    it('backs up a snapshot as it was when taken, and refuses one of another volume', async () => {
      const vol = await newVolume(server, m, 1);
      await scribble(server, vol, 4);
      const sum = await sha256(server.services.volumeDriver.path('volume', vol));
      const snap = await call(server, 'POST', `/v3/${m.projectId}/snapshots`, { token: m.token, body: { snapshot: { volume_id: vol, name: 's1' } } });
      assert.equal(snap.status, 202, snap.text);
      const snapId = snap.body.snapshot.id as string;
      await until('snapshot', async () => ((await call(server, 'GET', `/v3/${m.projectId}/snapshots/${snapId}`, { token: m.token })).body.snapshot.status === 'available' ? true : undefined));
      await scribble(server, vol, 5);
      const other = await newVolume(server, m, 1);
      const wrong = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: other, snapshot_id: snapId, name: 'wrong' } } });
      assert.equal(wrong.status, 400, wrong.text);
      assert.equal(wrong.body.error.code, 'VolumeBackup.0020');
      const c = await call(server, 'POST', `/v3/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: vol, snapshot_id: snapId } } });
      assert.equal(c.status, 202, c.text);
      const b = await waitAvailable(c.body.backup.id);
      assert.equal(b.status, 'available');
      assert.equal(b.snapshot_id, snapId);
      const s = (await call(server, 'GET', `/v3/${m.projectId}/snapshots/${snapId}`, { token: m.token })).body.snapshot;
      assert.equal(s.status, 'available');
      const r = await call(server, 'POST', `/v3/${m.projectId}/backups/${b.id}/restore`, { token: m.token, body: { restore: {} } });
      await until('restored', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${r.body.restore.volume_id}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
      assert.equal(await sha256(server.services.volumeDriver.path('volume', r.body.restore.volume_id)), sum);
    });

    it('updates name, description and (3.43) metadata, and refuses a volume in a wrong state with VolumeBackup.0012', async () => {
      const vol = await newVolume(server, m, 1);
      const c = await call(server, 'POST', `/v3/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: vol, name: 'before' } } });
      await waitAvailable(c.body.backup.id);
      const headers = { 'OpenStack-API-Version': 'volume 3.43' };
      const u = await call(server, 'PUT', `/v3/${m.projectId}/backups/${c.body.backup.id}`, { token: m.token, headers, body: { backup: { name: 'after', description: 'd', metadata: { a: 'b' } } } });
      assert.equal(u.status, 200, u.text);
      assert.equal(u.body.backup.name, 'after');
      assert.deepEqual(u.body.backup.metadata, { a: 'b' });
      const shown = await backupStatus(server, m, c.body.backup.id);
      assert.equal(shown.description, 'd');
      const badUpdate = await call(server, 'PUT', `/v3/${m.projectId}/backups/${c.body.backup.id}`, { token: m.token, body: { backup: { description: '<x>' } } });
      assert.equal(badUpdate.status, 400);
      assert.equal((await backupStatus(server, m, c.body.backup.id)).description, 'd');
      const reserve = await call(server, 'POST', `/v3/${m.projectId}/volumes/${vol}/action`, { token: m.token, body: { 'os-reserve': null } });
      assert.ok(reserve.status < 300, reserve.text);
      const involved = { volumes: [vol], backups: [c.body.backup.id as string] };
      assert.deepEqual((await backupState(server, m, involved)).volumes, [[vol, 'attaching']]);
      await refusedVbs(server, m, `/v2/${m.projectId}/cloudbackups`, { backup: { volume_id: vol, name: 'reserved' } }, 'VolumeBackup.0012', involved);
    });
  });

  describe(`backup requests refused (${db})`, () => {
    let server: TestServer;
    let m: Member;
    let vol: string;
    const counts = () => rowCounts(server.services.database.db, ['backups', 'jobs', 'volumes']);
    before(async () => {
      server = await startServer({ db });
      m = await projectWithUser(server, 'bk-refuse');
      vol = await newVolume(server, m, 1);
    });
    after(async () => server.close());

    it('refuses bad VBS input with the documented codes and writes nothing', async () => {
      const cases: Array<[unknown, string, number]> = [
        [{}, 'VolumeBackup.0002', 400],
        [{ backup: { name: 'x' } }, 'VolumeBackup.0010', 400],
        [{ backup: { volume_id: 'nope', name: 'x' } }, 'VolumeBackup.0011', 400],
        [{ backup: { volume_id: vol } }, 'VolumeBackup.0007', 400],
        [{ backup: { volume_id: vol, name: '' } }, 'VolumeBackup.0026', 400],
        [{ backup: { volume_id: vol, name: 'x'.repeat(65) } }, 'VolumeBackup.0003', 400],
        [{ backup: { volume_id: vol, name: 'bad name!' } }, 'VolumeBackup.0004', 400],
        [{ backup: { volume_id: vol, name: 'autobk_1' } }, 'VolumeBackup.0005', 400],
        [{ backup: { volume_id: vol, name: 'ok', description: '<b>' } }, 'VolumeBackup.0006', 400],
        [{ backup: { volume_id: vol, name: 'ok', tags: [{ key: '' }] } }, 'VolumeBackup.0049', 400],
        [{ backup: { volume_id: vol, name: 'ok', tags: Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: '' })) } }, 'VolumeBackup.0050', 400],
        [{ backup: { volume_id: '00000000-0000-4000-8000-000000000000', name: 'ok' } }, 'VolumeBackup.0021', 404],
      ];
      const before = await counts();
      for (const [body, code, status] of cases) {
        const r = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body });
        assert.equal(r.status, status, `${code}: ${r.text}`);
        assert.equal(r.body.error.code, code, r.text);
      }
      assert.deepEqual(await counts(), before);
    });

    it('refuses a second backup while one runs (0013) and a restore into a volume being backed up (0206)', async () => {
      // The runner is not started: the first backup stays `creating`.
      const first = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: vol, name: 'one' } } });
      assert.equal(first.status, 200);
      const creating = (await server.services.jobs.get(first.body.job_id))!.entities.backup_id as string;
      const involved = { volumes: [vol], backups: [creating] };
      const before = await backupState(server, m, involved);
      assert.deepEqual(before.volumes, [[vol, 'backing-up']]);
      assert.deepEqual(before.backups, [[creating, 'creating']]);
      await refusedVbs(server, m, `/v2/${m.projectId}/cloudbackups`, { backup: { volume_id: vol, name: 'two' } }, 'VolumeBackup.0013', involved);
      const cinder = await call(server, 'POST', `/v2/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: vol } } });
      assert.equal(cinder.status, 400);
      await refusedVbs(server, m, `/v2/${m.projectId}/cloudbackups/${creating}/restore`, { restore: { volume_id: vol } }, 'VolumeBackup.0089', involved);
      assert.equal((await backupStatus(server, m, creating)).status, 'creating', 'a backup being created cannot be restored, and stays creating');
      const del = await call(server, 'DELETE', `/v2/${m.projectId}/backups/${creating}`, { token: m.token });
      assert.equal(del.status, 400);
      assert.deepEqual(await backupState(server, m, involved), before);
      server.services.runner.start();
      const done = await job(server, m, first.body.job_id);
      assert.equal(done.status, 'SUCCESS');
      // Now hold the volume in backing-up again and try to restore the finished backup into it.
      await server.services.runner.stop();
      const third = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: vol, name: 'three' } } });
      assert.equal(third.status, 200);
      const thirdId = (await server.services.jobs.get(third.body.job_id))!.entities.backup_id as string;
      const busyInvolved = { volumes: [vol], backups: [creating, thirdId] };
      assert.deepEqual((await backupState(server, m, busyInvolved)).backups, [[creating, 'available'], [thirdId, 'creating']]);
      await refusedVbs(server, m, `/v2/${m.projectId}/cloudbackups/${creating}/restore`, { restore: { volume_id: vol } }, 'VolumeBackup.0206', busyInvolved);
      server.services.runner.start();
      assert.equal((await job(server, m, third.body.job_id)).status, 'SUCCESS');
    });

    it('refuses restores into unknown, unavailable and too small volumes', async () => {
      const big = await newVolume(server, m, 2);
      server.services.runner.start();
      const c = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: big, name: 'big' } } });
      const backupId = (await job(server, m, c.body.job_id)).entities.backup_id as string;
      const small = await newVolume(server, m, 1);
      const involved = { volumes: [small, big], backups: [backupId] };
      const restorePath = `/v2/${m.projectId}/cloudbackups/${backupId}/restore`;
      await refusedVbs(server, m, restorePath, { restore: { volume_id: small } }, 'VolumeBackup.0209', involved);
      const before = await backupState(server, m, involved);
      const cinderSmall = await call(server, 'POST', `/v2/${m.projectId}/backups/${backupId}/restore`, { token: m.token, body: { restore: { volume_id: small } } });
      assert.equal(cinderSmall.status, 400);
      assert.deepEqual(await backupState(server, m, involved), before);
      const attach = await call(server, 'POST', `/v3/${m.projectId}/volumes/${small}/action`, { token: m.token, body: { 'os-reserve': null } });
      assert.ok(attach.status < 300, attach.text);
      assert.deepEqual((await backupState(server, m, involved)).volumes, [[small, 'attaching'], [big, 'available']]);
      await refusedVbs(server, m, restorePath, { restore: { volume_id: small } }, 'VolumeBackup.0205', involved);
      await refusedVbs(server, m, restorePath, { restore: { volume_id: '00000000-0000-4000-8000-000000000000' } }, 'VolumeBackup.0111', involved, 404);
      await refusedVbs(server, m, restorePath, {}, 'VolumeBackup.0210', involved);
      await refusedVbs(server, m, restorePath, { restore: {} }, 'VolumeBackup.0208', involved);
      await refusedVbs(server, m, `/v2/${m.projectId}/cloudbackups/not-a-uuid/restore`, { restore: { volume_id: small } }, 'VolumeBackup.0204', involved);
      // Three backups of this project so far (one, three, big) of 1, 1 and 2 GiB; the default quotas.
      const quota = await call(server, 'GET', `/v2/${m.projectId}/cloudbackups/quota`, { token: m.token });
      assert.equal(quota.status, 200);
      assert.deepEqual(quota.body.quotas.resources, [
        { type: 'backups', used: 3, reserved: 0, quota: 10 },
        { type: 'backup_gigabytes', used: 4, reserved: 0, quota: 1000 },
      ]);
    });

    it('refuses a field the VBS reference does not define with VolumeBackup.0002, creating no backup and no job', async () => {
      const listed = await call(server, 'GET', `/v2/${m.projectId}/backups/detail?status=available`, { token: m.token });
      assert.equal(listed.status, 200, listed.text);
      const backupId = listed.body.backups[0].id as string;
      const involved = { volumes: [vol], backups: [backupId] };
      const creates: unknown[] = [
        { backup: { volume_id: vol, name: 'typo', nmae: 'typo' } },
        // Cinder's fields are not the VBS API's.
        { backup: { volume_id: vol, name: 'cinder_field', force: true } },
        { backup: { volume_id: vol, name: 'outer_field' }, metadata: { a: 'b' } },
      ];
      for (const body of creates) {
        const r = await refusedVbs(server, m, `/v2/${m.projectId}/cloudbackups`, body, 'VolumeBackup.0002', involved);
        assert.match(r.body.error.message, /has no field "(nmae|force|metadata)"/);
      }
      const restores: unknown[] = [{ restore: { volume_id: vol, name: 'renamed' } }, { restore: { volume_id: vol }, force: true }];
      for (const body of restores) {
        const r = await refusedVbs(server, m, `/v2/${m.projectId}/cloudbackups/${backupId}/restore`, body, 'VolumeBackup.0002', involved);
        assert.match(r.body.error.message, /has no field "(name|force)"/);
      }
      // The same bodies without the unknown field are taken.
      const taken = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: vol, name: 'typo' } } });
      assert.equal(taken.status, 200, taken.text);
      assert.equal((await job(server, m, taken.body.job_id)).status, 'SUCCESS');
    });

    it('refuses backups over quota: VolumeBackup.0080 in VBS, 413 overLimit in Cinder', async () => {
      const used = Number((await server.services.database.db.selectFrom('backups').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', m.projectId).executeTakeFirstOrThrow()).n);
      const set = await call(server, 'PUT', `/v3/${server.adminProjectId}/os-quota-sets/${m.projectId}`, { token: server.adminToken, body: { quota_set: { backups: used } } });
      assert.equal(set.status, 200, set.text);
      const before = await counts();
      const vbs = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: vol, name: 'over' } } });
      assert.equal(vbs.status, 400, vbs.text);
      assert.equal(vbs.body.error.code, 'VolumeBackup.0080');
      const cinder = await call(server, 'POST', `/v3/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: vol } } });
      assert.equal(cinder.status, 413);
      assert.equal(cinder.body.overLimit.code, 413);
      assert.deepEqual(await counts(), before);
      const v = (await call(server, 'GET', `/v3/${m.projectId}/volumes/${vol}`, { token: m.token })).body.volume;
      assert.equal(v.status, 'available', 'a refused backup leaves the volume as it was');
    });

    it('refuses backups over the gigabytes quota: VolumeBackup.0081 in VBS, 413 overLimit in Cinder', async () => {
      const gigabytes = (await call(server, 'GET', `/v2/${m.projectId}/cloudbackups/quota`, { token: m.token })).body.quotas.resources.find((r: { type: string }) => r.type === 'backup_gigabytes').used as number;
      // Room for more backups, but not for one more GiB of them.
      const set = await call(server, 'PUT', `/v3/${server.adminProjectId}/os-quota-sets/${m.projectId}`, { token: server.adminToken, body: { quota_set: { backups: 100, backup_gigabytes: gigabytes } } });
      assert.equal(set.status, 200, set.text);
      const before = await counts();
      const vbs = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: vol, name: 'over_gb' } } });
      assert.equal(vbs.status, 400, vbs.text);
      assert.equal(vbs.body.error.code, 'VolumeBackup.0081');
      const cinder = await call(server, 'POST', `/v3/${m.projectId}/backups`, { token: m.token, body: { backup: { volume_id: vol } } });
      assert.equal(cinder.status, 413);
      assert.match(cinder.body.overLimit.message, /gigabytes/i);
      assert.deepEqual(await counts(), before);
      assert.equal((await call(server, 'GET', `/v3/${m.projectId}/volumes/${vol}`, { token: m.token })).body.volume.status, 'available');
    });
  });
}
