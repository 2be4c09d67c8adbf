import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Backup } from '../../src/services/backups/backup-repository.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';

const VOLUME = randomUUID();

function record(projectId: string, i: number, over: Partial<Backup> = {}): Backup {
  return {
    id: randomUUID(),
    projectId,
    volumeId: VOLUME,
    snapshotId: null,
    name: i % 2 ? `autobk_${1000 + i}` : `manual-${i}`,
    description: null,
    status: (['available', 'creating', 'error', 'available'] as const)[i % 4],
    failReason: null,
    size: 10,
    objectCount: 1,
    container: 'c',
    availabilityZone: i % 2 ? 'az1' : 'az2',
    metadata: {},
    tags: [],
    isIncremental: i > 0,
    serviceMetadata: {},
    volumeBootable: i === 0,
    volumeType: 'SSD',
    volumeMetadata: {},
    policyId: i % 2 ? randomUUID() : null,
    dataTimestamp: null,
    createdAt: new Date(Date.UTC(2026, 10, 1 + i)),
    updatedAt: null,
    ...over,
  };
}

for (const db of DB_KINDS) {
  describe(`CBR listing (${db})`, () => {
    let server: TestServer;
    let owner: Awaited<ReturnType<typeof projectWithUser>>;
    const mine: Backup[] = [];
    before(async () => {
      server = await startServer({ db });
      owner = await projectWithUser(server, 'cbr-owner');
      const other = await projectWithUser(server, 'cbr-other');
      await server.services.database.db
        .insertInto('volumes')
        .values({
          id: VOLUME, project_id: owner.projectId, name: 'data-disk', description: null, size: 10, status: 'available', volume_type: 'SSD',
          availability_zone: 'az1', bootable: 0, encrypted: 0, multiattach: 0, metadata: '{}', snapshot_id: null, source_volid: null,
          backup_id: null, attachments: '[]', created_at: new Date().toISOString(), updated_at: null,
        })
        .execute();
      for (let i = 0; i < 6; i++) {
        const b = record(owner.projectId, i);
        mine.push(b);
        await server.services.backups.insert(b);
      }
      await server.services.backups.insert(record(other.projectId, 7));
    });
    after(async () => server.close());

    it('lists the project\'s disk backups with CBR fields, count, offset and limit', async () => {
      const r = await call(server, 'GET', `/cbr/v3/${owner.projectId}/backups`, { token: owner.token });
      assert.equal(r.status, 200);
      assert.equal(r.body.count, 6);
      assert.equal(r.body.offset, 0);
      assert.equal(r.body.limit, 1000);
      const first = r.body.backups[0];
      assert.equal(first.id, mine[5].id, 'newest first');
      assert.equal(first.resource_type, 'OS::Cinder::Volume');
      assert.equal(first.resource_name, 'data-disk');
      assert.equal(first.resource_id, VOLUME);
      assert.equal(first.image_type, 'backup');
      assert.equal(first.extend_info.auto_trigger, true);
      assert.equal(first.extend_info.incremental, true);
      assert.match(first.created_at, /^2026-11-06T00:00:00\.000\+00:00$/);
      const creating = r.body.backups.find((b: { id: string }) => b.id === mine[1].id);
      assert.equal(creating.status, 'protecting');
    });

    it('filters by repeated status, time window, name, resource and az', async () => {
      const q = async (query: string) => (await call(server, 'GET', `/cbr/v3/${owner.projectId}/backups?${query}`, { token: owner.token })).body;
      assert.equal((await q('status=available&status=error')).count, 4);
      assert.equal((await q('status=protecting')).count, 2);
      assert.equal((await q('start_time=2026-11-02T00:00:00Z&end_time=2026-11-04T00:00:00Z')).count, 3);
      assert.equal((await q('name=manual-2')).count, 1);
      assert.equal((await q(`resource_id=${VOLUME}&resource_name=data-disk`)).count, 6);
      assert.equal((await q('resource_az=az2')).count, 3);
      assert.equal((await q('resource_type=OS::Nova::Server')).count, 0);
      assert.equal((await q('own_type=all_granted')).count, 6);
      assert.equal((await q(`checkpoint_id=${mine[2].id}`)).backups[0].id, mine[2].id);
    });

    it('sorts and pages with marker, offset and limit', async () => {
      const page = await call(server, 'GET', `/cbr/v3/${owner.projectId}/backups?sort=created_at:asc&limit=2&offset=1`, { token: owner.token });
      assert.deepEqual(page.body.backups.map((b: { id: string }) => b.id), [mine[1].id, mine[2].id]);
      assert.equal(page.body.count, 6);
      const after = await call(server, 'GET', `/cbr/v3/${owner.projectId}/backups?sort=created_at:asc&limit=2&marker=${mine[2].id}`, { token: owner.token });
      assert.deepEqual(after.body.backups.map((b: { id: string }) => b.id), [mine[3].id, mine[4].id]);
    });

    it('refuses bad parameters in the CBR envelope, and foreign projects', async () => {
      for (const q of ['limit=0', 'limit=1001', 'status=lost', 'own_type=mine', 'start_time=yesterday', 'sort=size:up', 'used_percent=0']) {
        const r = await call(server, 'GET', `/cbr/v3/${owner.projectId}/backups?${q}`, { token: owner.token });
        assert.equal(r.status, 400, q);
        assert.equal(typeof r.body.error_code, 'string', q);
        assert.equal(typeof r.body.error_msg, 'string', q);
      }
      const foreign = await call(server, 'GET', `/cbr/v3/${server.adminProjectId}/backups`, { token: owner.token });
      assert.equal(foreign.status, 403);
    });
  });
}
