import { it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FsBlockStore } from '../../src/stores/fs-store.js';
import { DB_KINDS, call, issueToken, restartableServe } from '../support/server.js';
import { runCli, startServe } from '../support/cli.js';
import { until } from '../support/wait.js';
import { fillDistinct } from '../support/volume-data.js';
import { createAvailableVolume } from '../support/volumes.js';

for (const db of DB_KINDS) it(`a backup interrupted by a killed server ends SUCCESS or FAIL with a reason after the restart, never stuck, and leaves nothing that holds gc back (${db})`, async () => {
  const { env, server } = await restartableServe(db);
  let serve = startServe(env);
  // Whichever server runs when the test ends (or fails) is stopped: a leftover one would keep the run from ending.
  try {
    await serve.waitFor('serving on', 30_000);
    const { token, projectId } = await issueToken(server.url, 'admin', 'pw', 'admin');
    const volumeId = await createAvailableVolume(server, { projectId, token }, { size: 2, name: 'big' });
    const where = await runCli(['volume', 'path', volumeId], env);
    const image = where.stdout.trim().split(/\s+/).pop()!;
    await fillDistinct(image, 2 * 1024 ** 3);

    const started = await call(server, 'POST', `/v2/${projectId}/cloudbackups`, { token, body: { backup: { volume_id: volumeId, name: 'interrupted' } } });
    assert.equal(started.status, 200, started.text);
    const jobId = started.body.job_id as string;
    const jobOf = async (id: string) => (await call(server, 'GET', `/v1/${projectId}/jobs/${id}`, { token })).body;
    const backupOf = async (id: string) => (await call(server, 'GET', `/v2/${projectId}/backups/${id}`, { token })).body.backup;

    // Kill only once the engine is under way: the job RUNNING, the backup `creating` with some progress, not all.
    const backupId = await until(
      'the backup to be under way',
      async () => {
        const j = await jobOf(jobId);
        assert.ok(j.status === 'INIT' || j.status === 'RUNNING', `the backup ended before the kill: ${JSON.stringify(j)}`);
        if (j.status !== 'RUNNING') return undefined;
        const b = await backupOf(j.entities.backup_id as string);
        return Number(JSON.parse(b.service_metadata).progress) > 0 ? (b.id as string) : undefined;
      },
      30_000,
    );
    const [jobBefore, backupBefore] = await Promise.all([jobOf(jobId), backupOf(backupId)]);
    serve.child.kill('SIGKILL');
    await serve.exited;
    assert.equal(jobBefore.status, 'RUNNING', JSON.stringify(jobBefore));
    assert.equal(backupBefore.status, 'creating', JSON.stringify(backupBefore));
    assert.ok(Number(JSON.parse(backupBefore.service_metadata).progress) < 100, backupBefore.service_metadata);

    serve = startServe(env);
    await serve.waitFor('serving on', 30_000);
    const job = await until(
      'the job to end',
      async () => {
        const j = await jobOf(jobId);
        return j.status === 'SUCCESS' || j.status === 'FAIL' ? j : undefined;
      },
      60_000,
    );
    assert.equal(job.entities.backup_id, backupId);
    // Recovery fails the job first, then puts its records right.
    const backup = await until('the backup to leave creating', async () => {
      const b = await backupOf(backupId);
      return b.status === 'creating' ? undefined : b;
    }, 30_000);
    if (job.status === 'FAIL') {
      assert.ok(job.fail_reason, 'a failed job says why');
      assert.equal(job.error_code, 'VolumeBackup.0027', 'the code of a failed backup job');
      assert.ok(job.end_time);
      assert.equal(backup.status, 'error');
      assert.ok(backup.fail_reason);
    } else {
      assert.equal(backup.status, 'available');
    }
    const volume = (await call(server, 'GET', `/v3/${projectId}/volumes/${volumeId}`, { token })).body.volume;
    assert.equal(volume.status, 'available', 'the volume is not left backing-up');

    // Recovery ended the dead backup in the store too: its marker is gone (gc no longer waits
    // for it to go stale), and so is every pack it wrote (no other backup exists to need one).
    const store = new FsBlockStore(path.join(env.VBS_DATA_DIR, 'store'));
    const keysOf = async (kind: string) => {
      const out: string[] = [];
      for await (const o of store.list(`${kind}/${projectId}/`)) out.push(o.key);
      return out;
    };
    await until('the dead backup\'s in-flight marker to be removed', async () => ((await keysOf('inflight')).length === 0 ? true : undefined), 30_000);
    if (job.status === 'FAIL') {
      assert.deepEqual(await keysOf('manifests'), []);
      assert.deepEqual(await keysOf('packs'), [], 'the dead backup\'s packs are removed');
      assert.deepEqual(await keysOf('index'), []);
    }
    const gc = await runCli(['gc'], env);
    assert.equal(gc.code, 0, gc.stderr);
    assert.doesNotMatch(gc.stdout, /skipped/, gc.stdout);
    assert.doesNotMatch(gc.stdout, /deleted [1-9]/, `nothing was left for gc: ${gc.stdout}`);
    // The volume can be backed up again at once.
    const again = await call(server, 'POST', `/v2/${projectId}/cloudbackups`, { token, body: { backup: { volume_id: volumeId, name: 'again' } } });
    assert.equal(again.status, 200, again.text);
    const done = await until(
      'the new backup',
      async () => {
        const j = await jobOf(again.body.job_id as string);
        return j.status === 'SUCCESS' || j.status === 'FAIL' ? j : undefined;
      },
      120_000,
    );
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
  } finally {
    await serve.stop('SIGTERM');
  }
});
