import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JobFailure } from '../../src/jobs/job-runner.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { until } from '../support/wait.js';


for (const db of DB_KINDS) {
  describe(`GET /v1/{project_id}/jobs/{job_id} (${db})`, () => {
    let server: TestServer;
    let member: Awaited<ReturnType<typeof projectWithUser>>;
    before(async () => {
      server = await startServer({ db });
      member = await projectWithUser(server, 'jobs-proj');
      server.services.runner.register('testWork', {
        run: async ({ job }) => {
          if (job.payload.fail) throw new JobFailure('backup.volume-not-backupable', 'volume status is not available or in-use');
          return { backup_id: 'b-1' };
        },
      });
      server.services.runner.start();
    });
    after(async () => server.close());

    it('shows a job as it runs to SUCCESS, with its sub-jobs', async () => {
      const { jobs } = server.services;
      const parent = await jobs.create({ projectId: member.projectId, type: 'testWork', entities: { volume_id: 'v-1' } });
      await jobs.create({ projectId: member.projectId, type: 'testWork', parentId: parent.id, entities: { volume_id: 'v-2' } });
      server.services.runner.kick();
      await until('the parent job', async () => (await call(server, 'GET', `/v1/${member.projectId}/jobs/${parent.id}`, { token: member.token })).body.status === 'SUCCESS');
      const r = await call(server, 'GET', `/v1/${member.projectId}/jobs/${parent.id}`, { token: member.token });
      assert.equal(r.status, 200);
      assert.equal(r.body.job_id, parent.id);
      assert.match(r.body.job_id, /^[0-9a-f]{32}$/);
      assert.equal(r.body.job_type, 'testWork');
      assert.deepEqual(r.body.entities, { volume_id: 'v-1', backup_id: 'b-1' });
      assert.match(r.body.begin_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(r.body.end_time >= r.body.begin_time);
      assert.equal(r.body.error_code, null);
      assert.equal(r.body.fail_reason, null);
      assert.equal(r.body.sub_jobs.length, 1);
      assert.equal(r.body.sub_jobs[0].entities.volume_id, 'v-2');
      const sub = await call(server, 'GET', `/v1/${member.projectId}/jobs/${r.body.sub_jobs[0].job_id}`, { token: member.token });
      assert.equal(sub.status, 200, sub.text);
      assert.equal(sub.body.entities.volume_id, 'v-2');
      assert.deepEqual(sub.body.sub_jobs, []);
    });

    it('shows a failed job with its error code and reason', async () => {
      const job = await server.services.jobs.create({ projectId: member.projectId, type: 'testWork', payload: { fail: true } });
      server.services.runner.kick();
      await until('the failed job', async () => (await server.services.jobs.get(job.id))?.status === 'FAIL');
      const r = await call(server, 'GET', `/v1/${member.projectId}/jobs/${job.id}`, { token: member.token });
      assert.equal(r.body.status, 'FAIL');
      assert.equal(r.body.error_code, 'VolumeBackup.0012');
      assert.equal(r.body.fail_reason, 'volume status is not available or in-use');
    });

    it('answers 404 common.0011 for unknown, malformed and other projects\' jobs', async () => {
      const other = await projectWithUser(server, 'jobs-other');
      const foreign = await server.services.jobs.create({ projectId: other.projectId, type: 'none' });
      for (const id of ['0'.repeat(32), 'not-a-job', foreign.id]) {
        const r = await call(server, 'GET', `/v1/${member.projectId}/jobs/${id}`, { token: member.token });
        assert.equal(r.status, 404, id);
        assert.equal(r.body.error.code, 'common.0011');
        assert.match(r.body.error.message, /query job fail/);
      }
      const cross = await call(server, 'GET', `/v1/${other.projectId}/jobs/${foreign.id}`, { token: member.token });
      assert.equal(cross.status, 403);
    });
  });
}
