/**
 * Restores through the API follow the backup's data: over an existing volume the image is the
 * backup's bytes with holes where it has zeros (the old data there is not kept allocated), an
 * empty backup of a large volume restores without reading the target, and a volume made
 * larger than its backup is one hole past the backup's end.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bytesReadByProcess, headOf, rangesOf, sameBytes } from '../support/sparse-files.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { allocatedBytes, createAvailableVolume, GiB, writeAt } from '../support/volumes.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;

/** The file's first MiB. */
const head = (file: string): Buffer => headOf(file, 1024 * 1024);

for (const db of DB_KINDS) {
  describe(`restores follow the data (${db})`, () => {
    let server: TestServer;
    let m: Member;
    before(async () => {
      server = await startServer({ db });
      m = await projectWithUser(server, 'restore-sparse');
      server.services.runner.start();
    });
    after(async () => server.close());

    const image = (id: string) => server.services.volumeDriver.path('volume', id);

    async function backupOf(volumeId: string): Promise<string> {
      const r = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: volumeId, name: 'b' } } });
      assert.equal(r.status, 200, r.text);
      const job = await jobEnd(r.body.job_id);
      assert.equal(job.status, 'SUCCESS', JSON.stringify(job));
      return job.entities.backup_id as string;
    }

    async function jobEnd(jobId: string) {
      return until(`job ${jobId}`, async () => {
        const j = (await call(server, 'GET', `/v1/${m.projectId}/jobs/${jobId}`, { token: m.token })).body;
        return j.status === 'SUCCESS' || j.status === 'FAIL' ? j : undefined;
      });
    }

    async function restoreInto(backupId: string, volumeId: string): Promise<void> {
      const r = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups/${backupId}/restore`, { token: m.token, body: { restore: { volume_id: volumeId } } });
      assert.equal(r.status, 200, r.text);
      const job = await jobEnd(r.body.job_id);
      assert.equal(job.status, 'SUCCESS', JSON.stringify(job));
      const v = (await call(server, 'GET', `/v3/${m.projectId}/volumes/${volumeId}`, { token: m.token })).body.volume;
      assert.equal(v.status, 'available');
    }

    it('over a volume full of other data: the backup bytes for bytes, holes where it has zeros', async () => {
      const source = await createAvailableVolume(server, m, { size: 1, name: 'source' });
      // Data at spread offsets, the rest a hole; one MiB of written zeros among it.
      for (const at of [0, 5, 300, 301, 777]) writeAt(image(source), at * 1024 * 1024, randomBytes(1024 * 1024));
      writeAt(image(source), 400 * 1024 * 1024, Buffer.alloc(1024 * 1024));
      const backupId = await backupOf(source);

      const target = await createAvailableVolume(server, m, { size: 1, name: 'target' });
      const stale = randomBytes(8 * 1024 * 1024);
      for (let at = 0; at < 256 * 1024 * 1024; at += stale.length) writeAt(image(target), at, stale);
      writeAt(image(target), 400 * 1024 * 1024, stale);
      writeAt(image(target), GiB - stale.length, stale);
      assert.ok(allocatedBytes(image(target)) >= 272 * 1024 * 1024);

      await restoreInto(backupId, target);
      assert.ok(sameBytes(image(target), image(source)), 'the target holds the backup\'s bytes');
      // Data where the backup has data, nothing more: 5 MiB, in 64 KiB blocks.
      const data = rangesOf(image(target));
      assert.deepEqual(
        data.map((r) => [r.from / (1024 * 1024), r.to / (1024 * 1024)]),
        [
          [0, 1],
          [5, 6],
          [300, 302],
          [777, 778],
        ],
      );
      assert.ok(allocatedBytes(image(target)) <= 6 * 1024 * 1024, `${allocatedBytes(image(target))} bytes allocated`);
    });

    it('an empty backup of a 16 GiB volume over an empty 16 GiB volume: nothing of it read, nothing allocated', async () => {
      const source = await createAvailableVolume(server, m, { size: 16, name: 'empty' });
      const backupId = await backupOf(source);
      const target = await createAvailableVolume(server, m, { size: 16, name: 'target' });
      const readBefore = bytesReadByProcess();
      await restoreInto(backupId, target);
      const readAfter = bytesReadByProcess();
      assert.equal(fs.statSync(image(target)).size, 16 * GiB);
      assert.deepEqual(rangesOf(image(target)), []);
      assert.ok(allocatedBytes(image(target)) <= 64 * 1024, `${allocatedBytes(image(target))} bytes allocated`);
      if (readBefore !== undefined && readAfter !== undefined) {
        assert.ok(readAfter - readBefore < 256 * 1024 * 1024, `the server read ${readAfter - readBefore} bytes to restore 16 GiB of holes`);
      }
    });

    it('a volume made larger than its backup (3.47): the backup at its start, one hole after it', async () => {
      const source = await createAvailableVolume(server, m, { size: 1, name: 'small' });
      writeAt(image(source), 0, randomBytes(1024 * 1024));
      const backupId = await backupOf(source);
      const made = await call(server, 'POST', `/v3/${m.projectId}/volumes`, {
        token: m.token,
        headers: { 'OpenStack-API-Version': 'volume 3.47' },
        body: { volume: { backup_id: backupId, size: 3, name: 'larger' } },
      });
      assert.equal(made.status, 202, made.text);
      const id = made.body.volume.id as string;
      await until('the larger volume', async () => (await call(server, 'GET', `/v3/${m.projectId}/volumes/${id}`, { token: m.token })).body.volume.status === 'available');
      assert.equal(fs.statSync(image(id)).size, 3 * GiB);
      assert.deepEqual(rangesOf(image(id)), [{ from: 0, to: 1024 * 1024 }]);
      assert.ok(head(image(id)).equals(head(image(source))));
      assert.deepEqual(fs.readdirSync(path.dirname(image(id))).filter((n) => n.includes('partial')), []);
    });
  });
}
