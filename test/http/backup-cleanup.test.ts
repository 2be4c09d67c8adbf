/**
 * A backup job that fails on a full store leaves nothing of itself there: the store holds only
 * what the project's other backups reference, no in-flight marker holds gc back, and gc with
 * its default grace finds nothing to free. The next backup then has the space.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { openRepository, runGc } from '../../src/engine/index.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;
const MiB = 1024 * 1024;

for (const db of DB_KINDS) {
  describe(`a backup that fails on a full store (${db})`, () => {
    let server: TestServer;
    let m: Member;
    before(async () => {
      server = await startServer({ db });
      server.services.runner.start();
      m = await projectWithUser(server, 'bk-cleanup');
    });
    after(async () => server.close());

    const job = (jobId: string) =>
      until(`job ${jobId}`, async () => {
        const r = await call(server, 'GET', `/v1/${m.projectId}/jobs/${jobId}`, { token: m.token });
        return r.body.status === 'SUCCESS' || r.body.status === 'FAIL' ? r.body : undefined;
      });
    const volumeWith = async (name: string, dataMiB: number) => {
      const r = await call(server, 'POST', `/v3/${m.projectId}/volumes`, { token: m.token, body: { volume: { size: 1, name } } });
      assert.equal(r.status, 202, r.text);
      const id = r.body.volume.id as string;
      await until('volume available', async () => ((await call(server, 'GET', `/v3/${m.projectId}/volumes/${id}`, { token: m.token })).body.volume.status === 'available' ? true : undefined));
      const fh = await fs.open(server.services.volumeDriver.path('volume', id), 'r+');
      await fh.write(randomBytes(dataMiB * MiB), 0, dataMiB * MiB, 64 * MiB);
      await fh.close();
      return id;
    };
    const backUp = async (volumeId: string, name: string) => {
      const created = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: volumeId, name } } });
      assert.equal(created.status, 200, created.text);
      return job(created.body.job_id);
    };
    /** Keys of the project's data in the store: manifests, packs, indexes and in-flight markers. */
    const storeKeys = async () => {
      const out: string[] = [];
      for (const kind of ['manifests', 'packs', 'index', 'inflight']) for await (const o of server.services.store.list(`${kind}/${m.projectId}/`)) out.push(o.key);
      return out.sort();
    };

    it('ends with the store holding only what the existing backups reference', async () => {
      const kept = await backUp(await volumeWith('kept', 4), 'kept');
      assert.equal(kept.status, 'SUCCESS', JSON.stringify(kept));
      const before = await storeKeys();

      // The disk fills after two packs of the next backup (40 MiB of new data: five 8 MiB packs).
      const store = server.services.store;
      const put = store.put.bind(store);
      let packs = 0;
      store.put = async (key: string, data: Buffer) => {
        if (key.startsWith('packs/') && ++packs > 2) writeFileSync('/dev/full', data);
        await put(key, data);
      };
      let failed;
      try {
        failed = await backUp(await volumeWith('big', 40), 'no_room');
      } finally {
        store.put = put;
      }
      assert.equal(failed.status, 'FAIL', JSON.stringify(failed));
      assert.match(failed.fail_reason, /ENOSPC/);
      assert.ok(packs > 2, 'the failed backup wrote packs before the store filled');
      const backup = (await call(server, 'GET', `/v3/${m.projectId}/backups/${failed.entities.backup_id}`, { token: m.token })).body.backup;
      assert.equal(backup.status, 'error');

      assert.deepEqual(await storeKeys(), before, 'nothing of the failed backup is left in the store');
      const gc = await runGc(openRepository(store, m.projectId));
      assert.equal(gc.skipped, null);
      assert.deepEqual([gc.packsDeleted, gc.orphanPacksDeleted, gc.bytesFreed], [0, 0, 0], JSON.stringify(gc));
    });
  });
}
