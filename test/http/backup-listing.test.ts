import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Backup } from '../../src/services/backups/backup-repository.js';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';

function record(projectId: string, i: number, over: Partial<Backup> = {}): Backup {
  return {
    id: randomUUID(),
    projectId,
    volumeId: i % 2 ? '11111111-1111-4111-8111-111111111111' : '22222222-2222-4222-8222-222222222222',
    snapshotId: null,
    name: `bk-${String(i).padStart(2, '0')}`,
    description: null,
    status: i % 3 === 0 ? 'error' : 'available',
    failReason: null,
    size: i + 1,
    objectCount: 3,
    container: 'vbs-store',
    availabilityZone: 'az1',
    metadata: { n: String(i) },
    tags: [],
    isIncremental: i > 1,
    serviceMetadata: { progress: '100', Type: i > 1 ? 1 : 0 },
    volumeBootable: false,
    volumeType: 'SATA',
    volumeMetadata: {},
    policyId: null,
    dataTimestamp: null,
    createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)),
    updatedAt: null,
    ...over,
  };
}

for (const db of DB_KINDS) {
  describe(`backup listing, Cinder-compatible (${db})`, () => {
    let server: TestServer;
    let owner: Awaited<ReturnType<typeof projectWithUser>>;
    let other: Awaited<ReturnType<typeof projectWithUser>>;
    const mine: Backup[] = [];
    before(async () => {
      server = await startServer({ db });
      owner = await projectWithUser(server, 'list-owner');
      other = await projectWithUser(server, 'list-other');
      for (let i = 0; i < 7; i++) {
        const b = record(owner.projectId, i);
        mine.push(b);
        await server.services.backups.insert(b);
      }
      await server.services.backups.insert(record(other.projectId, 99, { name: 'bk-foreign' }));
    });
    after(async () => server.close());

    it('lists summaries newest first with links, and only the project\'s own', async () => {
      const r = await call(server, 'GET', `/v2/${owner.projectId}/backups`, { token: owner.token });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.backups.map((b: { name: string }) => b.name), ['bk-06', 'bk-05', 'bk-04', 'bk-03', 'bk-02', 'bk-01', 'bk-00']);
      assert.deepEqual(Object.keys(r.body.backups[0]).sort(), ['id', 'links', 'name']);
      assert.equal(r.body.backups[0].links[0].href, `${server.url}/v2/${owner.projectId}/backups/${mine[6].id}`);
      assert.equal(r.body.backups_links, undefined);
    });

    it('shows every detail field, with the project attribute named per API version', async () => {
      const v2 = await call(server, 'GET', `/v2/${owner.projectId}/backups/detail?name=bk-03`, { token: owner.token });
      const b = v2.body.backups[0];
      assert.equal(v2.body.backups.length, 1);
      for (const k of ['id', 'name', 'status', 'description', 'links', 'availability_zone', 'volume_id', 'snapshot_id', 'fail_reason', 'size', 'object_count', 'container', 'created_at', 'updated_at', 'data_timestamp', 'has_dependent_backups', 'is_incremental', 'service_metadata']) {
        assert.ok(k in b, `missing ${k}`);
      }
      assert.equal(b['os-bak-tenant-attr:tenant_id'], owner.projectId);
      assert.equal(b.created_at, '2026-11-01T00:03:00.000000');
      assert.equal(typeof b.service_metadata, 'string');
      assert.equal(JSON.parse(b.service_metadata).Type, 1);
      const v3 = await call(server, 'GET', `/v3/${owner.projectId}/backups/${mine[3].id}`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume 3.43' } });
      assert.equal(v3.status, 200);
      assert.equal(v3.headers.get('openstack-api-version'), 'volume 3.43');
      assert.equal(v3.body.backup['os-backup-project-attr:project_id'], owner.projectId);
      assert.equal(v3.body.backup['os-bak-tenant-attr:tenant_id'], undefined);
      assert.deepEqual(v3.body.backup.metadata, { n: '3' });
      const v30 = await call(server, 'GET', `/v3/${owner.projectId}/backups/${mine[3].id}`, { token: owner.token });
      assert.equal(v30.body.backup.metadata, undefined);
    });

    it('filters by status and volume, and fuzzy by name from 3.31', async () => {
      const errs = await call(server, 'GET', `/v2/${owner.projectId}/backups/detail?status=error`, { token: owner.token });
      assert.deepEqual(errs.body.backups.map((b: { name: string }) => b.name), ['bk-06', 'bk-03', 'bk-00']);
      const vol = await call(server, 'GET', `/v2/${owner.projectId}/backups?volume_id=11111111-1111-4111-8111-111111111111`, { token: owner.token });
      assert.equal(vol.body.backups.length, 3);
      const fuzzy = await call(server, 'GET', `/v3/${owner.projectId}/backups?name~=K-0`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume 3.31' } });
      assert.equal(fuzzy.body.backups.length, 7);
      const old = await call(server, 'GET', `/v3/${owner.projectId}/backups?name~=zzz`, { token: owner.token });
      assert.equal(old.body.backups.length, 7, 'before 3.31 the fuzzy filter is not applied');
      const none = await call(server, 'GET', `/v3/${owner.projectId}/backups?name~=zzz`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume 3.31' } });
      assert.equal(none.body.backups.length, 0);
    });

    it('filters fuzzy by status~ and volume_id~ from 3.31, case-insensitive substrings, and ignores them before', async () => {
      const names = async (query: string, version?: string) => {
        const r = await call(server, 'GET', `/v3/${owner.projectId}/backups/detail?${query}`, { token: owner.token, headers: version ? { 'OpenStack-API-Version': `volume ${version}` } : {} });
        assert.equal(r.status, 200, r.text);
        return r.body.backups.map((b: { name: string }) => b.name);
      };
      assert.deepEqual(await names('status~=RRO', '3.31'), ['bk-06', 'bk-03', 'bk-00']);
      assert.deepEqual(await names('status~=vail', '3.31'), ['bk-05', 'bk-04', 'bk-02', 'bk-01']);
      // The other project's backup is of volume 1111... too: it is not listed.
      assert.deepEqual(await names('volume_id~=1111-41', '3.31'), ['bk-05', 'bk-03', 'bk-01']);
      assert.deepEqual(await names('volume_id~=2222', '3.45'), ['bk-06', 'bk-04', 'bk-02', 'bk-00']);
      assert.deepEqual(await names('volume_id~=1111&status~=err', '3.31'), ['bk-03']);
      assert.deepEqual(await names('volume_id~=3333', '3.31'), []);
      for (const q of ['status~=zzz', 'volume_id~=3333']) {
        assert.equal((await names(q, '3.30')).length, 7, `${q} is not applied before 3.31`);
        assert.equal((await names(q)).length, 7, `${q} is not applied at the base version`);
      }
      const v2 = await call(server, 'GET', `/v2/${owner.projectId}/backups?status~=zzz&volume_id~=3333`, { token: owner.token });
      assert.equal(v2.body.backups.length, 7, 'v2 has no fuzzy filters');
    });

    it('filters by metadata pairs, as volumes do, and counts what it matched', async () => {
      const matching = async (metadata: string) => {
        const r = await call(server, 'GET', `/v3/${owner.projectId}/backups/detail?metadata=${encodeURIComponent(metadata)}&with_count=true`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume 3.45' } });
        assert.equal(r.status, 200, r.text);
        return { names: r.body.backups.map((b: { name: string }) => b.name), count: r.body.count };
      };
      assert.deepEqual(await matching('{"n":"3"}'), { names: ['bk-03'], count: 1 });
      assert.deepEqual(await matching("{'n': '5'}"), { names: ['bk-05'], count: 1 });
      assert.deepEqual(await matching('{"n":"3","other":"x"}'), { names: [], count: 0 });
      const bad = await call(server, 'GET', `/v3/${owner.projectId}/backups/detail?metadata=${encodeURIComponent('[1]')}`, { token: owner.token });
      assert.equal(bad.status, 400);
    });

    it('sorts by sort=key:dir lists and by sort_key/sort_dir', async () => {
      const bySize = await call(server, 'GET', `/v2/${owner.projectId}/backups/detail?sort_key=size&sort_dir=asc`, { token: owner.token });
      assert.deepEqual(bySize.body.backups.map((b: { size: number }) => b.size), [1, 2, 3, 4, 5, 6, 7]);
      const multi = await call(server, 'GET', `/v3/${owner.projectId}/backups/detail?sort=status:asc,name:desc`, { token: owner.token });
      assert.deepEqual(multi.body.backups.map((b: { name: string }) => b.name), ['bk-05', 'bk-04', 'bk-02', 'bk-01', 'bk-06', 'bk-03', 'bk-00']);
    });

    it('pages with limit, marker and offset, linking the next page, and counts from 3.45', async () => {
      const first = await call(server, 'GET', `/v3/${owner.projectId}/backups?limit=3&with_count=true`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume 3.45' } });
      assert.equal(first.body.backups.length, 3);
      assert.equal(first.body.count, 7);
      const next = new URL(first.body.backups_links[0].href);
      assert.equal(first.body.backups_links[0].rel, 'next');
      assert.equal(next.searchParams.get('marker'), mine[4].id);
      assert.equal(next.searchParams.get('limit'), '3');
      const second = await call(server, 'GET', next.pathname + next.search, { token: owner.token });
      assert.deepEqual(second.body.backups.map((b: { name: string }) => b.name), ['bk-03', 'bk-02', 'bk-01']);
      const last = await call(server, 'GET', `/v2/${owner.projectId}/backups?limit=3&offset=6`, { token: owner.token });
      assert.deepEqual(last.body.backups.map((b: { name: string }) => b.name), ['bk-00']);
      assert.equal(last.body.backups_links, undefined);
    });

    it('ignores with_count below 3.45 and on v2', async () => {
      const at = (version: string) => call(server, 'GET', `/v3/${owner.projectId}/backups?with_count=true`, { token: owner.token, headers: { 'OpenStack-API-Version': `volume ${version}` } });
      const below = await at('3.44');
      assert.equal(below.status, 200, below.text);
      assert.equal(below.body.backups.length, 7);
      assert.equal(below.body.count, undefined);
      assert.equal((await at('3.0')).body.count, undefined);
      assert.equal((await call(server, 'GET', `/v3/${owner.projectId}/backups/detail?with_count=true`, { token: owner.token })).body.count, undefined, 'not at the base version');
      assert.equal((await call(server, 'GET', `/v2/${owner.projectId}/backups/detail?with_count=true`, { token: owner.token })).body.count, undefined, 'not on v2');
      const counted = await at('3.45');
      assert.equal(counted.body.count, 7);
      assert.equal((await at('3.59')).body.count, 7, 'and counts above 3.45');
    });

    it('refuses bad list parameters with 400 badRequest', async () => {
      for (const q of ['limit=-1', 'limit=abc', 'offset=x', 'sort_key=bogus', 'sort_dir=up', 'sort=name:sideways', `marker=${randomUUID()}`, 'marker=nope']) {
        const r = await call(server, 'GET', `/v2/${owner.projectId}/backups?${q}`, { token: owner.token });
        assert.equal(r.status, 400, q);
        assert.equal(r.body.badRequest.code, 400, q);
      }
    });

    it('answers 404 itemNotFound for unknown, malformed and foreign backup ids', async () => {
      const foreign = (await call(server, 'GET', `/v2/${other.projectId}/backups`, { token: other.token })).body.backups[0].id;
      for (const id of [randomUUID(), 'not-a-uuid', foreign]) {
        const r = await call(server, 'GET', `/v3/${owner.projectId}/backups/${id}`, { token: owner.token });
        assert.equal(r.status, 404, id);
        assert.match(r.body.itemNotFound.message, /could not be found/);
      }
    });

    it('lists every write of a backup at once, whoever makes it, as the show of its API version does', async () => {
      const fresh = await projectWithUser(server, 'list-fresh');
      const backups = Array.from({ length: 4 }, (_, i) => record(fresh.projectId, i, { status: 'available' }));
      for (const b of backups) await server.services.backups.insert(b);
      const versions: Array<[string, Record<string, string>]> = [
        ['v2', {}],
        ['v3', { 'OpenStack-API-Version': 'volume 3.0' }],
        ['v3', { 'OpenStack-API-Version': 'volume 3.43' }],
      ];
      /** Each listing's items are, field for field, what the show of the same version answers. */
      const listedAsShown = async (why: string) => {
        for (const [prefix, headers] of versions) {
          for (const path of ['backups/detail', 'backups']) {
            const listed = await call(server, 'GET', `/${prefix}/${fresh.projectId}/${path}`, { token: fresh.token, headers });
            assert.equal(listed.status, 200, listed.text);
            const ids = (await server.services.database.db.selectFrom('backups').select('id').where('project_id', '=', fresh.projectId).orderBy('created_at', 'desc').execute()).map((b) => b.id);
            assert.deepEqual(listed.body.backups.map((b: { id: string }) => b.id), ids, `${why}: ${prefix} ${JSON.stringify(headers)} ${path}`);
            for (const item of listed.body.backups as Array<{ id: string }>) {
              const shown = (await call(server, 'GET', `/${prefix}/${fresh.projectId}/backups/${item.id}`, { token: fresh.token, headers })).body.backup;
              const expected = path === 'backups' ? { id: shown.id, name: shown.name, links: shown.links } : shown;
              assert.deepEqual(item, expected, `${why}: ${prefix} ${JSON.stringify(headers)} ${path}`);
            }
          }
        }
      };
      await listedAsShown('as inserted');
      await listedAsShown('listed again');

      const db = server.services.database.db;
      // The user's update, a job's progress (which keeps updated_at), a status move, a row gone.
      const renamed = await call(server, 'PUT', `/v3/${fresh.projectId}/backups/${backups[0].id}`, {
        token: fresh.token,
        headers: { 'OpenStack-API-Version': 'volume 3.43' },
        body: { backup: { name: 'renamed', metadata: { k: 'v' } } },
      });
      assert.equal(renamed.status, 200, renamed.text);
      await db.updateTable('backups').set({ service_metadata: JSON.stringify({ progress: '42' }) }).where('id', '=', backups[1].id).execute();
      assert.equal(await server.services.backups.moveBackup(backups[2].id, 'available', 'deleting'), true);
      await db.deleteFrom('backups').where('id', '=', backups[3].id).execute();
      await listedAsShown('after the writes');

      const v2 = (await call(server, 'GET', `/v2/${fresh.projectId}/backups/detail`, { token: fresh.token })).body.backups as Array<{ id: string; name: string; status: string; service_metadata: string }>;
      const of = (b: Backup) => v2.find((x) => x.id === b.id);
      assert.equal(of(backups[0])?.name, 'renamed');
      assert.equal(JSON.parse(of(backups[1])?.service_metadata ?? '{}').progress, '42');
      assert.equal(of(backups[2])?.status, 'deleting');
      assert.equal(of(backups[3]), undefined);
    });

    it('negotiates microversions: echoes the legacy header, 406 above the maximum, 400 when malformed', async () => {
      const legacy = await call(server, 'GET', `/v3/${owner.projectId}/backups`, { token: owner.token, headers: { 'X-OpenStack-Volume-API-Version': '3.40' } });
      assert.equal(legacy.headers.get('openstack-api-version'), 'volume 3.40');
      const high = await call(server, 'GET', `/v3/${owner.projectId}/backups`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume 3.999' } });
      assert.equal(high.status, 406);
      assert.equal(high.body.notAcceptable.code, 406);
      const junk = await call(server, 'GET', `/v3/${owner.projectId}/backups`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume three' } });
      assert.equal(junk.status, 400);
      const latest = await call(server, 'GET', `/v3/${owner.projectId}/backups`, { token: owner.token, headers: { 'OpenStack-API-Version': 'volume latest' } });
      assert.match(latest.headers.get('openstack-api-version') ?? '', /^volume 3\.\d+$/);
    });
  });
}
