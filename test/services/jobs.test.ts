/** The job query as the service keeps it, without HTTP: a project sees its own jobs only. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Services } from '../../src/container.js';
import { NotFound } from '../../src/services/common/errors.js';
import { DB_KINDS } from '../support/server.js';
import { startServices } from '../support/services.js';

for (const db of DB_KINDS) {
  describe(`job queries (${db})`, () => {
    let services: Services;
    let close: () => Promise<void>;
    before(async () => {
      ({ services, close } = await startServices(db));
    });
    after(async () => close());

    it("answers a job of another project, an unknown and a malformed id as a job that does not exist", async () => {
      const mine = (await services.identity.createProject('jobs-mine')).id;
      const theirs = (await services.identity.createProject('jobs-theirs')).id;
      const foreign = await services.jobs.create({ projectId: theirs, type: 'none' });
      for (const id of [foreign.id, '0'.repeat(32), 'not-a-job']) {
        await assert.rejects(services.jobQueries.show(mine, id), (err: unknown) => err instanceof NotFound && err.kind === 'not_found' && err.entity === 'job' && err.id === id, id);
      }
      assert.equal((await services.jobQueries.show(theirs, foreign.id)).job.id, foreign.id);
    });
  });
}
