/**
 * Keys Cinder's JSON schemas do not name are refused as Cinder refuses them: at the top of every
 * resource body, inside the resource for snapshots, backups, restores and updates, and inside a
 * volume create from microversion 3.53. A refusal is 400 badRequest naming the key, and writes
 * nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rowCounts } from '../support/db-counts.js';
import { call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { createAvailableVolume } from '../support/volumes.js';

describe('unknown keys in Cinder bodies', () => {
  let server: TestServer;
  let user: { projectId: string; token: string };
  let volumeId: string;

  before(async () => {
    server = await startServer();
    user = await projectWithUser(server, 'cinder-keys');
    volumeId = await createAvailableVolume(server, user, { size: 1, name: 'keys' });
  });
  after(async () => server.close());

  const at = (version: string) => ({ 'OpenStack-API-Version': `volume ${version}` });
  const tables = ['volumes', 'snapshots', 'backups', 'jobs'] as const;

  async function refused(method: string, path: string, body: unknown, key: string, headers: Record<string, string> = {}) {
    const before = await rowCounts(server.services.database.db, [...tables]);
    const r = await call(server, method, `/v3/${user.projectId}${path}`, { token: user.token, body, headers });
    assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.body.badRequest.message, new RegExp(`"${key}"`), r.text);
    assert.deepEqual(await rowCounts(server.services.database.db, [...tables]), before, 'a refused request writes nothing');
  }

  it('refuses unknown keys beside the resource in every create', async () => {
    await refused('POST', '/volumes', { volume: { size: 1 }, volumes: { size: 1 } }, 'volumes');
    await refused('POST', '/snapshots', { snapshot: { volume_id: volumeId }, force: true }, 'force');
    await refused('POST', '/backups', { backup: { volume_id: volumeId }, incremental: true }, 'incremental');
  });

  it('refuses unknown keys inside snapshots, backups, restores and updates', async () => {
    await refused('POST', '/snapshots', { snapshot: { volume_id: volumeId, frce: true } }, 'frce');
    await refused('POST', '/backups', { backup: { volume_id: volumeId, incremetal: true } }, 'incremetal');
    await refused('POST', `/backups/${volumeId}/restore`, { restore: { volume_id: volumeId, volume: 'x' } }, 'volume');
    await refused('PUT', `/volumes/${volumeId}`, { volume: { name: 'n', size: 2 } }, 'size');
    assert.equal((await call(server, 'GET', `/v3/${user.projectId}/volumes/${volumeId}`, { token: user.token })).body.volume.name, 'keys');
  });

  it('takes unknown keys inside a volume create before 3.53, as Cinder does, and refuses them from 3.53', async () => {
    const lenient = await call(server, 'POST', `/v3/${user.projectId}/volumes`, { token: user.token, body: { volume: { size: 1, colour: 'red' } }, headers: at('3.52') });
    assert.equal(lenient.status, 202, lenient.text);
    await refused('POST', '/volumes', { volume: { size: 1, colour: 'red' } }, 'colour', at('3.53'));
  });

  it('still takes the keys Cinder names, scheduler hints included', async () => {
    const r = await call(server, 'POST', `/v3/${user.projectId}/volumes`, {
      token: user.token,
      body: { volume: { size: 1, name: 'hinted', consistencygroup_id: null }, 'OS-SCH-HNT:scheduler_hints': { same_host: [] } },
      headers: at('3.53'),
    });
    assert.equal(r.status, 202, r.text);
  });
});
