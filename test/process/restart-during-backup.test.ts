import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { call, issueToken, tempDir } from '../support/server.js';
import { freePort } from '../support/net.js';
import { runCli, startServe } from '../support/cli.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

it('a backup interrupted by a killed server ends SUCCESS or FAIL with a reason after the restart, never stuck', async () => {
  const port = await freePort();
  const env = { VBS_DATA_DIR: tempDir(), VBS_PORT: String(port), VBS_ADMIN_PASSWORD: 'pw', VBS_LOG_LEVEL: 'warn', VBS_JOB_LEASE_SECONDS: '2' };
  const server = { url: `http://127.0.0.1:${port}` };
  let serve = startServe(env);
  await serve.waitFor('serving on', 30_000);
  const { token, projectId } = await issueToken(server.url, 'admin', 'pw', 'admin');
  const created = await call(server, 'POST', `/v3/${projectId}/volumes`, { token, body: { volume: { size: 2, name: 'big' } } });
  const volumeId = created.body.volume.id as string;
  await until('volume', async () => ((await call(server, 'GET', `/v3/${projectId}/volumes/${volumeId}`, { token })).body.volume.status === 'available' ? true : undefined), 30_000);
  const where = await runCli(['volume', 'path', volumeId], env);
  const image = where.stdout.trim().split(/\s+/).pop()!;
  const fh = await fs.open(image, 'r+');
  for (let i = 0; i < 24; i++) await fh.write(randomBytes(32 * 1024 * 1024), 0, 32 * 1024 * 1024, i * 64 * 1024 * 1024);
  await fh.close();

  const started = await call(server, 'POST', `/v2/${projectId}/cloudbackups`, { token, body: { backup: { volume_id: volumeId, name: 'interrupted' } } });
  assert.equal(started.status, 200, started.text);
  const jobId = started.body.job_id as string;
  await until('the job to run', async () => ((await call(server, 'GET', `/v1/${projectId}/jobs/${jobId}`, { token })).body.status !== 'INIT' ? true : undefined), 30_000);
  serve.child.kill('SIGKILL');
  await serve.exited;

  serve = startServe(env);
  try {
    await serve.waitFor('serving on', 30_000);
    const job = await until(
      'the job to end',
      async () => {
        const r = await call(server, 'GET', `/v1/${projectId}/jobs/${jobId}`, { token });
        return r.body.status === 'SUCCESS' || r.body.status === 'FAIL' ? r.body : undefined;
      },
      60_000,
    );
    const backupId = job.entities.backup_id as string;
    const backup = (await call(server, 'GET', `/v2/${projectId}/backups/${backupId}`, { token })).body.backup;
    if (job.status === 'FAIL') {
      assert.ok(job.fail_reason, 'a failed job says why');
      assert.ok(job.error_code);
      assert.equal(backup.status, 'error');
      assert.ok(backup.fail_reason);
    } else {
      assert.equal(backup.status, 'available');
    }
    const volume = (await call(server, 'GET', `/v3/${projectId}/volumes/${volumeId}`, { token })).body.volume;
    assert.equal(volume.status, 'available', 'the volume is not left backing-up');
    // The volume can be backed up again at once.
    const again = await call(server, 'POST', `/v2/${projectId}/cloudbackups`, { token, body: { backup: { volume_id: volumeId, name: 'again' } } });
    assert.equal(again.status, 200, again.text);
    const done = await until(
      'the new backup',
      async () => {
        const r = await call(server, 'GET', `/v1/${projectId}/jobs/${again.body.job_id}`, { token });
        return r.body.status === 'SUCCESS' || r.body.status === 'FAIL' ? r.body : undefined;
      },
      120_000,
    );
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
  } finally {
    await serve.stop('SIGTERM');
  }
});
