import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/common/clock.js';
import { DB_KINDS, call, issueToken, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { createAvailableVolume } from '../support/volumes.js';
import { insertPolicy, policyRecord, until } from '../policies/fixtures.js';
import type { Policy } from '../../src/services/policies/policy-repository.js';
import { MAX_MISSED_SLOTS } from '../../src/services/policies/scheduler.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;

const HOUR = 3600_000;
/** Tokens outlive the months these tests move the clock through. */
const env = { VBS_TOKEN_TTL: String(365 * 24 * 3600) };

function newVolume(server: TestServer, m: Member, name: string): Promise<string> {
  return createAvailableVolume(server, m, { size: 1, name });
}

/** Until no policy run and no job is left in progress. */
async function idle(server: TestServer): Promise<void> {
  const db = server.services.database.db;
  await until('runs and jobs to finish', async () => {
    const runs = await db.selectFrom('policy_runs').select('id').where('status', '=', 'RUNNING').execute();
    const jobs = await db.selectFrom('jobs').select('id').where('status', 'in', ['INIT', 'RUNNING']).execute();
    return runs.length === 0 && jobs.length === 0;
  });
}

async function slots(server: TestServer, policyId: string): Promise<string[]> {
  return (await server.services.policyRunRecords.runsOf(policyId)).map((r) => r.slot);
}

async function tasks(server: TestServer, m: Member, policyId: string, query = '') {
  const r = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${policyId}/backuptasks${query}`, { token: m.token });
  assert.equal(r.status, 200, r.text);
  return r.body as { count: number; tasks: Array<Record<string, string>> };
}

async function policyBackups(server: TestServer, policyId: string, volumeId?: string) {
  let q = server.services.database.db.selectFrom('backups').selectAll().where('policy_id', '=', policyId);
  if (volumeId) q = q.where('volume_id', '=', volumeId);
  return q.orderBy('created_at').execute();
}

/** The project's backup usage as the VBS quota route shows it. */
async function backupUsage(server: TestServer, m: Member): Promise<{ backups: number; gigabytes: number }> {
  const r = await call(server, 'GET', `/v2/${m.projectId}/cloudbackups/quota`, { token: m.token });
  assert.equal(r.status, 200, r.text);
  const used = (type: string) => r.body.quotas.resources.find((x: { type: string }) => x.type === type).used as number;
  return { backups: used('backups'), gigabytes: used('backup_gigabytes') };
}

/** Keys of the project's backup manifests and catalogue records in the block store, and their bytes. */
async function storedBackupObjects(server: TestServer, projectId: string): Promise<{ keys: string[]; bytes: number }> {
  const keys: string[] = [];
  let bytes = 0;
  for (const prefix of [`manifests/${projectId}/`, `catalogue/${projectId}/`]) {
    for await (const o of server.services.store.list(prefix)) {
      keys.push(o.key);
      bytes += o.size;
    }
  }
  return { keys: keys.sort(), bytes };
}

/** Moves the clock to `at`, ticks, and waits for whatever that started. */
async function tickAt(server: TestServer, clock: ManualClock, at: string | number): Promise<void> {
  clock.set(new Date(at));
  await server.services.scheduler.tick();
  await idle(server);
}

for (const db of DB_KINDS) {
  describe(`backup policy scheduling (${db})`, () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
    let server: TestServer;
    let m: Member;
    let vol1: string;
    let vol2: string;
    before(async () => {
      server = await startServer({ db, clock, env });
      m = await projectWithUser(server, 'pol-sched');
      server.services.runner.start();
      server.services.scheduler.start();
      vol1 = await newVolume(server, m, 'd1');
      vol2 = await newVolume(server, m, 'd2');
    });
    after(async () => server.close());

    it('runs a daily policy at its start time only, once per slot, backs up each volume and keeps the newest N', async () => {
      clock.set(new Date('2026-03-01T10:00:00Z'));
      const manual = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: vol1, name: 'manual_1' } } });
      assert.equal(manual.status, 200, manual.text);
      await idle(server);
      const policy = await insertPolicy(server.services.database.db, policyRecord(m.projectId, { startTimes: [12], retentionNum: 2 }), [vol1, vol2]);

      await tickAt(server, clock, '2026-03-01T11:59:59.999Z');
      assert.deepEqual(await slots(server, policy.id), []);
      await tickAt(server, clock, '2026-03-01T12:00:00Z');
      await tickAt(server, clock, '2026-03-01T12:00:00Z');
      await tickAt(server, clock, '2026-03-01T12:59:00Z');
      assert.deepEqual(await slots(server, policy.id), ['2026-03-01T12:00:00.000Z']);

      const first = await tasks(server, m, policy.id);
      assert.equal(first.count, 2);
      assert.deepEqual(first.tasks.map((t) => t.resource_id).sort(), [vol1, vol2].sort());
      const backups = await policyBackups(server, policy.id);
      assert.equal(backups.length, 2);
      for (const t of first.tasks) {
        assert.equal(t.status, 'EXECUTE_SUCCESS');
        assert.equal(t.resource_type, 'volume');
        assert.match(t.backup_name, /^autobk_[0-9a-f]{4}$/);
        assert.match(t.job_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.match(t.created_at, /^2026-03-01T12:00:00\.000$/);
        assert.ok(t.finished_at >= t.created_at);
        const b = backups.find((x) => x.volume_id === t.resource_id)!;
        assert.equal(b.name, t.backup_name);
        assert.equal(b.status, 'available');
      }
      // The run's job is the tasks' vbs_job_id; each volume's backup is one of its sub-jobs.
      const runJob = await call(server, 'GET', `/v1/${m.projectId}/jobs/${first.tasks[0].vbs_job_id}`, { token: m.token });
      assert.equal(runJob.status, 200, runJob.text);
      assert.equal(runJob.body.status, 'SUCCESS');
      assert.equal(runJob.body.job_type, 'bksPolicyRun');
      assert.equal(runJob.body.entities.policy_id, policy.id);
      assert.deepEqual(runJob.body.sub_jobs.map((s: { job_type: string }) => s.job_type), ['bksCreateBackup', 'bksCreateBackup']);
      assert.deepEqual(runJob.body.sub_jobs.map((s: { entities: { backup_id: string } }) => s.entities.backup_id).sort(), backups.map((b) => b.id).sort());

      // Two runs, four policy backups and the manual one: nothing to prune yet.
      await tickAt(server, clock, '2026-03-02T12:00:00Z');
      const early = await policyBackups(server, policy.id);
      assert.equal(early.length, 4);
      assert.deepEqual(await backupUsage(server, m), { backups: 5, gigabytes: 5 });
      const storedEarly = await storedBackupObjects(server, m.projectId);
      for (const b of early) assert.equal(storedEarly.keys.filter((k) => k.endsWith(`/${b.id}`)).length, 2, `manifest and catalogue record of ${b.id}`);

      // Two more days: retention keeps the newest 2 of each volume, the manual backup stays.
      for (const day of ['2026-03-03', '2026-03-04']) await tickAt(server, clock, `${day}T12:00:00Z`);
      assert.deepEqual(await slots(server, policy.id), ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'].map((d) => `${d}T12:00:00.000Z`));
      for (const vol of [vol1, vol2]) {
        const kept = await policyBackups(server, policy.id, vol);
        assert.deepEqual(kept.map((b) => b.created_at.slice(0, 10)), ['2026-03-03', '2026-03-04']);
      }
      const all = await server.services.database.db.selectFrom('backups').select(['name', 'policy_id']).where('volume_id', '=', vol1).execute();
      assert.ok(all.some((b) => b.name === 'manual_1' && b.policy_id === null));
      // The four pruned backups (those of March 1 and 2) no longer count against the project's
      // quota, and their manifests and catalogue records are gone from the store: nine were made, five remain.
      const pruned = early;
      assert.deepEqual((await policyBackups(server, policy.id)).filter((b) => pruned.some((x) => x.id === b.id)), []);
      assert.deepEqual(await backupUsage(server, m), { backups: 5, gigabytes: 5 });
      const storedLate = await storedBackupObjects(server, m.projectId);
      for (const b of pruned) assert.deepEqual(storedLate.keys.filter((k) => k.includes(b.id)), [], `objects of pruned backup ${b.id}`);
      assert.equal(storedLate.keys.length, storedEarly.keys.length, 'as many manifests and records as before the two runs: 5 backups each time');
      for (const b of await policyBackups(server, policy.id)) assert.equal(storedLate.keys.filter((k) => k.endsWith(`/${b.id}`)).length, 2);
      // Pruned backups went through the delete job, as sub-jobs of the run that pruned them.
      const lastRun = (await server.services.policyRunRecords.runsOf(policy.id)).at(-1)!;
      const lastJob = await call(server, 'GET', `/v1/${m.projectId}/jobs/${lastRun.jobId}`, { token: m.token });
      assert.equal(lastJob.body.sub_jobs.filter((s: { job_type: string; status: string }) => s.job_type === 'bksDeleteBackup' && s.status === 'SUCCESS').length, 2);
      assert.equal((await tasks(server, m, policy.id)).count, 8);
      await server.services.database.db.deleteFrom('backup_policies').where('id', '=', policy.id).execute();
    });

    it('week days and several start times in the policy time zone fire exactly their slots over a week', async () => {
      // Local (UTC+02:00) Monday and Thursday at 00:00 and 06:00, i.e. 22:00 and 04:00 UTC.
      clock.set(new Date('2026-03-01T10:00:00Z'));
      const policy = await insertPolicy(
        server.services.database.db,
        policyRecord(m.projectId, { startTimes: [22, 4], frequency: null, weekDays: [1, 4], timeZone: 'UTC+02:00', timeZoneOffsetMinutes: 120 }),
      );
      for (let t = Date.parse('2026-03-01T10:00:00Z'); t <= Date.parse('2026-03-09T10:00:00Z'); t += HOUR) await tickAt(server, clock, t);
      assert.deepEqual(await slots(server, policy.id), ['2026-03-01T22:00:00.000Z', '2026-03-02T04:00:00.000Z', '2026-03-04T22:00:00.000Z', '2026-03-05T04:00:00.000Z', '2026-03-08T22:00:00.000Z', '2026-03-09T04:00:00.000Z']);
      await server.services.database.db.deleteFrom('backup_policies').where('id', '=', policy.id).execute();
    });

    it('every 10 days across a month end at UTC-05:00, and an OFF policy never runs', async () => {
      clock.set(new Date('2026-03-20T00:00:00Z'));
      const every10 = await insertPolicy(server.services.database.db, policyRecord(m.projectId, { startTimes: [3], frequency: 10, timeZone: 'UTC-05:00', timeZoneOffsetMinutes: -300, createdAt: new Date('2026-03-20T00:00:00Z') }));
      const off = await insertPolicy(server.services.database.db, policyRecord(m.projectId, { status: 'OFF', startTimes: [3], createdAt: new Date('2026-03-20T00:00:00Z') }));
      for (let t = Date.parse('2026-03-20T00:00:00Z'); t <= Date.parse('2026-04-20T00:00:00Z'); t += 6 * HOUR) await tickAt(server, clock, t);
      // 03:00 UTC is 22:00 local the day before. Made at local 19:00 on March 19, whose 22:00 is
      // still ahead: that is day 0, then every 10 local days, across the month end.
      assert.deepEqual(await slots(server, every10.id), ['2026-03-20T03:00:00.000Z', '2026-03-30T03:00:00.000Z', '2026-04-09T03:00:00.000Z', '2026-04-19T03:00:00.000Z']);
      assert.deepEqual(await slots(server, off.id), []);
      // Turned on later, it runs from then on without catching up the days it was off.
      await server.services.database.db.updateTable('backup_policies').set({ status: 'ON', updated_at: clock.now().toISOString() }).where('id', '=', off.id).execute();
      await tickAt(server, clock, '2026-04-20T02:00:00Z');
      assert.deepEqual(await slots(server, off.id), []);
      await tickAt(server, clock, '2026-04-20T03:00:00Z');
      assert.deepEqual(await slots(server, off.id), ['2026-04-20T03:00:00.000Z']);
      for (const p of [every10, off]) await server.services.database.db.deleteFrom('backup_policies').where('id', '=', p.id).execute();
    });

    it('new start times apply from the change on: a slot of the new schedule that already passed does not run', async () => {
      clock.set(new Date('2026-10-01T10:00:00Z'));
      const policy = await insertPolicy(server.services.database.db, policyRecord(m.projectId, { startTimes: [12], createdAt: clock.now() }));
      for (let t = Date.parse('2026-10-01T10:00:00Z'); t <= Date.parse('2026-10-01T17:00:00Z'); t += HOUR) await tickAt(server, clock, t);
      clock.set(new Date('2026-10-01T17:30:00Z'));
      const changed = await call(server, 'PUT', `/v2/${m.projectId}/backuppolicy/${policy.id}`, { token: m.token, body: { scheduled_policy: { start_time: '14:00' } } });
      assert.equal(changed.status, 200, changed.text);
      for (const t of ['2026-10-01T17:30:00Z', '2026-10-01T18:00:00Z', '2026-10-02T12:00:00Z', '2026-10-02T13:59:00Z', '2026-10-02T14:00:00Z']) await tickAt(server, clock, t);
      assert.deepEqual(await slots(server, policy.id), ['2026-10-01T12:00:00.000Z', '2026-10-02T14:00:00.000Z']);
      await server.services.database.db.deleteFrom('backup_policies').where('id', '=', policy.id).execute();
    });

    it('a policy made, changed and deleted through the policy API runs on its local week day', async () => {
      clock.set(new Date('2026-07-01T00:00:00Z'));
      const base = `/v2/${m.projectId}/backuppolicy`;
      // Local Thursday 00:00 at UTC+08:00 is Wednesday 16:00 UTC.
      const created = await call(server, 'POST', base, {
        token: m.token,
        body: { backup_policy_name: 'thursdays', scheduled_policy: { start_time: '16:00', week_frequency: ['THU'], rentention_num: 2, status: 'ON' }, time_zone: 'UTC+08:00' },
      });
      assert.equal(created.status, 200, created.text);
      const id = created.body.backup_policy_id as string;
      const bound = await call(server, 'POST', `/v2/${m.projectId}/backuppolicyresources`, { token: m.token, body: { backup_policy_id: id, resources: [{ resource_id: vol1, resource_type: 'volume' }] } });
      assert.equal(bound.status, 200, bound.text);
      assert.deepEqual(bound.body.fail_resources, []);

      for (const t of ['2026-07-01T15:00:00Z', '2026-07-01T16:00:00Z', '2026-07-02T16:00:00Z', '2026-07-03T00:00:00Z', '2026-07-08T16:00:00Z']) await tickAt(server, clock, t);
      assert.deepEqual(await slots(server, id), ['2026-07-01T16:00:00.000Z', '2026-07-08T16:00:00.000Z']);
      const done = await tasks(server, m, id);
      assert.equal(done.count, 2);
      assert.ok(done.tasks.every((t) => t.status === 'EXECUTE_SUCCESS' && t.resource_id === vol1));

      const off = await call(server, 'PUT', `${base}/${id}`, { token: m.token, body: { scheduled_policy: { status: 'OFF' } } });
      assert.equal(off.status, 200, off.text);
      await tickAt(server, clock, '2026-07-15T16:00:00Z');
      assert.equal((await slots(server, id)).length, 2);

      const gone = await call(server, 'DELETE', `${base}/${id}`, { token: m.token });
      assert.equal(gone.status, 204, gone.text);
      const after = await call(server, 'GET', `${base}/${id}/backuptasks`, { token: m.token });
      assert.equal(after.status, 404);
      assert.equal(after.body.error.code, 'AutoBackup.0205');
      assert.equal((await server.services.database.db.selectFrom('policy_tasks').select('id').where('policy_id', '=', id).execute()).length, 0);
    });
  });

  describe(`backup policy catch-up after downtime (${db})`, () => {
    it('runs the newest missed slot once at start and records the others as SKIP tasks; retention by days and first of month', async () => {
      const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
      const first = await startServer({ db, clock, env });
      let m = await projectWithUser(first, 'pol-catchup');
      first.services.runner.start();
      first.services.scheduler.start();
      const vol = await newVolume(first, m, 'c1');
      const policy: Policy = await insertPolicy(first.services.database.db, policyRecord(m.projectId, { startTimes: [12], retentionDays: 2, remainFirstBackupOfCurMonth: true }), [vol]);
      await tickAt(first, clock, '2026-03-01T12:00:00Z');
      await tickAt(first, clock, '2026-03-02T12:00:00Z');
      await first.close();

      // Down from March 2 13:00 to March 5 15:00: slots of March 3, 4 and 5 were missed.
      clock.set(new Date('2026-03-05T15:00:00Z'));
      const second = await startServer({ db, clock, env, dataDir: first.dataDir, databaseUrl: first.config.databaseUrl });
      try {
        m = { ...m, token: (await issueToken(second.url, m.userName, m.password, 'pol-catchup')).token };
        second.services.runner.start();
        second.services.scheduler.start();
        await until('catch-up run', async () => (await slots(second, policy.id)).length === 5);
        await idle(second);
        await second.services.scheduler.tick();
        const runs = await second.services.policyRunRecords.runsOf(policy.id);
        assert.deepEqual(
          runs.map((r) => [r.slot, r.status]),
          [
            ['2026-03-01T12:00:00.000Z', 'DONE'],
            ['2026-03-02T12:00:00.000Z', 'DONE'],
            ['2026-03-03T12:00:00.000Z', 'SKIPPED'],
            ['2026-03-04T12:00:00.000Z', 'SKIPPED'],
            ['2026-03-05T12:00:00.000Z', 'DONE'],
          ],
        );
        const skipped = await tasks(second, m, policy.id, '?status=SKIP');
        assert.equal(skipped.count, 2);
        for (const t of skipped.tasks) {
          assert.equal(t.resource_id, vol);
          assert.equal(t.backup_name, null);
          assert.equal(t.created_at, '2026-03-05T15:00:00.000');
        }
        assert.equal((await tasks(second, m, policy.id, '?status=EXECUTE_SUCCESS')).count, 3);
        // Younger than 2 days: only today's; March 1 stays as the first backup of the month.
        assert.deepEqual((await policyBackups(second, policy.id)).map((b) => b.created_at.slice(0, 10)), ['2026-03-01', '2026-03-05']);
        // Next month the March backup is no longer "first of the current month".
        await tickAt(second, clock, '2026-04-01T12:00:00Z');
        assert.deepEqual((await policyBackups(second, policy.id)).map((b) => b.created_at.slice(0, 10)), ['2026-04-01']);
        assert.equal((await tasks(second, m, policy.id, '?status=SKIP')).count, 2 + 26);
        // Twenty tasks a page unless asked otherwise.
        const page = await tasks(second, m, policy.id);
        assert.equal(page.count, 2 + 26 + 4);
        assert.equal(page.tasks.length, 20);
      } finally {
        await second.close();
      }
    });
  });

  describe(`a long downtime (${db})`, () => {
    it(`records at most ${MAX_MISSED_SLOTS} missed slots of a policy, the newest, and runs the last`, async () => {
      const clock = new ManualClock(new Date('2026-08-01T00:30:00Z'));
      const server = await startServer({ db, clock, env });
      try {
        const m = await projectWithUser(server, 'pol-long');
        server.services.scheduler.start();
        const hourly = Array.from({ length: 24 }, (_, h) => h);
        const policy = await insertPolicy(server.services.database.db, policyRecord(m.projectId, { startTimes: hourly, createdAt: clock.now() }));
        await tickAt(server, clock, '2026-08-01T00:30:00Z');
        // Five days of hourly slots (120) pass unseen.
        await tickAt(server, clock, '2026-08-06T00:30:00Z');
        const runs = await server.services.policyRunRecords.runsOf(policy.id);
        assert.equal(runs.length, MAX_MISSED_SLOTS + 1);
        assert.deepEqual(runs.slice(-2).map((r) => [r.slot, r.status]), [['2026-08-05T23:00:00.000Z', 'SKIPPED'], ['2026-08-06T00:00:00.000Z', 'DONE']]);
        assert.equal(runs[0].slot, '2026-08-01T20:00:00.000Z');
      } finally {
        await server.close();
      }
    });
  });

  describe(`a policy run without backup quota (${db})`, () => {
    it('fails the volumes over the quota and its job reports AutoBackup.0218', async () => {
      const clock = new ManualClock(new Date('2026-09-01T00:00:00Z'));
      const server = await startServer({ db, clock, env: { ...env, VBS_QUOTA_BACKUPS: '1' } });
      try {
        const m = await projectWithUser(server, 'pol-quota');
        server.services.runner.start();
        server.services.scheduler.start();
        const vols = [await newVolume(server, m, 'q1'), await newVolume(server, m, 'q2')];
        const policy = await insertPolicy(server.services.database.db, policyRecord(m.projectId, { createdAt: clock.now() }), vols);
        const r = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: m.token });
        assert.equal(r.status, 204, r.text);
        await idle(server);
        // Both tasks begin in the same instant: their order in the list is by id.
        const listed = await tasks(server, m, policy.id);
        const byVolume = Object.fromEntries(listed.tasks.map((t) => [t.resource_id, t]));
        assert.equal(byVolume[vols[0]].status, 'EXECUTE_SUCCESS');
        assert.equal(byVolume[vols[1]].status, 'EXECUTE_FAIL');
        assert.ok(byVolume[vols[1]].finished_at);
        assert.equal(byVolume[vols[1]].code, 'AutoBackup.0218');
        assert.match(byVolume[vols[1]].message, /^AutoBackup\.0218: Backup number quota is not enough/);
        assert.equal(byVolume[vols[0]].code, undefined);
        const job = await call(server, 'GET', `/v1/${m.projectId}/jobs/${listed.tasks[0].vbs_job_id}`, { token: m.token });
        assert.equal(job.body.status, 'FAIL');
        assert.equal(job.body.error_code, 'AutoBackup.0218');
        assert.match(job.body.fail_reason, /quota is not enough: 1 of 2 volumes were not backed up/);
        assert.equal((await policyBackups(server, policy.id)).length, 1);
      } finally {
        await server.close();
      }
    });
  });

  describe(`executing a policy at once and its tasks over HTTP (${db})`, () => {
    const clock = new ManualClock(new Date('2026-05-01T08:00:00Z'));
    let server: TestServer;
    let m: Member;
    let other: Member;
    let reader: { token: string };
    let vol1: string;
    let vol2: string;
    let policy: Policy;
    before(async () => {
      server = await startServer({ db, clock, env });
      m = await projectWithUser(server, 'pol-exec');
      other = await projectWithUser(server, 'pol-other');
      await server.services.identity.createUser('pol-exec-ro', 'pw-ro', m.projectId, 'reader');
      reader = await issueToken(server.url, 'pol-exec-ro', 'pw-ro', 'pol-exec');
      server.services.runner.start();
      vol1 = await newVolume(server, m, 'e1');
      vol2 = await newVolume(server, m, 'e2');
      await idle(server);
      await server.services.runner.stop();
      // The backup workers stay stopped until the test lets them run.
      server.services.scheduler.start();
      policy = await insertPolicy(server.services.database.db, policyRecord(m.projectId, { status: 'OFF', startTimes: [16], createdAt: clock.now() }), [vol1, vol2]);
    });
    after(async () => server.close());

    const runCount = async () => (await server.services.policyRunRecords.runsOf(policy.id)).length;

    it('runs at once (even OFF), refuses a second run while one is in progress (AutoBackup.0225), skips a busy volume, and times out a backup that does not finish', async () => {
      const manual = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: vol2, name: 'manual_busy' } } });
      assert.equal(manual.status, 200, manual.text);

      const run = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: m.token });
      assert.equal(run.status, 204, run.text);
      assert.equal(run.text, '');
      const started = await until('both tasks', async () => {
        const t = await tasks(server, m, policy.id, '?sort_order=asc');
        return t.count === 2 && t.tasks.every((x) => x.status !== 'WAITING' || x.resource_id === vol1) ? t : undefined;
      });
      const byVolume = Object.fromEntries(started.tasks.map((t) => [t.resource_id, t]));
      assert.equal(byVolume[vol1].status, 'WAITING');
      assert.equal(byVolume[vol1].finished_at, undefined);
      assert.equal(byVolume[vol2].status, 'SKIP');

      const again = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: m.token });
      assert.equal(again.status, 400, again.text);
      assert.equal(again.body.error.code, 'AutoBackup.0225');
      assert.match(again.body.error.message, /being executed/);
      assert.equal(await runCount(), 1);
      assert.equal((await tasks(server, m, policy.id)).count, 2);

      // Turned ON, its 16:00 slot comes while the run is still going: the slot is skipped.
      await server.services.database.db.updateTable('backup_policies').set({ status: 'ON', updated_at: clock.now().toISOString() }).where('id', '=', policy.id).execute();
      clock.set(new Date('2026-05-01T16:00:00Z'));
      await server.services.scheduler.tick();
      const runs = await server.services.policyRunRecords.runsOf(policy.id);
      assert.deepEqual(runs.map((r) => r.status), ['RUNNING', 'SKIPPED']);
      assert.equal(runs[1].slot, '2026-05-01T16:00:00.000Z');
      const skipped = await tasks(server, m, policy.id, '?status=SKIP');
      assert.equal(skipped.count, 3);
      assert.equal(skipped.tasks.filter((t) => t.created_at === '2026-05-01T16:00:00.000').length, 2);

      // Twelve hours after it began the backup of vol1 has still not run: the task times out and the run ends.
      clock.set(new Date('2026-05-01T20:00:00Z'));
      const timedOut = await until('timeout', async () => {
        const t = await tasks(server, m, policy.id, '?status=EXECUTE_TIMEOUT');
        return t.count === 1 ? t.tasks[0] : undefined;
      });
      assert.equal(timedOut.resource_id, vol1);
      assert.equal(timedOut.finished_at, '2026-05-01T20:00:00.000');
      await until('run closed', async () => (await server.services.policyRunRecords.runsOf(policy.id))[0].status === 'DONE');
      assert.equal((await tasks(server, m, policy.id, '?status=WAITING')).count, 0);
      const runJob = await call(server, 'GET', `/v1/${m.projectId}/jobs/${timedOut.vbs_job_id}`, { token: m.token });
      assert.equal(runJob.body.status, 'FAIL');
      assert.match(runJob.body.fail_reason, /1 of 2 volumes were not backed up/);

      // With the backup workers running everything finishes; the next run backs up both.
      server.services.runner.start();
      await idle(server);
      const third = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: m.token });
      assert.equal(third.status, 204, third.text);
      await until('run done', async () => (await tasks(server, m, policy.id, '?status=EXECUTE_SUCCESS')).count === 2);
      await idle(server);
      assert.equal(await runCount(), 3);
    });

    it('lists tasks with filters and paging', async () => {
      const all = await tasks(server, m, policy.id, '?limit=100');
      assert.equal(all.count, 6);
      const desc = all.tasks.map((t) => t.job_id);
      for (let i = 1; i < 6; i++) assert.ok(all.tasks[i - 1].created_at >= all.tasks[i].created_at);
      const asc = (await tasks(server, m, policy.id, '?sort_order=asc&sort_key=created_at')).tasks.map((t) => t.job_id);
      assert.deepEqual(asc, [...desc].reverse());
      const page1 = await tasks(server, m, policy.id, '?limit=2');
      assert.equal(page1.count, 6);
      assert.deepEqual(page1.tasks.map((t) => t.job_id), desc.slice(0, 2));
      const page2 = await tasks(server, m, policy.id, `?limit=2&marker=${desc[1]}`);
      assert.deepEqual(page2.tasks.map((t) => t.job_id), desc.slice(2, 4));
      const ascAfter = await tasks(server, m, policy.id, `?sort_order=asc&marker=${asc[3]}`);
      assert.deepEqual(ascAfter.tasks.map((t) => t.job_id), asc.slice(4));
      assert.deepEqual((await tasks(server, m, policy.id, '?limit=2&offset=3')).tasks.map((t) => t.job_id), desc.slice(3, 5));
      const skips = await tasks(server, m, policy.id, '?status=SKIP&limit=1');
      assert.equal(skips.count, 3);
      assert.equal(skips.tasks.length, 1);
      const one = await tasks(server, m, policy.id, `?job_id=${desc[2]}`);
      assert.equal(one.count, 1);
      assert.equal(one.tasks[0].job_id, desc[2]);
      assert.equal((await tasks(server, m, policy.id, '?status=RUNNING')).count, 0);
      assert.equal((await tasks(server, m, policy.id, `?job_id=${policy.id}`)).count, 0);
      assert.equal((await tasks(server, m, policy.id)).tasks.length, 6);
    });

    it('refuses bad filters, unknown or foreign policies, readers and missing tokens, changing nothing', async () => {
      const before = await runCount();
      const bad = async (query: string, pattern: RegExp) => {
        const r = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${policy.id}/backuptasks${query}`, { token: m.token });
        assert.equal(r.status, 400, `${query}: ${r.text}`);
        assert.equal(r.body.error.code, 'common.0400');
        assert.match(r.body.error.message, pattern);
      };
      await bad('?sort_order=up', /sort_order/);
      await bad('?sort_key=name', /sort_key/);
      await bad('?status=DONE', /status/);
      await bad('?limit=0', /limit/);
      await bad('?limit=abc', /limit/);
      await bad('?offset=-1', /offset/);
      await bad('?marker=4f0e5a52-6f6e-4b8e-9a43-2b8a3f2d9c11', /marker/);

      for (const id of ['4f0e5a52-6f6e-4b8e-9a43-2b8a3f2d9c11', 'not-a-uuid']) {
        for (const [method, suffix] of [['POST', 'action'], ['GET', 'backuptasks']] as const) {
          const r = await call(server, method, `/v2/${m.projectId}/backuppolicy/${id}/${suffix}`, { token: m.token });
          assert.equal(r.status, 404, r.text);
          assert.equal(r.body.error.code, 'AutoBackup.0205');
        }
      }
      // Another project's policy does not exist for this one.
      for (const [method, suffix] of [['POST', 'action'], ['GET', 'backuptasks']] as const) {
        const r = await call(server, method, `/v2/${other.projectId}/backuppolicy/${policy.id}/${suffix}`, { token: other.token });
        assert.equal(r.status, 404, r.text);
        assert.equal(r.body.error.code, 'AutoBackup.0205');
      }
      const ro = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: reader.token });
      assert.equal(ro.status, 403, ro.text);
      assert.equal(ro.body.error.code, 'VolumeBackup.0042');
      assert.equal((await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${policy.id}/backuptasks`, { token: reader.token })).status, 200);
      const anon = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`);
      assert.equal(anon.status, 401, anon.text);
      assert.equal(anon.body.error.code, 'AutoBackup.0002');
      assert.equal(await runCount(), before);
      assert.equal((await tasks(server, m, policy.id)).count, 6);
    });

    it('a run whose job ended without closing it (its process died) is closed by the next tick and blocks nothing', async () => {
      await server.services.runner.stop();
      const r = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: m.token });
      assert.equal(r.status, 204, r.text);
      const run = await until('run started', async () => {
        const running = (await server.services.policyRunRecords.runsOf(policy.id)).find((x) => x.status === 'RUNNING');
        const t = await tasks(server, m, policy.id, '?status=WAITING');
        return running && t.count === 2 ? running : undefined;
      });
      // What recovery does once the dead process's lease ran out and no attempt is left.
      await server.services.database.db.updateTable('jobs').set({ status: 'FAIL', lease_owner: null, lease_expires_at: null }).where('id', '=', run.jobId!).execute();
      await server.services.scheduler.tick();
      assert.equal((await server.services.policyRunRecords.getRun(run.id))!.status, 'DONE');
      const failed = await tasks(server, m, policy.id, '?status=EXECUTE_FAIL');
      assert.equal(failed.count, 2);
      assert.ok(failed.tasks.every((t) => t.created_at === '2026-05-01T20:00:00.000' && t.finished_at !== undefined));
      const next = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: m.token });
      assert.equal(next.status, 204, next.text);
      server.services.runner.start();
      await idle(server);
    });

    it("a run where one volume's backup job fails: that task is EXECUTE_FAIL with the job's fail reason, the other EXECUTE_SUCCESS", async () => {
      await server.services.runner.stop();
      const r = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: m.token });
      assert.equal(r.status, 204, r.text);
      const run = await until('both backups queued', async () => {
        const running = (await server.services.policyRunRecords.runsOf(policy.id)).find((x) => x.status === 'RUNNING');
        const queued = running ? await server.services.policyRunRecords.tasksOfRun(running.id) : [];
        return running && queued.length === 2 && queued.every((t) => t.backupJobId && t.status === 'WAITING') ? running : undefined;
      });
      // vol1's image goes missing before its backup job reads it: that job fails for real, through
      // the backup job's own failure path, while vol2's succeeds.
      const image = server.services.volumeDriver.path('volume', vol1);
      fs.renameSync(image, `${image}.away`);
      try {
        server.services.runner.start();
        await until('run closed', async () => (await server.services.policyRunRecords.getRun(run.id))!.status === 'DONE');
        await idle(server);
      } finally {
        fs.renameSync(`${image}.away`, image);
      }

      const records = Object.fromEntries((await server.services.policyRunRecords.tasksOfRun(run.id)).map((t) => [t.resourceId, t]));
      const failedJob = await call(server, 'GET', `/v1/${m.projectId}/jobs/${records[vol1].backupJobId}`, { token: m.token });
      assert.equal(failedJob.body.status, 'FAIL', failedJob.text);
      assert.equal(failedJob.body.error_code, 'VolumeBackup.0027');
      assert.match(failedJob.body.fail_reason, /create backup exception: .*ENOENT/);
      // The reason names the volume, not the server's path of its image.
      assert.ok(failedJob.body.fail_reason.includes(`the image of volume ${vol1}`), failedJob.body.fail_reason);
      assert.ok(!failedJob.body.fail_reason.includes(path.dirname(image)), failedJob.body.fail_reason);
      // The task carries the backup job's fail reason; the one that worked carries none.
      assert.equal(records[vol1].status, 'EXECUTE_FAIL');
      assert.equal(records[vol1].message, failedJob.body.fail_reason);
      assert.equal(records[vol2].status, 'EXECUTE_SUCCESS');
      assert.equal(records[vol2].message, null);

      // Over HTTP: one task each, each finished, the failed one with its message.
      for (const [vol, status] of [[vol1, 'EXECUTE_FAIL'], [vol2, 'EXECUTE_SUCCESS']] as const) {
        const shown = await tasks(server, m, policy.id, `?job_id=${records[vol].id}`);
        assert.equal(shown.count, 1);
        assert.equal(shown.tasks[0].status, status);
        assert.equal(shown.tasks[0].resource_id, vol);
        assert.equal(shown.tasks[0].vbs_job_id, run.jobId);
        assert.ok(shown.tasks[0].finished_at);
        assert.equal(shown.tasks[0].message, vol === vol1 ? failedJob.body.fail_reason : undefined, 'the error message of a failed task only');
        assert.equal(shown.tasks[0].code, vol === vol1 ? 'VolumeBackup.0027' : undefined, 'the error code of a failed task only');
      }
      const failedBackup = await call(server, 'GET', `/v3/${m.projectId}/backups/${records[vol1].backupId}`, { token: m.token });
      assert.equal(failedBackup.status, 200, failedBackup.text);
      assert.equal(failedBackup.body.backup.status, 'error');
      assert.match(failedBackup.body.backup.fail_reason, /ENOENT/);
      assert.equal((await server.services.backups.get(records[vol2].backupId!))?.status, 'available');
      // The run's job names the volume that was not backed up, and holds both backup jobs.
      const runJob = await call(server, 'GET', `/v1/${m.projectId}/jobs/${run.jobId}`, { token: m.token });
      assert.equal(runJob.body.status, 'FAIL');
      assert.equal(runJob.body.error_code, 'VolumeBackup.0027');
      assert.match(runJob.body.fail_reason, new RegExp(`1 of 2 volumes were not backed up \\(${vol1}: EXECUTE_FAIL\\)`));
      const subJobs = Object.fromEntries(runJob.body.sub_jobs.filter((j: { job_type: string }) => j.job_type === 'bksCreateBackup').map((j: { job_id: string }) => [j.job_id, j]));
      assert.equal(subJobs[records[vol1].backupJobId!].status, 'FAIL');
      assert.equal(subJobs[records[vol2].backupJobId!].status, 'SUCCESS');
      // The failed backup gave its volume back.
      assert.equal((await call(server, 'GET', `/v3/${m.projectId}/volumes/${vol1}`, { token: m.token })).body.volume.status, 'available');
    });
  });
}
