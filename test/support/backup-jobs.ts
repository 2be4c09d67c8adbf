/** Backups of known data through the VBS API, for tests that read what the store holds. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { call, type TestServer } from './server.js';
import { until } from './wait.js';

interface Member {
  projectId: string;
  token: string;
}

/** Waits for a job of the project to end; its view (SUCCESS or FAIL). */
export function finishedJob(server: TestServer, who: Member, jobId: string) {
  return until(`job ${jobId}`, async () => {
    const r = await call(server, 'GET', `/v1/${who.projectId}/jobs/${jobId}`, { token: who.token });
    assert.equal(r.status, 200, r.text);
    return r.body.status === 'SUCCESS' || r.body.status === 'FAIL' ? r.body : undefined;
  });
}

/** Writes `bytes` of incompressible data at `offset` of the volume, backs it up and waits; the backup's id. */
export async function backUpNewData(server: TestServer, m: Member, volumeId: string, name: string, offset: number, bytes: number): Promise<string> {
  const fh = await fs.open(server.services.volumeDriver.path('volume', volumeId), 'r+');
  await fh.write(randomBytes(bytes), 0, bytes, offset);
  await fh.close();
  const created = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: volumeId, name } } });
  assert.equal(created.status, 200, created.text);
  const done = await finishedJob(server, m, created.body.job_id);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
  return done.entities.backup_id as string;
}
