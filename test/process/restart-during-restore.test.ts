import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DB_KINDS, call, issueToken, restartableServe } from '../support/server.js';
import { runCli, startServe } from '../support/cli.js';
import { headOf, sameBytes } from '../support/sparse-files.js';
import { until } from '../support/wait.js';
import { fillDistinct } from '../support/volume-data.js';
import { createAvailableVolume, writeAt } from '../support/volumes.js';

const MiB = 1024 * 1024;

for (const db of DB_KINDS) it(`a restore over an existing volume killed with the server half-way is finished after the restart, or leaves the volume error_restoring until it is run again (${db})`, async (t) => {
  const { env, server } = await restartableServe(db);
  let serve = startServe(env);
  try {
    await serve.waitFor('serving on', 30_000);
    const { token, projectId } = await issueToken(server.url, 'admin', 'pw', 'admin');
    const imageOf = async (id: string) => (await runCli(['volume', 'path', id], env)).stdout.trim().split(/\s+/).pop()!;
    const jobOf = async (id: string) => (await call(server, 'GET', `/v1/${projectId}/jobs/${id}`, { token })).body;
    const jobEnd = (id: string, ms = 120_000) =>
      until(`job ${id}`, async () => {
        const j = await jobOf(id);
        return j.status === 'SUCCESS' || j.status === 'FAIL' ? j : undefined;
      }, ms);
    const volumeOf = async (id: string) => (await call(server, 'GET', `/v3/${projectId}/volumes/${id}`, { token })).body.volume;

    // A backup whose restore takes a while: 512 MiB of distinct, incompressible data.
    const sourceId = await createAvailableVolume(server, { projectId, token }, { size: 1, name: 'source' });
    const source = await imageOf(sourceId);
    await fillDistinct(source, 512 * MiB);
    const b = await call(server, 'POST', `/v2/${projectId}/cloudbackups`, { token, body: { backup: { volume_id: sourceId, name: 'b' } } });
    assert.equal(b.status, 200, b.text);
    const backupJob = await jobEnd(b.body.job_id as string);
    assert.equal(backupJob.status, 'SUCCESS', JSON.stringify(backupJob));
    const backupId = backupJob.entities.backup_id as string;

    // The target holds data of its own, at its start among other places.
    const targetId = await createAvailableVolume(server, { projectId, token }, { size: 1, name: 'target' });
    const target = await imageOf(targetId);
    for (const at of [0, 100, 900]) writeAt(target, at * MiB, randomBytes(4 * MiB));

    // Killed once it has restored the volume's first window in place, before the rest.
    const leftovers = () => fs.readdirSync(path.dirname(target)).filter((n) => n.startsWith(`.${path.basename(target)}.partial-`));
    const head = (file: string) => headOf(file, 64 * 1024);
    const sourceHead = head(source);
    const r = await call(server, 'POST', `/v2/${projectId}/cloudbackups/${backupId}/restore`, { token, body: { restore: { volume_id: targetId } } });
    assert.equal(r.status, 200, r.text);
    const jobId = r.body.job_id as string;
    const deadline = Date.now() + 60_000;
    while (!head(target).equals(sourceHead) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    serve.child.kill('SIGKILL');
    await serve.exited;
    assert.ok(head(target).equals(sourceHead), 'the restore wrote the volume in place');
    assert.ok(!sameBytes(target, source), 'the kill came before the restore was done');
    assert.deepEqual(leftovers(), [], 'no image was built beside the volume');

    serve = startServe(env);
    await serve.waitFor('serving on', 30_000);
    const job = await jobEnd(jobId, 60_000);
    const volume = await until('the volume to leave restoring-backup', async () => {
      const v = await volumeOf(targetId);
      return v.status === 'restoring-backup' ? undefined : v;
    }, 30_000);
    t.diagnostic(`the killed restore's job ended ${job.status}, the volume ${volume.status}`);
    if (job.status === 'FAIL') {
      assert.equal(volume.status, 'error_restoring', 'a volume partly restored says so');
    } else {
      assert.equal(volume.status, 'available');
      assert.ok(sameBytes(target, source), 'the volume holds the whole backup');
    }
    assert.deepEqual(leftovers(), []);
    assert.equal((await call(server, 'GET', `/v2/${projectId}/backups/${backupId}`, { token })).body.backup.status, 'available');

    // After a reset by the administrator, the same restore runs to its end.
    if (volume.status !== 'available') {
      const reset = await call(server, 'POST', `/v3/${projectId}/volumes/${targetId}/action`, { token, body: { 'os-reset_status': { status: 'available' } } });
      assert.equal(reset.status, 202, reset.text);
    }
    const again = await call(server, 'POST', `/v2/${projectId}/cloudbackups/${backupId}/restore`, { token, body: { restore: { volume_id: targetId } } });
    assert.equal(again.status, 200, again.text);
    assert.equal((await jobEnd(again.body.job_id as string)).status, 'SUCCESS');
    assert.equal((await volumeOf(targetId)).status, 'available');
    assert.ok(sameBytes(target, source));
    assert.deepEqual(leftovers(), []);
  } finally {
    await serve.stop('SIGTERM');
  }
});
