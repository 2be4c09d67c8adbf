import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { createAvailableVolume } from '../support/volumes.js';
import { until } from '../support/wait.js';

type Line = Record<string, unknown>;
type Member = Awaited<ReturnType<typeof projectWithUser>>;
const MiB = 1024 * 1024;

/** A logger at `level` whose JSON lines the test reads: the server's and its services' log. */
function capturingLogger(level: string) {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** Text that compresses well but whose blocks all differ, so neither zeros nor deduplication hide it. */
function compressible(bytes: number, name: string): Buffer {
  const out = Buffer.alloc(bytes);
  let at = 0;
  for (let i = 0; at < bytes; i++) at += out.write(`line ${i} of volume ${name}, compressible much like a log file\n`, at);
  return out;
}

/** A volume of 1 GiB with `mib` MiB of compressible data at its start. */
async function volumeWithData(server: TestServer, m: Member, name: string, mib: number): Promise<string> {
  const id = await createAvailableVolume(server, m, { size: 1, name });
  const fh = await fs.open(server.services.volumeDriver.path('volume', id), 'r+');
  await fh.write(compressible(mib * MiB, name), 0, mib * MiB, 0);
  await fh.close();
  return id;
}

async function jobBody(server: TestServer, m: Member, jobId: string) {
  return (await call(server, 'GET', `/v1/${m.projectId}/jobs/${jobId}`, { token: m.token })).body;
}

/** Polls the job until it ends; every view seen on the way. */
async function followJob(server: TestServer, m: Member, jobId: string) {
  const seen: Array<{ status: string; progress: unknown }> = [];
  const end = await until(`job ${jobId}`, async () => {
    const body = await jobBody(server, m, jobId);
    seen.push({ status: body.status, progress: body.progress });
    return body.status === 'SUCCESS' || body.status === 'FAIL' ? body : undefined;
  });
  return { end, seen };
}

async function backUp(server: TestServer, m: Member, volumeId: string, name: string): Promise<string> {
  const r = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: volumeId, name } } });
  assert.equal(r.status, 200, r.text);
  return r.body.job_id as string;
}

async function metrics(server: TestServer) {
  const r = await call(server, 'GET', '/metrics');
  assert.equal(r.status, 200);
  return { text: r.text, samples: parsePrometheus(r.text) };
}

for (const db of DB_KINDS) {
  describe(`job progress, operators' events and metrics (${db})`, () => {
    let server: TestServer;
    let m: Member;
    const log = capturingLogger('info');
    const events = (name: string, jobId?: string) => log.lines.filter((l) => l.event === name && (jobId === undefined || l.job_id === jobId));

    before(async () => {
      server = await startServer({ db, logger: log.logger, servicesLog: log.logger });
      server.services.runner.start();
      m = await projectWithUser(server, 'ops-events');
    });
    after(async () => server.close());

    it('a backup job shows its progress rising to 100; a delete job, a kind without progress, shows null', async () => {
      // Eight packs of data spread over the disk; the store holds the third pack's write until the
      // job's view has shown progress between 0 and 100, so the backup waits mid-way (at most 20 s).
      const vol = await createAvailableVolume(server, m, { size: 1, name: 'progress' });
      const fh = await fs.open(server.services.volumeDriver.path('volume', vol), 'r+');
      for (let i = 0; i < 8; i++) await fh.write(randomBytes(8 * MiB), 0, 8 * MiB, i * 128 * MiB);
      await fh.close();
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
        setTimeout(resolve, 20_000).unref();
      });
      const store = server.services.store;
      const put = store.put.bind(store);
      let packs = 0;
      store.put = async (key: string, data: Buffer) => {
        if (key.startsWith('packs/') && ++packs >= 3) await gate;
        await put(key, data);
      };
      let followed;
      try {
        const jobId = await backUp(server, m, vol, 'progress');
        await until('progress mid-way', async () => {
          const p = (await jobBody(server, m, jobId)).progress;
          return typeof p === 'number' && p > 0 && p < 100;
        }, 20_000).finally(open);
        followed = await followJob(server, m, jobId);
      } finally {
        store.put = put;
      }
      const { end, seen } = followed;
      assert.equal(end.status, 'SUCCESS', JSON.stringify(end));
      assert.equal(end.progress, 100);
      const running = seen.filter((s) => s.status === 'RUNNING').map((s) => s.progress as number);
      assert.ok(running.length > 0, 'the job was seen running');
      // 100 is reached while the job still records the backup.
      for (const p of running) assert.ok(Number.isInteger(p) && p >= 0 && p <= 100, `progress ${p} while running`);
      for (const [i, p] of running.entries()) assert.ok(i === 0 || p >= running[i - 1], `progress never goes back: ${running.join(',')}`);
      for (const s of seen.filter((x) => x.status === 'INIT')) assert.equal(s.progress, null, 'no progress before the job starts');

      const deleted = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups/${end.entities.backup_id}`, { token: m.token });
      assert.equal(deleted.status, 200, deleted.text);
      const gone = await followJob(server, m, deleted.body.job_id);
      assert.equal(gone.end.status, 'SUCCESS', JSON.stringify(gone.end));
      assert.equal(gone.end.job_type, 'bksDeleteBackup');
      for (const s of gone.seen) assert.equal(s.progress, null);
      // The delete reclaimed the backup's blocks: its gc result is an event.
      const gc = log.lines.find((l) => l.event === 'gc.end' && l.project_id === m.projectId && l.trigger === 'backup-delete');
      assert.ok(gc, 'a gc.end event for the delete');
      assert.equal(gc.deferred, null);
      // Its packs are younger than gc's grace period: nothing freed yet, and no backup left.
      assert.equal(gc.backups, 0, JSON.stringify(gc));
      assert.equal(typeof gc.bytes_freed, 'number');
    });

    it('a restore job shows its progress, 100 when done', async () => {
      const vol = await volumeWithData(server, m, 'restore-source', 4);
      const created = await followJob(server, m, await backUp(server, m, vol, 'to_restore'));
      assert.equal(created.end.status, 'SUCCESS');
      const r = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups/${created.end.entities.backup_id}/restore`, { token: m.token, body: { restore: { volume_id: vol } } });
      assert.equal(r.status, 200, r.text);
      const restored = await followJob(server, m, r.body.job_id);
      assert.equal(restored.end.status, 'SUCCESS', JSON.stringify(restored.end));
      assert.equal(restored.end.job_type, 'bksRestoreBackup');
      assert.equal(restored.end.progress, 100);
      const end = events('job.end', r.body.job_id)[0];
      assert.equal(end?.bytes_written, 1024 * MiB, JSON.stringify(end));
      // Restored over the volume it was taken from: every block was already there.
      assert.equal(end?.bytes_fetched, 0, JSON.stringify(end));
      assert.equal(end?.bytes_unchanged, 4 * MiB, JSON.stringify(end));
    });

    it('logs a backup\'s start and end, and a failed backup\'s failure, as JSON events; requests are not logged at info', async () => {
      const before = await metrics(server);
      const vol = await volumeWithData(server, m, 'logged', 8);
      const ok = await followJob(server, m, await backUp(server, m, vol, 'logged'));
      assert.equal(ok.end.status, 'SUCCESS');
      const jobId = ok.end.job_id as string;
      const [start] = events('job.start', jobId);
      assert.ok(start, 'a job.start event');
      assert.equal(start.kind, 'bksCreateBackup');
      assert.equal(start.project_id, m.projectId);
      assert.equal((start.entities as Line).volume_id, vol);
      assert.equal(start.level, 30);
      const [end] = events('job.end', jobId);
      assert.ok(end, 'a job.end event');
      assert.equal(end.outcome, 'SUCCESS');
      assert.equal(end.kind, 'bksCreateBackup');
      assert.equal((end.entities as Line).backup_id, ok.end.entities.backup_id);
      assert.ok(typeof end.duration_ms === 'number' && end.duration_ms >= 0);
      const read = end.bytes_read as number;
      const stored = end.bytes_stored as number;
      assert.ok(read >= 8 * MiB, `bytes_read ${read}`);
      assert.ok(stored > 0 && stored < read, `bytes_stored ${stored} of ${read} read: the text compresses`);
      assert.equal(typeof end.bytes_deduplicated, 'number');

      // A project whose pack folder in the store is a file: every pack write fails.
      const other = await projectWithUser(server, 'ops-events-fail');
      const storeRoot = path.join(server.dataDir, 'store');
      await fs.mkdir(path.join(storeRoot, 'dpacks'), { recursive: true });
      await fs.writeFile(path.join(storeRoot, 'dpacks', `d${other.projectId}`), 'not a folder');
      const doomed = await volumeWithData(server, other, 'doomed', 2);
      const failed = await followJob(server, other, await backUp(server, other, doomed, 'doomed'));
      assert.equal(failed.end.status, 'FAIL', JSON.stringify(failed.end));
      const [fail] = events('job.fail', failed.end.job_id);
      assert.ok(fail, 'a job.fail event');
      assert.equal(fail.kind, 'bksCreateBackup');
      assert.equal(fail.outcome, 'FAIL');
      assert.equal(fail.error_code, failed.end.error_code);
      assert.equal(fail.reason, failed.end.fail_reason);
      assert.equal(fail.level, 50);
      assert.ok(log.lines.some((l) => l.event === 'store.error' && l.operation === 'put'), 'the store failure is an event');
      assert.equal(events('job.end', failed.end.job_id).length, 0);

      // Requests went on all along (the polling): none was logged at info.
      assert.ok(!log.lines.some((l) => l.event === 'http.request' || /^request/.test(String(l.msg))), 'no request lines at info');

      const after = (await metrics(server)).samples;
      const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before.samples, name, labels);
      assert.equal(delta('vbs_jobs_total', { kind: 'bksCreateBackup', outcome: 'SUCCESS' }), 1);
      assert.equal(delta('vbs_jobs_total', { kind: 'bksCreateBackup', outcome: 'FAIL' }), 1);
      assert.equal(delta('vbs_job_duration_seconds_count', { kind: 'bksCreateBackup', outcome: 'SUCCESS' }), 1);
      assert.equal(delta('vbs_job_duration_seconds_count', { kind: 'bksCreateBackup', outcome: 'FAIL' }), 1);
      assert.equal(delta('vbs_backup_bytes_read_total'), read);
      assert.equal(delta('vbs_backup_bytes_stored_total'), stored);
      assert.ok(delta('vbs_backup_bytes_stored_total') <= delta('vbs_backup_bytes_read_total'));
      assert.equal(delta('vbs_backup_bytes_deduplicated_total'), end.bytes_deduplicated);
      assert.ok(delta('vbs_store_errors_total', { operation: 'put' }) >= 1);
    });

    it('counts every job kind on /metrics from the start: the restore and delete above are there', async () => {
      const { text, samples } = await metrics(server);
      assert.match(text, /^# TYPE vbs_jobs_total counter$/m);
      assert.match(text, /^# TYPE vbs_job_duration_seconds histogram$/m);
      assert.equal(sampleValue(samples, 'vbs_jobs_total', { kind: 'bksRestoreBackup', outcome: 'SUCCESS' }), 1);
      assert.equal(sampleValue(samples, 'vbs_jobs_total', { kind: 'bksDeleteBackup', outcome: 'SUCCESS' }), 1);
      assert.ok(sampleValue(samples, 'vbs_jobs_total', { kind: 'bksCreateBackup', outcome: 'SUCCESS' }) >= 3);
    });
  });
}

describe('request lines at debug', () => {
  it('logs one line per request at debug, with method, route, status and duration', async () => {
    const log = capturingLogger('debug');
    const server = await startServer({ logger: log.logger });
    try {
      const r = await call(server, 'GET', `/v1/${server.adminProjectId}/jobs/${'a'.repeat(32)}`, { token: server.adminToken });
      assert.equal(r.status, 404);
      const id = r.headers.get('x-openstack-request-id');
      const lines = log.lines.filter((l) => l.reqId === id && l.event === 'http.request');
      assert.equal(lines.length, 1, JSON.stringify(log.lines.filter((l) => l.reqId === id)));
      const [line] = lines;
      assert.equal(line.level, 20);
      assert.equal(line.method, 'GET');
      assert.equal(line.route, '/v1/:project_id/jobs/:job_id');
      assert.equal(line.status, 404);
      assert.equal(typeof line.duration_ms, 'number');
    } finally {
      await server.close();
    }
  });
});
