import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../src/common/clock.js';
import { buildApp } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/container.js';
import { call, projectWithUser, startServer, type ServicesLog, type TestServer } from '../support/server.js';
import { createAvailableVolume } from '../support/volumes.js';
import { freePort } from '../support/net.js';
import { insertPolicy, policyRecord, until } from '../policies/fixtures.js';

const HOUR = 3600_000;
const env = { VBS_TOKEN_TTL: String(365 * 24 * 3600), VBS_QUOTA_BACKUPS: '100' };

/** A services log that keeps what was logged as an error, with the process that logged it. */
function recordingLog(who: string, errors: string[]): ServicesLog {
  return {
    error: (obj, msg) => {
      const err = (obj as { err?: unknown }).err;
      errors.push(`${who}: ${msg}${err ? `: ${(err as Error)?.message ?? String(err)}` : ''}`);
    },
    warn: () => undefined,
    info: () => undefined,
  };
}

/**
 * Two service containers on one PostgreSQL database, each with its own clock, scheduler and
 * workers, stand for two server processes.
 */
describe('backup policy scheduling with two processes on one PostgreSQL database', () => {
  const clockA = new ManualClock(new Date('2026-06-01T01:00:00Z'));
  const clockB = new ManualClock(new Date('2026-06-01T01:00:00Z'));
  let server: TestServer;
  let second: Services;
  let secondApp: FastifyInstance;
  let secondUrl: string;
  let m: Awaited<ReturnType<typeof projectWithUser>>;
  const volumes: string[] = [];
  /**
   * Errors either process logged. A claim that fails (say on the unique slot index, when the
   * policy's lock did not hold) is only logged by the scheduler, so the tests look here.
   */
  const errors: string[] = [];

  before(async () => {
    server = await startServer({ db: 'postgres', clock: clockA, env, servicesLog: recordingLog('A', errors) });
    second = await createServices(server.config, clockB, recordingLog('B', errors));
    secondApp = await buildApp(second, { logLevel: 'silent' });
    const port = await freePort();
    await secondApp.listen({ host: '127.0.0.1', port });
    secondUrl = `http://127.0.0.1:${port}`;
    m = await projectWithUser(server, 'pol-two');
    for (const s of [server.services, second]) {
      s.runner.start();
      s.scheduler.start();
    }
    for (const name of ['p1', 'p2']) {
      volumes.push(await createAvailableVolume(server, m, { size: 1, name }));
    }
  });
  after(async () => {
    await secondApp.close();
    await second.close();
    await server.close();
  });

  const db = () => server.services.database.db;

  async function idle(): Promise<void> {
    await until('runs and jobs to finish', async () => {
      const runs = await db().selectFrom('policy_runs').select('id').where('status', '=', 'RUNNING').execute();
      const jobs = await db().selectFrom('jobs').select('id').where('status', 'in', ['INIT', 'RUNNING']).execute();
      return runs.length === 0 && jobs.length === 0;
    });
  }

  it('never runs one slot twice, and each run backs up each volume once', async () => {
    const policy = await insertPolicy(db(), policyRecord(m.projectId, { startTimes: [0, 6, 12, 18], retentionNum: 99, createdAt: clockA.now() }), volumes);
    const expected: string[] = [];
    for (let t = Date.parse('2026-06-01T06:00:00Z'); t <= Date.parse('2026-06-02T18:00:00Z'); t += 6 * HOUR) {
      expected.push(new Date(t).toISOString());
      // The two processes' clocks differ a little, and each ticks twice at once.
      clockA.set(new Date(t));
      clockB.set(new Date(t + 400));
      await Promise.all([server.services.scheduler.tick(), second.scheduler.tick(), server.services.scheduler.tick(), second.scheduler.tick()]);
      await idle();
      // Both look again a little later: nothing new.
      clockA.advance(HOUR);
      clockB.advance(HOUR);
      await Promise.all([server.services.scheduler.tick(), second.scheduler.tick()]);
      await idle();
    }
    const runs = await server.services.policyRunRecords.runsOf(policy.id);
    assert.deepEqual(runs.map((r) => r.slot), expected);
    assert.ok(runs.every((r) => r.status === 'DONE'));

    const runJobs = await db().selectFrom('jobs').selectAll().where('job_type', '=', 'bksPolicyRun').execute();
    assert.equal(runJobs.length, expected.length);
    assert.ok(runJobs.every((j) => j.status === 'SUCCESS' && j.attempts === 1), JSON.stringify(runJobs.map((j) => [j.status, j.attempts, j.fail_reason])));

    const backups = await db().selectFrom('backups').select(['volume_id', 'status', 'name']).where('policy_id', '=', policy.id).execute();
    assert.equal(backups.length, expected.length * volumes.length);
    assert.ok(backups.every((b) => b.status === 'available' && /^autobk_[0-9a-f]{4}$/.test(b.name ?? '')));
    for (const v of volumes) assert.equal(backups.filter((b) => b.volume_id === v).length, expected.length);
    const createJobs = await db().selectFrom('jobs').selectAll().where('job_type', '=', 'bksCreateBackup').execute();
    assert.ok(createJobs.every((j) => j.status === 'SUCCESS' && j.attempts === 1), JSON.stringify(createJobs.map((j) => [j.status, j.attempts, j.fail_reason])));

    const listed = await call({ url: secondUrl }, 'GET', `/v2/${m.projectId}/backuppolicy/${policy.id}/backuptasks?status=EXECUTE_SUCCESS`, { token: m.token });
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.body.count, expected.length * volumes.length);
    // Each tick of each process claimed its slot or found it taken: none failed on the way.
    assert.deepEqual(errors, []);
    await db().deleteFrom('backup_policies').where('id', '=', policy.id).execute();
  });

  it('of two concurrent "execute at once" requests to the two processes exactly one runs', async () => {
    const policy = await insertPolicy(db(), policyRecord(m.projectId, { status: 'OFF', createdAt: clockA.now() }), volumes);
    const [a, b] = await Promise.all(
      [server, { url: secondUrl }].map((s) => call(s, 'POST', `/v2/${m.projectId}/backuppolicy/${policy.id}/action`, { token: m.token })),
    );
    assert.deepEqual([a.status, b.status].sort(), [204, 400], `${a.text} ${b.text}`);
    const refused = a.status === 400 ? a : b;
    assert.equal(refused.body.error.code, 'AutoBackup.0225');
    await idle();
    assert.equal((await server.services.policyRunRecords.runsOf(policy.id)).length, 1);
    const tasks = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${policy.id}/backuptasks`, { token: m.token });
    assert.equal(tasks.body.count, volumes.length);
    assert.ok(tasks.body.tasks.every((t: { status: string }) => t.status === 'EXECUTE_SUCCESS'));
    assert.deepEqual(errors, []);
  });
});
