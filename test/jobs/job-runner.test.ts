import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/common/clock.js';
import { openDatabase, type DbHandle } from '../../src/db/connect.js';
import { JobRepository } from '../../src/jobs/job-repository.js';
import { JobFailure, JobRunner } from '../../src/jobs/job-runner.js';
import { jobErrorCode } from '../../src/http/error-mapping.js';
import { DB_KINDS, freshPostgresDatabase, tempDir } from '../support/server.js';
import { until } from '../support/wait.js';


for (const kind of DB_KINDS) {
  describe(`job runner (${kind})`, () => {
    let url: string | undefined;
    let dataDir: string;
    const handles: DbHandle[] = [];
    const open = async () => {
      const h = await openDatabase(url, dataDir);
      handles.push(h);
      return new JobRepository(h.db, systemClock);
    };
    before(async () => {
      dataDir = tempDir();
      url = kind === 'postgres' ? await freshPostgresDatabase() : undefined;
    });
    after(async () => {
      for (const h of handles) await h.close();
    });

    it('runs a job once and records its entities and times', async () => {
      const repo = await open();
      const runner = new JobRunner(repo, { workers: 2, pollMs: 20, codeOf: jobErrorCode });
      runner.register('echo', { run: async ({ job }) => ({ echoed: job.payload.value }) });
      const job = await repo.create({ projectId: 'p1', type: 'echo', payload: { value: 42 }, entities: { volume_id: 'v' } });
      assert.equal(job.status, 'INIT');
      runner.start();
      await until('success', async () => (await repo.get(job.id))?.status === 'SUCCESS');
      await runner.stop();
      const done = (await repo.get(job.id))!;
      assert.deepEqual(done.entities, { volume_id: 'v', echoed: 42 });
      assert.ok(done.beginTime && done.endTime && done.endTime >= done.beginTime);
      assert.equal(done.attempts, 1);
      assert.equal(done.errorCode, null);
    });

    it('fails a job with the code and reason its handler gives', async () => {
      const repo = await open();
      const runner = new JobRunner(repo, { workers: 1, pollMs: 20, codeOf: jobErrorCode });
      runner.register('refuse', {
        run: async () => {
          throw new JobFailure('backup.not-available', 'backup status is not available');
        },
      });
      const job = await repo.create({ projectId: 'p1', type: 'refuse' });
      runner.start();
      await until('failure', async () => (await repo.get(job.id))?.status === 'FAIL');
      await runner.stop();
      const failed = (await repo.get(job.id))!;
      assert.equal(failed.errorCode, 'VolumeBackup.0089');
      assert.equal(failed.failReason, 'backup status is not available');
    });

    it('never runs one job twice with two runners on separate connections', async () => {
      const repoA = await open();
      const repoB = await open();
      const runs = new Map<string, number>();
      const handler = {
        run: async ({ job }: { job: { id: string } }) => {
          runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 5));
        },
      };
      const a = new JobRunner(repoA, { workers: 2, pollMs: 5, codeOf: jobErrorCode });
      const b = new JobRunner(repoB, { workers: 2, pollMs: 5, codeOf: jobErrorCode });
      a.register('race', handler);
      b.register('race', handler);
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await repoA.create({ projectId: 'p1', type: 'race' })).id);
      a.start();
      b.start();
      await until('all done', async () => {
        for (const id of ids) if ((await repoA.get(id))?.status !== 'SUCCESS') return false;
        return true;
      }, 30_000);
      await Promise.all([a.stop(), b.stop()]);
      assert.equal(runs.size, 40);
      for (const id of ids) assert.equal(runs.get(id), 1, `job ${id} ran ${runs.get(id)} times`);
    });

    it('recovers the jobs of a dead worker: retried when allowed, otherwise failed with a reason', async () => {
      const repo = await open();
      const retryable = await repo.create({ projectId: 'p1', type: 'recover', maxAttempts: 2 });
      const once = await repo.create({ projectId: 'p1', type: 'recover-once', maxAttempts: 1 });
      // A worker that claims both and dies: it never heartbeats nor finishes.
      assert.ok(await repo.claim('dead-worker', ['recover'], 100));
      assert.ok(await repo.claim('dead-worker', ['recover-once'], 100));
      const abandoned: string[] = [];
      const runner = new JobRunner(repo, { workers: 2, pollMs: 20, leaseMs: 300, codeOf: jobErrorCode });
      runner.register('recover', { run: async () => ({ recovered: true }) });
      runner.register('recover-once', { run: async () => ({}), onAbandoned: async (job) => void abandoned.push(job.id), failureRule: 'backup.create-failed' });
      await new Promise((r) => setTimeout(r, 150));
      runner.start();
      await until('recovery', async () => (await repo.get(retryable.id))?.status === 'SUCCESS' && (await repo.get(once.id))?.status === 'FAIL');
      await runner.stop();
      const r = (await repo.get(retryable.id))!;
      assert.equal(r.attempts, 2);
      assert.equal(r.entities.recovered, true);
      const f = (await repo.get(once.id))!;
      assert.match(f.failReason ?? '', /interrupted/);
      assert.equal(f.errorCode, 'VolumeBackup.0027', "the code of the job's kind");
      assert.deepEqual(abandoned, [once.id]);
    });

    it('claims a job queued while a poll runs at once, not at the next poll', async () => {
      const h = await openDatabase(url, dataDir);
      handles.push(h);
      // The first poll looks (nothing there yet), then is held up while a job is queued and kicked.
      let looked = false;
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      class HeldRepository extends JobRepository {
        private first = true;
        override async claim(...args: Parameters<JobRepository['claim']>) {
          const job = await super.claim(...args);
          if (this.first) {
            this.first = false;
            looked = true;
            await released;
          }
          return job;
        }
      }
      const repo = new HeldRepository(h.db, systemClock);
      const runner = new JobRunner(repo, { workers: 1, pollMs: 60_000, codeOf: jobErrorCode });
      runner.register('prompt', { run: async () => ({}) });
      runner.start();
      // Polled for, not awaited: the runner's timers are unref'd and SQLite's calls are synchronous,
      // so a bare promise would leave nothing to keep the event loop alive.
      await until('the first poll to look', async () => looked, 5_000);
      const job = await repo.create({ projectId: 'p1', type: 'prompt' });
      runner.kick();
      release();
      try {
        await until('the job claimed well before the next poll', async () => (await repo.get(job.id))?.status === 'SUCCESS', 5_000);
      } finally {
        await runner.stop();
      }
    });

    it('drains on stop: a job that ends within the drain time ends on its node, one that does not goes back to the queue for another node at once', async () => {
      const repoA = await open();
      const repoB = await open();
      const events: Array<{ event: string; job_id?: string; node?: string }> = [];
      const observe = { emit: (e: { event: string; job_id?: string; node?: string }) => void events.push(e) };
      const cleaned: string[] = [];
      const handler = (node: string) => ({
        run: async ({ job, signal }: { job: { id: string; payload: Record<string, unknown> }; signal: AbortSignal }) => {
          const until = Date.now() + Number(job.payload.ms);
          while (Date.now() < until) {
            if (signal.aborted) {
              // What a backup does when stopped: put its work away, then rethrow.
              await new Promise((r) => setTimeout(r, 20));
              cleaned.push(job.id);
              throw signal.reason;
            }
            await new Promise((r) => setTimeout(r, 5));
          }
          return { ran_on: node };
        },
      });
      const a = new JobRunner(repoA, { workers: 2, pollMs: 10, leaseMs: 60_000, codeOf: jobErrorCode, events: observe as never, node: 'node-a' });
      a.register('work', handler('node-a'));
      const short = await repoA.create({ projectId: 'p1', type: 'work', payload: { ms: 100 }, maxAttempts: 1 });
      const long = await repoA.create({ projectId: 'p1', type: 'work', payload: { ms: 60_000 }, maxAttempts: 1 });
      a.start();
      await until('both running', async () => (await repoA.get(short.id))?.status === 'RUNNING' && (await repoA.get(long.id))?.status === 'RUNNING');
      const stopped = Date.now();
      await a.stop(500);
      assert.ok(Date.now() - stopped < 5_000, 'the stop does not wait for the long job');
      assert.equal((await repoA.get(short.id))!.status, 'SUCCESS');
      assert.equal((await repoA.get(short.id))!.entities.ran_on, 'node-a');
      const released = (await repoA.get(long.id))!;
      assert.equal(released.status, 'INIT', 'the unfinished job is queued again, not left to its lease');
      assert.equal(released.attempts, 0, 'a drain is not a failed attempt, even of a job with one attempt');
      assert.equal(released.leaseOwner, null);
      assert.deepEqual(cleaned, [long.id], 'its handler put its work away first');
      assert.ok(events.some((e) => e.event === 'job.release' && e.job_id === long.id && e.node === 'node-a'));
      assert.ok(events.filter((e) => e.event.startsWith('job.')).every((e) => e.node === 'node-a'), 'every job event names its node');

      const b = new JobRunner(repoB, { workers: 1, pollMs: 10, codeOf: jobErrorCode, node: 'node-b' });
      b.register('work', handler('node-b'));
      b.start();
      await until('taken over', async () => (await repoB.get(long.id))?.status === 'RUNNING');
      const taken = (await repoB.get(long.id))!;
      assert.match(taken.leaseOwner ?? '', /^node-b:/);
      assert.equal(taken.attempts, 1);
      await b.stop(0);
    });

    it('does not let a worker whose lease was taken over write the outcome', async () => {
      const repo = await open();
      const job = await repo.create({ projectId: 'p1', type: 'fence', maxAttempts: 2 });
      assert.ok(await repo.claim('slow-worker', ['fence'], 1));
      await new Promise((r) => setTimeout(r, 20));
      await repo.recoverExpired(() => 'VolumeBackup.p.0014');
      assert.ok(await repo.claim('new-worker', ['fence'], 60_000));
      assert.equal(await repo.succeed(job.id, 'slow-worker', { by: 'slow' }), false);
      assert.equal(await repo.heartbeat(job.id, 'slow-worker', 1000), false);
      assert.equal(await repo.succeed(job.id, 'new-worker', { by: 'new' }), true);
      assert.equal((await repo.get(job.id))!.entities.by, 'new');
    });
  });
}
