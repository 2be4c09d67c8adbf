import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { vaultIdOf } from '../../src/services/backups/cbr-listing.js';
import { rowCounts } from '../support/db-counts.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;
const GiB = 1024 ** 3;

/** SHA-256 of the first `length` bytes of a file (all of it by default), streamed. */
async function sha256(file: string, length?: number): Promise<string> {
  const hash = createHash('sha256');
  const stream = fs.createReadStream(file, length === undefined ? {} : { end: length - 1 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

for (const db of DB_KINDS) {
  describe(`what a recipient of a shared backup can and cannot do (${db})`, () => {
    let server: TestServer;
    let owner: Member;
    let recipient: Member;
    let stranger: Member;
    let ownerVolume: string;
    let sourceSum: string;
    let backupId: string;
    let otherBackupId: string;
    const volumePath = (id: string) => server.services.volumeDriver.path('volume', id);
    const sharing = (m: Member) => `/v2/${m.projectId}/os-vendor-backup-sharing`;
    const v347 = { 'OpenStack-API-Version': 'volume 3.47' };

    const volumeOf = async (m: Member, id: string) => (await call(server, 'GET', `/v3/${m.projectId}/volumes/${id}`, { token: m.token })).body.volume;
    const newVolume = async (m: Member, size = 1): Promise<string> => {
      const r = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size, name: 'disk' } } });
      assert.equal(r.status, 202, r.text);
      await until('volume available', async () => ((await volumeOf(m, r.body.volume.id)).status === 'available' ? true : undefined));
      return r.body.volume.id as string;
    };
    const available = (m: Member, id: string) => until(`volume ${id} available`, async () => ((await volumeOf(m, id))?.status === 'available' ? true : undefined));
    const job = (m: Member, jobId: string) =>
      until(`job ${jobId}`, async () => {
        const r = await call(server, 'GET', `/v1/${m.projectId}/jobs/${jobId}`, { token: m.token });
        return r.body.status === 'SUCCESS' || r.body.status === 'FAIL' ? r.body : undefined;
      });
    const backUp = async (m: Member, volumeId: string, name: string): Promise<string> => {
      const r = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: volumeId, name } } });
      assert.equal(r.status, 200, r.text);
      const done = await job(m, r.body.job_id);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
      return done.entities.backup_id as string;
    };
    const share = async (backup: string, to: Member[]) => {
      const r = await call(server, 'POST', sharing(owner), { token: owner.token, body: { shared: { backup_id: backup, to_project_ids: to.map((m) => m.projectId) } } });
      assert.equal(r.status, 200, r.text);
      return r.body.shared as Array<{ id: string; to_project_id: string }>;
    };
    const cbr = async (m: Member, ownType: string) => {
      const r = await call(server, 'GET', `/cbr/v3/${m.projectId}/backups?own_type=${ownType}`, { token: m.token });
      assert.equal(r.status, 200, r.text);
      return (r.body.backups as Array<{ id: string; project_id: string; resource_name: string }>);
    };
    const counts = () => rowCounts(server.services.database.db, ['backups', 'backup_shares', 'volumes', 'jobs']);

    before(async () => {
      server = await startServer({ db });
      owner = await projectWithUser(server, 'rc-owner');
      recipient = await projectWithUser(server, 'rc-recipient');
      stranger = await projectWithUser(server, 'rc-stranger');
      server.services.runner.start();
      ownerVolume = await newVolume(owner, 1);
      // Random data at spread offsets; most of the disk stays a hole.
      const fd = fs.openSync(volumePath(ownerVolume), 'r+');
      for (let i = 0; i < 4; i++) fs.writeSync(fd, randomBytes(700_000), 0, 700_000, i * 260 * 1024 * 1024 + 4096 * i);
      fs.closeSync(fd);
      sourceSum = await sha256(volumePath(ownerVolume));
      backupId = await backUp(owner, ownerVolume, 'shared_one');
      otherBackupId = await backUp(owner, ownerVolume, 'not_shared');
    });
    after(async () => server.close());

    it('sees nothing before the share; then sees it, restores it byte for byte through Cinder and VBS, and makes volumes from it (3.47)', async () => {
      const target = await newVolume(recipient, 1);
      const before = await counts();
      const early = [
        await call(server, 'POST', `/v2/${recipient.projectId}/cloudbackups/${backupId}/restore`, { token: recipient.token, body: { restore: { volume_id: target } } }),
        await call(server, 'POST', `/v3/${recipient.projectId}/backups/${backupId}/restore`, { token: recipient.token, body: { restore: { volume_id: target } } }),
        await call(server, 'POST', `/v3/${recipient.projectId}/volumes`, { token: recipient.token, headers: v347, body: { volume: { backup_id: backupId } } }),
      ];
      assert.deepEqual(early.map((r) => r.status), [404, 404, 404], early.map((r) => r.text).join('\n'));
      assert.equal(early[0].body.error.code, 'VolumeBackup.0111');
      assert.equal(early[1].body.itemNotFound.code, 404);
      assert.deepEqual(await counts(), before, 'nothing written before the share');
      assert.deepEqual(await cbr(recipient, 'shared'), []);

      await share(backupId, [recipient]);
      const listed = await call(server, 'GET', `${sharing(recipient)}/detail?share_to_me=true`, { token: recipient.token });
      assert.deepEqual(listed.body.shared.map((s: { backup: { id: string } }) => s.backup.id), [backupId]);
      assert.equal(listed.body.shared[0].backup.status, 'available');
      const shared = await cbr(recipient, 'shared');
      assert.deepEqual(shared.map((b) => b.id), [backupId]);
      assert.equal(shared[0].project_id, owner.projectId);
      assert.equal(shared[0].resource_name, '', "the owner's volume name is not shown to the recipient");
      assert.deepEqual(await cbr(recipient, 'private'), []);
      const ownRecord = await backUpRecord(recipient.projectId);
      assert.deepEqual((await cbr(recipient, 'all_granted')).map((b) => b.id).sort(), [backupId, ownRecord].sort());
      assert.deepEqual((await cbr(owner, 'shared')), [], 'the owner has nothing shared with it');
      // Shares take effect at once: they are accepted members; a shared backup stays in its owner's vault.
      assert.deepEqual((await cbr(recipient, 'shared&member_status=accepted')).map((b) => b.id), [backupId]);
      assert.deepEqual(await cbr(recipient, 'shared&member_status=pending'), []);
      assert.deepEqual((await cbr(recipient, `all_granted&vault_id=${vaultIdOf(owner.projectId)}`)).map((b) => b.id), [backupId]);
      assert.deepEqual((await cbr(recipient, `all_granted&vault_id=${vaultIdOf(recipient.projectId)}`)).map((b) => b.id), [ownRecord]);
      const badMember = await call(server, 'GET', `/cbr/v3/${recipient.projectId}/backups?own_type=shared&member_status=maybe`, { token: recipient.token });
      assert.equal(badMember.status, 400, badMember.text);
      // The recipient reads the backup itself (clients do before a restore), but its own listings stay its own.
      const shown = await call(server, 'GET', `/v3/${recipient.projectId}/backups/${backupId}`, { token: recipient.token });
      assert.equal(shown.status, 200, shown.text);
      assert.equal(shown.body.backup.id, backupId);
      assert.ok(!(await call(server, 'GET', `/v3/${recipient.projectId}/backups`, { token: recipient.token })).body.backups.some((b: { id: string }) => b.id === backupId));

      // Cinder restore into an existing volume of the recipient.
      const cinder = await call(server, 'POST', `/v3/${recipient.projectId}/backups/${backupId}/restore`, { token: recipient.token, body: { restore: { volume_id: target } } });
      assert.equal(cinder.status, 202, cinder.text);
      assert.deepEqual(cinder.body.restore, { backup_id: backupId, volume_id: target, volume_name: 'disk' });
      await until('backup available again', async () => ((await call(server, 'GET', `${sharing(recipient)}/detail?share_to_me=true`, { token: recipient.token })).body.shared[0].backup.status === 'available' ? true : undefined));
      await available(recipient, target);
      assert.equal(await sha256(volumePath(target)), sourceSum);

      // VBS restore into another, larger volume: the backup's bytes, zeros after them.
      const larger = await newVolume(recipient, 2);
      const vbs = await call(server, 'POST', `/v2/${recipient.projectId}/cloudbackups/${backupId}/restore`, { token: recipient.token, body: { restore: { volume_id: larger } } });
      assert.equal(vbs.status, 200, vbs.text);
      const vbsJob = await job(recipient, vbs.body.job_id);
      assert.equal(vbsJob.status, 'SUCCESS', JSON.stringify(vbsJob));
      assert.equal(await sha256(volumePath(larger), GiB), sourceSum);
      assert.equal(fs.statSync(volumePath(larger)).size, 2 * GiB);

      // Cinder restore without a target: a new volume of the recipient's project.
      const fresh = await call(server, 'POST', `/v3/${recipient.projectId}/backups/${backupId}/restore`, { token: recipient.token, body: { restore: { name: 'from-share' } } });
      assert.equal(fresh.status, 202, fresh.text);
      const freshId = fresh.body.restore.volume_id as string;
      await available(recipient, freshId);
      assert.equal(await sha256(volumePath(freshId)), sourceSum);
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/volumes/${freshId}`, { token: owner.token })).status, 404, "the new volume is the recipient's alone");

      // Volume create with backup_id: the recipient's, and the owner's own.
      for (const m of [recipient, owner]) {
        const made = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, headers: v347, body: { volume: { backup_id: backupId, size: 2, name: 'made-from-backup', metadata: { k: 'v' } } } });
        assert.equal(made.status, 202, made.text);
        assert.equal('backup_id' in made.body.volume, false, "Cinder's volume view does not name the backup; the data below shows it");
        assert.equal(made.body.volume.size, 2);
        assert.equal(made.body.volume.name, 'made-from-backup');
        await available(m, made.body.volume.id);
        const shown = await volumeOf(m, made.body.volume.id);
        assert.equal(shown.metadata.k, 'v');
        assert.equal(await sha256(volumePath(made.body.volume.id), GiB), sourceSum);
        assert.equal(fs.statSync(volumePath(made.body.volume.id)).size, 2 * GiB);
      }
      // Without a size the volume takes the backup's.
      const sized = await call(server, 'POST', `/v3/${recipient.projectId}/volumes`, { token: recipient.token, headers: v347, body: { volume: { backup_id: backupId } } });
      assert.equal(sized.status, 202, sized.text);
      assert.equal(sized.body.volume.size, 1);
      await available(recipient, sized.body.volume.id);
      assert.equal(await sha256(volumePath(sized.body.volume.id)), sourceSum);

      // Before 3.47, on v2, or with another source as well: refused, nothing written.
      const refusedBefore = await counts();
      const refusals = [
        await call(server, 'POST', `/v3/${recipient.projectId}/volumes`, { token: recipient.token, headers: { 'OpenStack-API-Version': 'volume 3.46' }, body: { volume: { backup_id: backupId, size: 1 } } }),
        await call(server, 'POST', `/v2/${recipient.projectId}/volumes`, { token: recipient.token, body: { volume: { backup_id: backupId, size: 1 } } }),
        await call(server, 'POST', `/v3/${recipient.projectId}/volumes`, { token: recipient.token, headers: v347, body: { volume: { backup_id: backupId, source_volid: target } } }),
      ];
      for (const r of refusals) {
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.badRequest.code, 400);
      }
      assert.match(refusals[0].body.badRequest.message, /3\.47/);
      const unknown = await call(server, 'POST', `/v3/${recipient.projectId}/volumes`, { token: recipient.token, headers: v347, body: { volume: { backup_id: randomUUID() } } });
      assert.equal(unknown.status, 404, unknown.text);
      assert.deepEqual(await counts(), refusedBefore);
    });

    /** A backup record of the project's own, for listings that mix own and shared backups. */
    async function backUpRecord(projectId: string): Promise<string> {
      const own = (await server.services.backups.get(otherBackupId))!;
      const id = randomUUID();
      await server.services.backups.insert({ ...own, id, projectId, name: 'own-record' });
      return id;
    }

    it("cannot delete, change or share on the backup, nor see or use the owner's other backups and volumes; refusals change nothing", async () => {
      const shares = await call(server, 'GET', `${sharing(owner)}/detail?backup_id=${backupId}&to_project_id=${recipient.projectId}`, { token: owner.token });
      if (shares.body.shared.length === 0) await share(backupId, [recipient]);
      const mine = await newVolume(recipient, 1);
      const before = await counts();
      const backupBefore = await server.services.backups.get(backupId);
      const r = recipient;
      const attempts: Array<[string, string, string, unknown, number]> = [
        // The recipient reads this backup, so refusing to write it is 403, as for a re-share; not 404.
        ['Cinder delete', 'DELETE', `/v3/${r.projectId}/backups/${backupId}`, undefined, 403],
        ['Cinder delete (v2)', 'DELETE', `/v2/${r.projectId}/backups/${backupId}`, undefined, 403],
        ['VBS delete', 'POST', `/v2/${r.projectId}/cloudbackups/${backupId}`, undefined, 403],
        ['Cinder update', 'PUT', `/v3/${r.projectId}/backups/${backupId}`, { backup: { name: 'mine-now' } }, 403],
        ['share on', 'POST', sharing(r), { shared: { backup_id: backupId, to_project_ids: [stranger.projectId] } }, 403],
        ['cancel all shares', 'DELETE', `${sharing(r)}/${backupId}?is_backup_id=true`, undefined, 403],
        ['restore the unshared backup (VBS)', 'POST', `/v2/${r.projectId}/cloudbackups/${otherBackupId}/restore`, { restore: { volume_id: mine } }, 404],
        ['restore the unshared backup (Cinder)', 'POST', `/v3/${r.projectId}/backups/${otherBackupId}/restore`, { restore: {} }, 404],
        ['volume from the unshared backup', 'POST', `/v3/${r.projectId}/volumes`, { volume: { backup_id: otherBackupId } }, 404],
        ["restore into the owner's volume", 'POST', `/v2/${r.projectId}/cloudbackups/${backupId}/restore`, { restore: { volume_id: ownerVolume } }, 404],
        ["show the owner's volume", 'GET', `/v3/${r.projectId}/volumes/${ownerVolume}`, undefined, 404],
        ["show the owner's unshared backup", 'GET', `/v3/${r.projectId}/backups/${otherBackupId}`, undefined, 404],
        ["act in the owner's project", 'POST', `/v2/${owner.projectId}/cloudbackups/${backupId}/restore`, { restore: { volume_id: mine } }, 403],
      ];
      for (const [what, method, path, body, status] of attempts) {
        const x = await call(server, method, path, { token: r.token, body, headers: v347 });
        assert.equal(x.status, status, `${what}: ${x.text}`);
        if (status !== 403) continue;
        // Each family's forbidden answer, naming the owner rule.
        if (path.includes('/os-vendor-backup-sharing') || path.includes('/cloudbackups')) {
          assert.equal(x.body.error.code, 'common.0403', `${what}: ${x.text}`);
          if (!path.startsWith(`/v2/${owner.projectId}`)) assert.match(x.body.error.message, /only the project that owns/, what);
        } else {
          assert.deepEqual(Object.keys(x.body), ['forbidden'], `${what}: ${x.text}`);
          assert.equal(x.body.forbidden.code, 403);
          assert.match(x.body.forbidden.message, /only the project that owns/, what);
        }
      }
      // A project the backup is not shared with can do nothing with it either.
      const strangerTarget = await newVolume(stranger, 1);
      const strangerBefore = await counts();
      const s1 = await call(server, 'POST', `/v2/${stranger.projectId}/cloudbackups/${backupId}/restore`, { token: stranger.token, body: { restore: { volume_id: strangerTarget } } });
      assert.equal(s1.body.error.code, 'VolumeBackup.0111');
      const s2 = await call(server, 'GET', `${sharing(stranger)}/count?share_to_me=true`, { token: stranger.token });
      assert.equal(s2.body.count, 0);
      assert.deepEqual(await cbr(stranger, 'all_granted'), []);
      assert.deepEqual(await counts(), strangerBefore);

      const listing = await call(server, 'GET', `/v3/${r.projectId}/backups/detail`, { token: r.token });
      const ids = listing.body.backups.map((b: { id: string }) => b.id);
      assert.ok(!ids.includes(otherBackupId) && !ids.includes(backupId), "the recipient's own backup listing holds none of the owner's backups");
      const vols = (await call(server, 'GET', `/v3/${r.projectId}/volumes`, { token: r.token })).body.volumes.map((v: { id: string }) => v.id);
      assert.ok(!vols.includes(ownerVolume));
      assert.ok(!(await cbr(r, 'all_granted')).some((b) => b.id === otherBackupId));
      const sharedIds = (await call(server, 'GET', `${sharing(r)}/detail?share_to_me=true`, { token: r.token })).body.shared.map((s: { backup_id: string }) => s.backup_id);
      assert.ok(!sharedIds.includes(otherBackupId));

      const { volumes: volumesAfter, ...restAfter } = await counts();
      const { volumes: volumesBefore, ...restBefore } = before;
      assert.deepEqual(restAfter, restBefore, 'no backup, share or job was written by a refusal');
      assert.equal(volumesAfter, volumesBefore + 1, "only the stranger's own target volume was made");
      assert.deepEqual(await server.services.backups.get(backupId), backupBefore, 'the shared backup is unchanged');
    });

    it("cancelling a share ends the recipient's access at once, and a restore already under way completes", async () => {
      const listed = await call(server, 'GET', `${sharing(owner)}/detail?backup_id=${backupId}&to_project_id=${recipient.projectId}`, { token: owner.token });
      const shareId = (listed.body.shared[0]?.id as string | undefined) ?? (await share(backupId, [recipient]))[0].id;
      const target = await newVolume(recipient, 1);
      const second = await newVolume(recipient, 1);
      // Hold the restore in the queue while the share is cancelled.
      await server.services.runner.stop();
      const started = await call(server, 'POST', `/v2/${recipient.projectId}/cloudbackups/${backupId}/restore`, { token: recipient.token, body: { restore: { volume_id: target } } });
      assert.equal(started.status, 200, started.text);
      const cancelled = await call(server, 'DELETE', `${sharing(owner)}/${shareId}`, { token: owner.token });
      assert.equal(cancelled.status, 200, cancelled.text);

      const before = await counts();
      const again = await call(server, 'POST', `/v2/${recipient.projectId}/cloudbackups/${backupId}/restore`, { token: recipient.token, body: { restore: { volume_id: second } } });
      assert.equal(again.status, 404, again.text);
      assert.equal(again.body.error.code, 'VolumeBackup.0111');
      const made = await call(server, 'POST', `/v3/${recipient.projectId}/volumes`, { token: recipient.token, headers: v347, body: { volume: { backup_id: backupId } } });
      assert.equal(made.status, 404, made.text);
      assert.equal((await call(server, 'GET', `${sharing(recipient)}/${shareId}`, { token: recipient.token })).status, 404);
      assert.equal((await call(server, 'GET', `/v3/${recipient.projectId}/backups/${backupId}`, { token: recipient.token })).status, 404);
      assert.equal((await call(server, 'GET', `${sharing(recipient)}/count?share_to_me=true`, { token: recipient.token })).body.count, 0);
      assert.ok(!(await cbr(recipient, 'shared')).some((b) => b.id === backupId));
      assert.deepEqual(await counts(), before);

      server.services.runner.start();
      const done = await job(recipient, started.body.job_id);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
      await available(recipient, target);
      assert.equal(await sha256(volumePath(target)), sourceSum);
      assert.equal((await volumeOf(recipient, second)).status, 'available', 'the refused restore left its target alone');
    });

    it('deleting the source backup cancels its shares', async () => {
      const doomed = await backUp(owner, ownerVolume, 'doomed');
      const made = await share(doomed, [recipient, stranger]);
      assert.equal(made.length, 2);
      const del = await call(server, 'DELETE', `/v3/${owner.projectId}/backups/${doomed}`, { token: owner.token });
      assert.equal(del.status, 202, del.text);
      await until('backup gone', async () => ((await call(server, 'GET', `/v3/${owner.projectId}/backups/${doomed}`, { token: owner.token })).status === 404 ? true : undefined));
      const rows = await server.services.database.db.selectFrom('backup_shares').selectAll().where('backup_id', '=', doomed).execute();
      assert.deepEqual(rows, []);
      for (const m of [recipient, stranger]) {
        const s = made.find((x) => x.to_project_id === m.projectId)!;
        assert.equal((await call(server, 'GET', `${sharing(m)}/${s.id}`, { token: m.token })).status, 404);
        assert.equal((await call(server, 'GET', `${sharing(m)}/count?share_to_me=true&backup_id=${doomed}`, { token: m.token })).body.count, 0);
        assert.ok(!(await cbr(m, 'shared')).some((b) => b.id === doomed));
      }
      assert.equal((await call(server, 'GET', `${sharing(owner)}/count?backup_id=${doomed}`, { token: owner.token })).body.count, 0);
    });
  });
}
