/**
 * A project's backup statistics (GET /v2/{project_id}/cloudbackups/statistics) after backups
 * of known data, and the vbs_volume_last_backup_age_seconds gauge read from the same query.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, issueToken, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { createPolicy, policyBody } from '../support/policies.js';
import { parsePrometheus } from '../support/prometheus.js';
import { reindex } from '../../src/services/backups/catalogue.js';
import { until } from '../support/wait.js';
import { backUpNewData } from '../support/backup-jobs.js';
import { createAvailableVolume } from '../support/volumes.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

for (const db of DB_KINDS) {
  describe(`backup statistics of a project (${db})`, () => {
    let server: TestServer;
    let m: Member;
    let protectedVolume: string;
    let bare: string;
    let secondStartedAt: number;
    let secondBackup: string;

    const statistics = async (token = m.token, projectId = m.projectId) => {
      const r = await call(server, 'GET', `/v2/${projectId}/cloudbackups/statistics`, { token });
      assert.equal(r.status, 200, r.text);
      return r.body.statistics;
    };
    before(async () => {
      server = await startServer({ db });
      server.services.runner.start();
      m = await projectWithUser(server, 'stats-m', 'member');
      protectedVolume = await createAvailableVolume(server, m, { size: 1, name: 'stats-protected' });
      bare = await createAvailableVolume(server, m, { size: 1, name: 'stats-bare' });
      // 4 MiB of incompressible data each: what the store takes is known.
      await backUpNewData(server, m, protectedVolume, 'stats_first', 0, 4 * MiB);
      secondStartedAt = Date.now();
      secondBackup = await backUpNewData(server, m, protectedVolume, 'stats_second', 512 * MiB, 4 * MiB);
    });
    after(async () => server.close());

    it('counts the backups, their logical and stored bytes, the quota, and each volume\'s last good backup', async () => {
      const s = await statistics();
      assert.equal(s.project_id, m.projectId);
      assert.equal(s.backups.total, 2);
      assert.deepEqual(s.backups.by_status, { available: 2 });
      // Two backups of a 1 GiB volume; the store took the 8 MiB written (incompressible), once.
      assert.equal(s.backups.logical_bytes, 2 * GiB);
      assert.ok(s.backups.stored_bytes >= 8 * MiB && s.backups.stored_bytes < 10 * MiB, `stored ${s.backups.stored_bytes}`);
      assert.ok(s.backups.saving_percent > 99 && s.backups.saving_percent < 100, `saving ${s.backups.saving_percent}`);
      assert.equal(s.backups.without_figures, 0);
      assert.deepEqual(s.quota, { backups: { used: 2, limit: 10 }, backup_gigabytes: { used: 2, limit: 1000 } });

      const [p, b] = s.volumes;
      assert.deepEqual([p.id, b.id], [protectedVolume, bare]);
      assert.deepEqual([p.name, p.size, p.status, p.backups, p.protected, p.policy_id], ['stats-protected', 1, 'available', 2, false, null]);
      const last = Date.parse(p.last_backup_at);
      assert.ok(last >= secondStartedAt - 1000 && last <= Date.now(), `last backup at ${p.last_backup_at}`);
      assert.ok(p.last_backup_age_seconds >= 0 && p.last_backup_age_seconds <= (Date.now() - secondStartedAt) / 1000 + 1, `age ${p.last_backup_age_seconds}`);
      assert.deepEqual([b.backups, b.last_backup_at, b.last_backup_age_seconds, b.protected], [0, null, null, false]);
    });

    it('marks a volume protected once it is bound to a policy that is ON, and not while the policy is OFF', async () => {
      const policy = await createPolicy(server, m, policyBody('stats_policy'));
      const bind = await call(server, 'POST', `/v2/${m.projectId}/backuppolicyresources`, {
        token: m.token,
        body: { backup_policy_id: policy, resources: [{ resource_id: protectedVolume, resource_type: 'volume' }] },
      });
      assert.equal(bind.status, 200, bind.text);
      let v = (await statistics()).volumes.find((x: { id: string }) => x.id === protectedVolume);
      assert.deepEqual([v.protected, v.policy_id], [true, policy]);
      const off = await call(server, 'PUT', `/v2/${m.projectId}/backuppolicy/${policy}`, { token: m.token, body: { scheduled_policy: { status: 'OFF' } } });
      assert.equal(off.status, 200, off.text);
      v = (await statistics()).volumes.find((x: { id: string }) => x.id === protectedVolume);
      assert.deepEqual([v.protected, v.policy_id], [false, null]);
      await call(server, 'PUT', `/v2/${m.projectId}/backuppolicy/${policy}`, { token: m.token, body: { scheduled_policy: { status: 'ON' } } });
    });

    it('is readable by a reader of the project and an administrator, not by another project', async () => {
      await server.services.identity.createUser('stats-m-reader', 'pw', m.projectId, 'reader');
      const reader = (await issueToken(server.url, 'stats-m-reader', 'pw', 'stats-m')).token;
      assert.equal((await statistics(reader)).backups.total, 2);
      assert.equal((await statistics(server.adminToken)).backups.total, 2);
      const other = await projectWithUser(server, 'stats-other');
      const r = await call(server, 'GET', `/v2/${m.projectId}/cloudbackups/statistics`, { token: other.token });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.body.error.code, 'common.0403');
      assert.equal((await statistics(other.token, other.projectId)).backups.total, 0);
    });

    it('counts backups made before figures were recorded apart, until reindex fills them from their manifests', async () => {
      await server.services.database.db.updateTable('backups').set({ bytes_logical: null, bytes_stored: null }).where('id', '=', secondBackup).execute();
      const partial = await statistics();
      assert.equal(partial.backups.without_figures, 1);
      assert.equal(partial.backups.logical_bytes, GiB);
      await reindex(server.services.database.db, server.services.store, new Date());
      const full = await statistics();
      assert.equal(full.backups.without_figures, 0);
      assert.equal(full.backups.logical_bytes, 2 * GiB);
    });

    it('exposes the age of each volume\'s last good backup as a gauge, computed at scrape time', async () => {
      const scrape = async () => parsePrometheus((await call(server, 'GET', '/metrics')).text).filter((x) => x.name === 'vbs_volume_last_backup_age_seconds');
      const samples = await scrape();
      const mine = samples.filter((x) => x.labels.project_id === m.projectId);
      assert.deepEqual(mine.map((x) => x.labels.volume_id), [protectedVolume], 'a volume without a good backup has no series');
      const age = (await statistics()).volumes[0].last_backup_age_seconds as number;
      assert.ok(Math.abs(mine[0].value - age) <= 2, `gauge ${mine[0].value}, statistics ${age}`);
      // Deleting the volume's backups ends its series at the next scrape.
      for (const b of (await call(server, 'GET', `/v2/${m.projectId}/backups`, { token: m.token })).body.backups as Array<{ id: string }>) {
        assert.equal((await call(server, 'DELETE', `/v2/${m.projectId}/backups/${b.id}`, { token: m.token })).status, 202);
      }
      await until('backups deleted', async () => (await call(server, 'GET', `/v2/${m.projectId}/backups`, { token: m.token })).body.backups.length === 0);
      assert.deepEqual((await scrape()).filter((x) => x.labels.project_id === m.projectId), []);
    });
  });
}
