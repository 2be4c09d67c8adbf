/**
 * Store verify and gc over HTTP, for cloud administrators: jobs whose results (backups checked,
 * damaged ones with reasons; packs and bytes removed, deferred) are read at
 * GET /v1/{project_id}/jobs/{job_id}. Non-administrators are refused in the VBS envelope.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, issueToken, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { until } from '../support/wait.js';
import { backUpNewData, finishedJob } from '../support/backup-jobs.js';
import { createAvailableVolume } from '../support/volumes.js';
import type { Static } from '@sinclair/typebox';
import type { GcReport, VerifyReport } from '../../src/services/backups/store-jobs.js';
import type { GcReport as GcSchema, VerifyReport as VerifySchema } from '../../src/http/schemas/store-reports.js';

// The services' reports and the reply schemas that show them are one contract: a field added to
// one side only stops this file from compiling.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const reportsAgree: [Same<VerifyReport, Static<typeof VerifySchema>>, Same<GcReport, Static<typeof GcSchema>>] = [true, true];
void reportsAgree;

type Member = Awaited<ReturnType<typeof projectWithUser>>;
const MiB = 1024 * 1024;

for (const db of DB_KINDS) {
  describe(`store verify and gc jobs (${db})`, () => {
    let server: TestServer;
    let m: Member;
    let reader: Member;
    let volumeId: string;
    let first: string;
    let second: string;

    /** Starts a store job as the administrator in m's project; its finished view. */
    const storeJob = async (kind: 'verify' | 'gc', body: unknown = {}) => {
      const r = await call(server, 'POST', `/v1/${m.projectId}/store/${kind}`, { token: server.adminToken, body });
      assert.equal(r.status, 200, r.text);
      assert.match(r.body.job_id, /^[0-9a-f]{32}$/);
      const job = await finishedJob(server, { projectId: m.projectId, token: server.adminToken }, r.body.job_id);
      assert.equal(job.status, 'SUCCESS', JSON.stringify(job));
      return job;
    };
    before(async () => {
      server = await startServer({ db });
      server.services.runner.start();
      m = await projectWithUser(server, 'store-m', 'member');
      await server.services.identity.createUser('store-m-reader', 'pw', m.projectId, 'reader');
      reader = { ...m, token: (await issueToken(server.url, 'store-m-reader', 'pw', 'store-m')).token };
      volumeId = await createAvailableVolume(server, m, { size: 1, name: 'store-src' });
      first = await backUpNewData(server, m, volumeId, 'first', 0, 2 * MiB);
      second = await backUpNewData(server, m, volumeId, 'second', 64 * MiB, 2 * MiB);
    });
    after(async () => server.close());

    it('refuses members and readers with 403 in the VBS envelope, and queues nothing', async () => {
      const jobs = async () => Number((await server.services.database.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n);
      const before = await jobs();
      for (const kind of ['verify', 'gc']) {
        const member = await call(server, 'POST', `/v1/${m.projectId}/store/${kind}`, { token: m.token, body: {} });
        assert.equal(member.status, 403, member.text);
        assert.equal(member.body.error.code, 'common.0403');
        assert.match(member.body.error.message, /cloud administrator/);
        const r = await call(server, 'POST', `/v1/${m.projectId}/store/${kind}`, { token: reader.token, body: {} });
        assert.equal(r.status, 403, r.text);
        assert.match(r.body.error.code, /^(common\.0403|VolumeBackup\.0042)$/);
      }
      assert.equal(await jobs(), before);
    });

    it('verifies every available backup of the project, or the one named, and reports them intact', async () => {
      const all = await storeJob('verify');
      assert.equal(all.job_type, 'storeVerifyBackups');
      const v = all.entities.verify;
      assert.deepEqual([v.backups_total, v.backups_checked, v.backups_intact, v.damaged], [2, 2, 2, []]);
      assert.ok(v.bytes_checked >= 4 * MiB, `bytes checked: ${v.bytes_checked}`);
      const one = await storeJob('verify', { backup_id: first });
      assert.equal(one.entities.backup_id, first);
      assert.deepEqual([one.entities.verify.backups_total, one.entities.verify.backups_intact], [1, 1]);
      // The project's members may follow the job too: it is their project's.
      assert.equal((await call(server, 'GET', `/v1/${m.projectId}/jobs/${one.job_id}`, { token: m.token })).status, 200);
    });

    it('refuses a malformed or unknown backup id and unknown fields', async () => {
      const cases: Array<[string, unknown, number, string]> = [
        ['verify', { backup_id: 'nope' }, 400, 'VolumeBackup.0204'],
        ['verify', { backup_id: '7f1c2e7a-0000-4000-8000-000000000001' }, 404, 'VolumeBackup.0111'],
        ['verify', { backupid: first }, 400, 'VolumeBackup.0002'],
        ['gc', { grace_seconds: -1 }, 400, 'VolumeBackup.0002'],
        ['gc', { grace_seconds: '10' }, 400, 'VolumeBackup.0002'],
      ];
      for (const [kind, body, status, code] of cases) {
        const r = await call(server, 'POST', `/v1/${m.projectId}/store/${kind}`, { token: server.adminToken, body });
        assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.body.error.code, code);
      }
    });

    it('collects what a deleted backup left, reports it in the job, and the other backup stays intact', async () => {
      const del = await call(server, 'DELETE', `/v2/${m.projectId}/backups/${second}`, { token: m.token });
      assert.equal(del.status, 202, del.text);
      await until('backup deleted', async () => (await call(server, 'GET', `/v2/${m.projectId}/backups/${second}`, { token: m.token })).status === 404);
      // The delete's own gc leaves young packs alone (an hour's grace); this one is told not to.
      const held = await storeJob('gc');
      assert.equal(held.job_type, 'storeCollectGarbage');
      assert.equal(held.entities.gc.grace_seconds, 3600);
      assert.equal(held.entities.gc.bytes_freed, 0);
      const job = await storeJob('gc', { grace_seconds: 0 });
      const gc = job.entities.gc;
      assert.equal(gc.deferred, null);
      assert.equal(gc.manifests, 1);
      assert.ok(gc.packs_deleted + gc.packs_rewritten + gc.orphan_packs_deleted > 0, JSON.stringify(gc));
      assert.ok(gc.bytes_freed >= 2 * MiB, JSON.stringify(gc));
      assert.deepEqual(gc.problems, []);
      const verify = await storeJob('verify');
      assert.deepEqual([verify.entities.verify.backups_total, verify.entities.verify.backups_intact], [1, 1]);
    });

    it('names a backup damaged by a flipped byte in a pack, with the reason, and the job still succeeds', async () => {
      const store = server.services.store;
      for await (const o of store.list(`packs/${m.projectId}/`)) {
        const data = await store.get(o.key);
        data[10] ^= 0xff;
        await store.put(o.key, data);
      }
      const job = await storeJob('verify');
      const v = job.entities.verify;
      assert.deepEqual([v.backups_total, v.backups_checked, v.backups_intact], [1, 1, 0]);
      assert.equal(v.damaged.length, 1);
      assert.equal(v.damaged[0].backup_id, first);
      assert.match(v.damaged[0].reason, new RegExp(`backup ${first} is damaged: block [0-9a-f]{64}`));
      const named = await storeJob('verify', { backup_id: first });
      assert.equal(named.entities.verify.damaged[0].backup_id, first);
    });
  });
}
