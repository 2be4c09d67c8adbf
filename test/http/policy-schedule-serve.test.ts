import { it } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call, issueToken, restartableServe } from '../support/server.js';
import { runCli, startServe } from '../support/cli.js';
import { until } from '../policies/fixtures.js';
import { fillDistinct } from '../support/volume-data.js';
import { createAvailableVolume } from '../support/volumes.js';

for (const db of DB_KINDS) it(`vbs serve runs policies; a run cut short by a killed server ends after the restart and no longer blocks the policy (${db})`, async () => {
  const { env, server } = await restartableServe(db);
  let serve = startServe(env);
  // Whichever server runs when the test ends (or fails) is stopped: a leftover one would keep the run from ending.
  try {
    await serve.waitFor('serving on', 30_000);
    const { token, projectId } = await issueToken(server.url, 'admin', 'pw', 'admin');
    const volumeId = await createAvailableVolume(server, { projectId, token }, { size: 2, name: 'big' });
    const policy = await call(server, 'POST', `/v2/${projectId}/backuppolicy`, {
      token,
      body: { backup_policy_name: 'served', scheduled_policy: { start_time: '03:00', frequency: 1, rentention_num: 5, status: 'OFF' } },
    });
    assert.equal(policy.status, 200, policy.text);
    const policyId = policy.body.backup_policy_id as string;
    const bound = await call(server, 'POST', `/v2/${projectId}/backuppolicyresources`, { token, body: { backup_policy_id: policyId, resources: [{ resource_id: volumeId, resource_type: 'volume' }] } });
    assert.deepEqual(bound.body.fail_resources, [], bound.text);
    const tasks = async (query = '') => (await call(server, 'GET', `/v2/${projectId}/backuppolicy/${policyId}/backuptasks${query}`, { token })).body;
    const action = () => call(server, 'POST', `/v2/${projectId}/backuppolicy/${policyId}/action`, { token });

    // The served process runs the policy's job and the volume's backup.
    assert.equal((await action()).status, 204);
    await until('first run', async () => ((await tasks('?status=EXECUTE_SUCCESS')).count === 1 ? true : undefined), 60_000);

    // Enough data that the next backup is still running when the server is killed.
    const where = await runCli(['volume', 'path', volumeId], env);
    const image = where.stdout.trim().split(/\s+/).pop()!;
    await fillDistinct(image, 2 * 1024 ** 3);
    assert.equal((await action()).status, 204);
    await until('the second backup to run', async () => ((await tasks('?status=RUNNING')).count === 1 ? true : undefined), 30_000);
    serve.child.kill('SIGKILL');
    await serve.exited;

    serve = startServe(env);
    await serve.waitFor('serving on', 30_000);
    // The run's job is taken up again once its lease runs out; it sees the backup job's end.
    const ended = await until(
      'the interrupted task to end',
      async () => {
        const t = (await tasks('?sort_order=desc&limit=1')).tasks[0];
        return t.status !== 'RUNNING' && t.status !== 'WAITING' ? t : undefined;
      },
      60_000,
    );
    // A backup cut short fails with the job it ran in (recovery fails it); one that had finished succeeds.
    assert.ok(['EXECUTE_SUCCESS', 'EXECUTE_FAIL'].includes(ended.status), JSON.stringify(ended));
    assert.ok(ended.finished_at);
    const runJob = await until(
      'the run job to end',
      async () => {
        const r = await call(server, 'GET', `/v1/${projectId}/jobs/${ended.vbs_job_id}`, { token });
        return r.body.status === 'SUCCESS' || r.body.status === 'FAIL' ? r.body : undefined;
      },
      60_000,
    );
    assert.equal(runJob.sub_jobs.length >= 1, true);
    // Not stuck "in progress": the policy runs again and backs the volume up.
    const again = await until('the policy to accept a run', async () => {
      const r = await action();
      return r.status === 204 ? r : undefined;
    }, 30_000);
    assert.equal(again.status, 204);
    await until('third run', async () => ((await tasks('?status=EXECUTE_SUCCESS')).count === (ended.status === 'EXECUTE_SUCCESS' ? 3 : 2) ? true : undefined), 120_000);
    assert.equal((await tasks()).count, 3);
  } finally {
    await serve.stop('SIGTERM');
  }
});
