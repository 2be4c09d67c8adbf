import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Backup } from '../../src/services/backups/backup-repository.js';
import { rowCounts } from '../support/db-counts.js';
import { backupRecord } from '../support/services.js';
import { DB_KINDS, call, issueToken, projectWithUser, startServer, type TestServer } from '../support/server.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;

const VOL_1 = randomUUID();
const VOL_2 = randomUUID();

function record(projectId: string, over: Partial<Backup> = {}): Backup {
  return backupRecord(projectId, { volumeId: VOL_1, ...over });
}

const sharing = (m: Member) => `/v2/${m.projectId}/os-vendor-backup-sharing`;

for (const db of DB_KINDS) {
  describe(`backup sharing API (${db})`, () => {
    let server: TestServer;
    let owner: Member;
    let ownerReader: Member;
    let b: Member;
    let c: Member;
    let d: Member;
    const shares = async () => (await rowCounts(server.services.database.db, ['backup_shares'])).backup_shares;
    const insert = async (projectId: string, over: Partial<Backup> = {}) => {
      const rec = record(projectId, over);
      await server.services.backups.insert(rec);
      return rec;
    };
    const share = (m: Member, backupId: string, to: string[]) => call(server, 'POST', sharing(m), { token: m.token, body: { shared: { backup_id: backupId, to_project_ids: to } } });

    before(async () => {
      server = await startServer({ db });
      owner = await projectWithUser(server, 'share-owner');
      b = await projectWithUser(server, 'share-b');
      c = await projectWithUser(server, 'share-c');
      d = await projectWithUser(server, 'share-d');
      const readerUser = await server.services.identity.createUser('share-owner-reader', 'pw-reader', owner.projectId, 'reader');
      assert.ok(readerUser.id);
      ownerReader = { ...owner, token: (await issueToken(server.url, 'share-owner-reader', 'pw-reader', 'share-owner')).token };
    });
    after(async () => server.close());

    it('shares an available backup with several projects, one record each, visible to the owner and to each recipient only', async () => {
      const bk = await insert(owner.projectId, { name: 'to-share' });
      const r = await share(owner, bk.id, [b.projectId, c.projectId]);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.shared.length, 2);
      const byTo = new Map<string, { id: string; backup_id: string; from_project_id: string; deleted: boolean; created_at: string }>(
        r.body.shared.map((s: { to_project_id: string }) => [s.to_project_id, s]),
      );
      for (const m of [b, c]) {
        const s = byTo.get(m.projectId)!;
        assert.match(s.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.equal(s.backup_id, bk.id);
        assert.equal(s.from_project_id, owner.projectId);
        assert.equal(s.deleted, false);
        assert.match(s.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      }
      assert.notEqual(byTo.get(b.projectId)!.id, byTo.get(c.projectId)!.id);
      const rows = await server.services.database.db.selectFrom('backup_shares').selectAll().where('backup_id', '=', bk.id).execute();
      assert.deepEqual(rows.map((x) => x.to_project_id).sort(), [b.projectId, c.projectId].sort());

      const bShare = byTo.get(b.projectId)!.id;
      const shownToOwner = await call(server, 'GET', `${sharing(owner)}/${bShare}`, { token: owner.token });
      assert.equal(shownToOwner.status, 200, shownToOwner.text);
      assert.equal(shownToOwner.body.shared.backup.id, bk.id);
      assert.equal(shownToOwner.body.shared.backup.name, 'to-share');
      const shownToB = await call(server, 'GET', `${sharing(b)}/${bShare}`, { token: b.token });
      assert.equal(shownToB.status, 200);
      assert.equal(shownToB.body.shared.to_project_id, b.projectId);
      // A recipient sees its own share, not the ones made with other projects; a stranger sees none.
      const cShareToB = await call(server, 'GET', `${sharing(b)}/${byTo.get(c.projectId)!.id}`, { token: b.token });
      assert.equal(cShareToB.status, 404);
      assert.equal(cShareToB.body.error.code, 'common.0404');
      const toD = await call(server, 'GET', `${sharing(d)}/${bShare}`, { token: d.token });
      assert.equal(toD.status, 404);
      const malformed = await call(server, 'GET', `${sharing(owner)}/not-a-share`, { token: owner.token });
      assert.equal(malformed.status, 404);
      // Another project's token cannot use the owner's path.
      const foreignPath = await call(server, 'GET', `${sharing(owner)}/${bShare}`, { token: b.token });
      assert.equal(foreignPath.status, 403);
    });

    it('refuses bad requests, unknown and own projects, duplicates and unavailable or foreign backups, writing nothing', async () => {
      const bk = await insert(owner.projectId, { name: 'refusals' });
      const first = await share(owner, bk.id, [b.projectId]);
      assert.equal(first.status, 200, first.text);
      const creating = await insert(owner.projectId, { status: 'creating' });
      const failed = await insert(owner.projectId, { status: 'error' });
      const ofD = await insert(d.projectId);
      const unknownProject = 'f'.repeat(32);
      const cases: Array<[string, Member, unknown, number, string, RegExp]> = [
        ['no body', owner, undefined, 400, 'VolumeBackup.0002', /shared/],
        ['no shared object', owner, { backup_id: bk.id }, 400, 'VolumeBackup.0002', /shared/],
        ['no backup_id', owner, { shared: { to_project_ids: [c.projectId] } }, 400, 'VolumeBackup.0203', /backup_id/],
        // Fields the reference does not define are refused, not ignored, though the request is good otherwise.
        ['a field shared does not define', owner, { shared: { backup_id: bk.id, to_project_ids: [c.projectId], to_project_id: d.projectId } }, 400, 'VolumeBackup.0002', /shared has no field "to_project_id"/],
        ['a field beside shared', owner, { shared: { backup_id: bk.id, to_project_ids: [c.projectId] }, share_to_me: true }, 400, 'VolumeBackup.0002', /no field "share_to_me"/],
        ['backup_id not a UUID', owner, { shared: { backup_id: 'abc', to_project_ids: [c.projectId] } }, 400, 'VolumeBackup.0204', /abc/],
        ['no to_project_ids', owner, { shared: { backup_id: bk.id } }, 400, 'VolumeBackup.0002', /to_project_ids/],
        ['empty to_project_ids', owner, { shared: { backup_id: bk.id, to_project_ids: [] } }, 400, 'VolumeBackup.0002', /to_project_ids/],
        ['to_project_ids not a list', owner, { shared: { backup_id: bk.id, to_project_ids: c.projectId } }, 400, 'VolumeBackup.0002', /to_project_ids/],
        ['a number among projects', owner, { shared: { backup_id: bk.id, to_project_ids: [c.projectId, 7] } }, 400, 'VolumeBackup.0002', /7/],
        ['a project twice', owner, { shared: { backup_id: bk.id, to_project_ids: [c.projectId, c.projectId] } }, 400, 'VolumeBackup.0002', /twice/],
        ['an unknown project beside a good one', owner, { shared: { backup_id: bk.id, to_project_ids: [c.projectId, unknownProject] } }, 404, 'common.0404', new RegExp(unknownProject)],
        ['the own project', owner, { shared: { backup_id: bk.id, to_project_ids: [owner.projectId] } }, 400, 'common.0400', /own project/],
        ['the own project beside a good one', owner, { shared: { backup_id: bk.id, to_project_ids: [c.projectId, owner.projectId] } }, 400, 'common.0400', /own project/],
        ['a duplicate beside a new one', owner, { shared: { backup_id: bk.id, to_project_ids: [c.projectId, b.projectId] } }, 409, 'common.0409', new RegExp(`already shared with project ${b.projectId}`)],
        ['a backup being created', owner, { shared: { backup_id: creating.id, to_project_ids: [c.projectId] } }, 400, 'VolumeBackup.0089', /creating/],
        ['a failed backup', owner, { shared: { backup_id: failed.id, to_project_ids: [c.projectId] } }, 400, 'VolumeBackup.0089', /error/],
        ['an unknown backup', owner, { shared: { backup_id: randomUUID(), to_project_ids: [c.projectId] } }, 404, 'VolumeBackup.0111', /not a backup of project/],
        ["another project's backup", owner, { shared: { backup_id: ofD.id, to_project_ids: [c.projectId] } }, 404, 'VolumeBackup.0111', /not a backup of project/],
        ['a recipient sharing on', b, { shared: { backup_id: bk.id, to_project_ids: [c.projectId] } }, 403, 'common.0403', /only the project that owns/],
        ['a reader', ownerReader, { shared: { backup_id: bk.id, to_project_ids: [c.projectId] } }, 403, 'VolumeBackup.0042', /reader/],
      ];
      const before = await server.services.database.db.selectFrom('backup_shares').selectAll().orderBy('id').execute();
      for (const [what, m, body, status, code, message] of cases) {
        const r = await call(server, 'POST', sharing(m), { token: m.token, body });
        assert.equal(r.status, status, `${what}: ${r.text}`);
        assert.equal(r.body.error.code, code, `${what}: ${r.text}`);
        assert.match(r.body.error.message, message, what);
      }
      assert.deepEqual(await server.services.database.db.selectFrom('backup_shares').selectAll().orderBy('id').execute(), before, 'no refused request wrote a share');
      const unauthenticated = await call(server, 'POST', sharing(owner), { body: { shared: { backup_id: bk.id, to_project_ids: [c.projectId] } } });
      assert.equal(unauthenticated.status, 401);
      assert.equal(await shares(), before.length);
    });

    it('lists and counts with every filter of the reference, sorted and paged, with the backup embedded', async () => {
      // A project of its own, so earlier tests' shares do not mix in.
      const o = await projectWithUser(server, 'share-lister');
      const made = [
        await insert(o.projectId, { name: 'Alpha-db', size: 3, volumeId: VOL_1, availabilityZone: 'nova', createdAt: new Date(Date.UTC(2026, 10, 1)) }),
        await insert(o.projectId, {
          name: 'beta-web',
          size: 1,
          volumeId: VOL_2,
          availabilityZone: 'az2',
          createdAt: new Date(Date.UTC(2026, 10, 2, 8, 9, 10, 123)),
          dataTimestamp: new Date(Date.UTC(2026, 10, 2, 8, 0, 0, 456)),
        }),
        await insert(o.projectId, { name: 'gamma-DB', size: 2, volumeId: VOL_1, availabilityZone: 'nova', createdAt: new Date(Date.UTC(2026, 10, 3)) }),
      ];
      const ids: Record<string, string> = {};
      for (const [i, bk] of made.entries()) {
        const to = i === 1 ? [b.projectId] : [b.projectId, c.projectId];
        const r = await share(o, bk.id, to);
        assert.equal(r.status, 200, r.text);
        for (const s of r.body.shared) ids[`${bk.name}>${s.to_project_id === b.projectId ? 'b' : 'c'}`] = s.id;
        await new Promise((res) => setTimeout(res, 5));
      }
      // A shared backup that is being restored keeps its shares; the status filter finds it.
      await server.services.database.db.updateTable('backups').set({ status: 'restoring' }).where('id', '=', made[2].id).execute();

      const list = async (m: Member, query: string) => {
        const r = await call(server, 'GET', `${sharing(m)}/detail${query}`, { token: m.token });
        assert.equal(r.status, 200, `${query}: ${r.text}`);
        // The same query, page and all: the count must ignore the page itself.
        const counted = await call(server, 'GET', `${sharing(m)}/count${query}`, { token: m.token });
        assert.equal(counted.status, 200, counted.text);
        return { shares: r.body.shared as Array<Record<string, any>>, count: counted.body.count as number }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON, checked field by field
      };
      const names = (xs: Array<Record<string, any>>) => xs.map((x) => `${x.backup.name}>${x.to_project_id === b.projectId ? 'b' : 'c'}`); // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON

      // The owner sees what it shared, newest share first by default.
      const all = await list(o, '');
      assert.equal(all.shares.length, 5);
      assert.equal(all.count, 5);
      assert.deepEqual(names(all.shares).slice(0, 2).sort(), ['gamma-DB>b', 'gamma-DB>c']);
      const one = all.shares.find((s) => s.id === ids['beta-web>b'])!;
      assert.deepEqual(Object.keys(one).sort(), ['backup', 'backup_id', 'created_at', 'from_project_id', 'id', 'to_project_id', 'updated_at']);
      assert.equal(one.from_project_id, o.projectId);
      assert.deepEqual(
        Object.keys(one.backup).sort(),
        ['availability_zone', 'container', 'created_at', 'data_timestamp', 'description', 'fail_reason', 'has_dependent_backups', 'id', 'is_incremental', 'name', 'object_count', 'service_metadata', 'size', 'snapshot_id', 'status', 'updated_at', 'volume_id'],
      );
      assert.equal(one.backup.id, made[1].id);
      assert.equal(one.backup.availability_zone, 'az2');
      assert.equal(one.backup.volume_id, VOL_2);
      assert.equal(typeof one.backup.service_metadata, 'string');
      // Times as the seed's example shows them (2017-08-08T04:03:27.456859): UTC, microseconds, no zone letter.
      assert.equal(one.backup.created_at, '2026-11-02T08:09:10.123000');
      assert.equal(one.backup.data_timestamp, '2026-11-02T08:00:00.456000');
      assert.equal(one.backup.updated_at, null);
      const gamma = all.shares.find((s) => s.id === ids['gamma-DB>b'])!;
      assert.equal(gamma.backup.created_at, '2026-11-03T00:00:00.000000');
      assert.equal(gamma.backup.data_timestamp, '2026-11-03T00:00:00.000000', 'a backup without a data timestamp shows its creation time');
      for (const s of all.shares) {
        assert.match(s.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
        assert.equal(s.updated_at, null);
      }

      // share_to_me: what was shared with the caller, from every owner.
      const toC = await list(c, `?share_to_me=true&from_project_id=${o.projectId}`);
      assert.deepEqual(names(toC.shares).sort(), ['Alpha-db>c', 'gamma-DB>c']);
      assert.equal(toC.count, 2);
      const cOwn = await list(c, '');
      assert.equal(cOwn.count, 0, 'c shared nothing itself');

      const cases: Array<[string, string[]]> = [
        [`?volume_id=${VOL_2}`, ['beta-web>b']],
        ['?name=db', ['Alpha-db>b', 'Alpha-db>c', 'gamma-DB>b', 'gamma-DB>c']],
        ['?name=ALPHA', ['Alpha-db>b', 'Alpha-db>c']],
        ['?status=restoring', ['gamma-DB>b', 'gamma-DB>c']],
        [`?backup_id=${made[0].id}`, ['Alpha-db>b', 'Alpha-db>c']],
        [`?to_project_id=${c.projectId}`, ['Alpha-db>c', 'gamma-DB>c']],
        [`?from_project_id=${o.projectId}&to_project_id=${b.projectId}&volume_id=${VOL_1}`, ['Alpha-db>b', 'gamma-DB>b']],
        [`?from_project_id=${b.projectId}`, []],
        ['?availability_zone=az2', ['beta-web>b']],
        ['?avalilability_zone=az2', ['beta-web>b']],
        ['?avalilability_zone=nova&name=gamma', ['gamma-DB>b', 'gamma-DB>c']],
        ['?name=nothing-like-this', []],
      ];
      for (const [query, expected] of cases) {
        const r = await list(o, query);
        assert.deepEqual(names(r.shares).sort(), expected, query);
        assert.equal(r.count, expected.length, `count ${query}`);
      }

      const bySize = await list(o, `?to_project_id=${b.projectId}&sort_key=size&sort_dir=asc`);
      assert.deepEqual(names(bySize.shares), ['beta-web>b', 'gamma-DB>b', 'Alpha-db>b']);
      const byNameDesc = await list(o, `?to_project_id=${b.projectId}&sort_key=name&sort_dir=desc`);
      assert.deepEqual(names(byNameDesc.shares), ['gamma-DB>b', 'beta-web>b', 'Alpha-db>b']);
      const byCreated = await list(o, `?to_project_id=${b.projectId}&sort_key=created_at&sort_dir=asc`);
      assert.deepEqual(names(byCreated.shares), ['Alpha-db>b', 'beta-web>b', 'gamma-DB>b']);
      // Image attributes are accepted as sort keys; no backup has them, so they order nothing.
      const byFormat = await list(o, `?to_project_id=${b.projectId}&sort_key=container_format,created_at&sort_dir=asc`);
      assert.deepEqual(names(byFormat.shares), ['Alpha-db>b', 'beta-web>b', 'gamma-DB>b']);

      // The backup's status; the two available ones tie and fall back to the share id, in the same direction.
      const toB = (...keys: string[]) => keys.map((k) => `${k}>b`);
      const byShareId = (xs: string[], dir: 'asc' | 'desc') => [...xs].sort((x, y) => (ids[x] < ids[y] ? -1 : 1) * (dir === 'asc' ? 1 : -1));
      const byStatus = await list(o, `?to_project_id=${b.projectId}&sort_key=status&sort_dir=asc`);
      assert.deepEqual(names(byStatus.shares), [...byShareId(toB('Alpha-db', 'beta-web'), 'asc'), 'gamma-DB>b']);
      const byStatusDesc = await list(o, `?to_project_id=${b.projectId}&sort_key=status&sort_dir=desc`);
      assert.deepEqual(names(byStatusDesc.shares), ['gamma-DB>b', ...byShareId(toB('Alpha-db', 'beta-web'), 'desc')]);
      // id orders by the share's own id.
      for (const dir of ['asc', 'desc'] as const) {
        const byId = await list(o, `?to_project_id=${b.projectId}&sort_key=id&sort_dir=${dir}`);
        assert.deepEqual(names(byId.shares), byShareId(toB('Alpha-db', 'beta-web', 'gamma-DB'), dir), `sort_key=id&sort_dir=${dir}`);
        assert.deepEqual(byId.shares.map((s) => s.id), byShareId(toB('Alpha-db', 'beta-web', 'gamma-DB'), dir).map((k) => ids[k]));
      }
      // A share is never changed, so updated_at orders as created_at.
      const byUpdated = await list(o, `?to_project_id=${b.projectId}&sort_key=updated_at&sort_dir=desc`);
      assert.deepEqual(names(byUpdated.shares), ['gamma-DB>b', 'beta-web>b', 'Alpha-db>b']);
      const byUpdatedAsc = await list(o, `?to_project_id=${b.projectId}&sort_key=updated_at&sort_dir=asc`);
      assert.deepEqual(names(byUpdatedAsc.shares), ['Alpha-db>b', 'beta-web>b', 'gamma-DB>b']);
      // disk_format orders nothing; the key after it does (size: 1, 2, 3, unlike the creation order).
      const byDiskFormat = await list(o, `?to_project_id=${b.projectId}&sort_key=disk_format,size&sort_dir=asc`);
      assert.deepEqual(names(byDiskFormat.shares), ['beta-web>b', 'gamma-DB>b', 'Alpha-db>b']);
      // Each direction stays with its key when an image key drops out: size gets asc, not disk_format's desc.
      const byDiskFormatDirs = await list(o, `?to_project_id=${b.projectId}&sort_key=disk_format,size&sort_dir=desc,asc`);
      assert.deepEqual(names(byDiskFormatDirs.shares), ['beta-web>b', 'gamma-DB>b', 'Alpha-db>b']);
      const diskFormatOnly = await list(o, `?to_project_id=${b.projectId}&sort_key=disk_format&sort_dir=asc`);
      assert.deepEqual(names(diskFormatOnly.shares), ['Alpha-db>b', 'beta-web>b', 'gamma-DB>b'], 'the default key, created_at, in the asked direction');
      // Two keys, two directions: the status ties of the available backups are ordered by the second key in its own direction.
      const statusDescCreatedAsc = await list(o, `?to_project_id=${b.projectId}&sort_key=status,created_at&sort_dir=desc,asc`);
      assert.deepEqual(names(statusDescCreatedAsc.shares), ['gamma-DB>b', 'Alpha-db>b', 'beta-web>b']);
      const statusAscCreatedDesc = await list(o, `?to_project_id=${b.projectId}&sort_key=status,created_at&sort_dir=asc,desc`);
      assert.deepEqual(names(statusAscCreatedDesc.shares), ['beta-web>b', 'Alpha-db>b', 'gamma-DB>b']);
      const sizeDescCreatedAsc = await list(o, `?to_project_id=${b.projectId}&sort_key=size,created_at&sort_dir=desc,asc`);
      assert.deepEqual(names(sizeDescCreatedAsc.shares), ['Alpha-db>b', 'gamma-DB>b', 'beta-web>b']);

      const page1 = await list(o, `?to_project_id=${b.projectId}&sort_key=created_at&sort_dir=asc&limit=2`);
      assert.deepEqual(names(page1.shares), ['Alpha-db>b', 'beta-web>b']);
      assert.equal(page1.count, 3, 'count ignores the page');
      const page2 = await list(o, `?to_project_id=${b.projectId}&sort_key=created_at&sort_dir=asc&limit=2&offset=2`);
      assert.deepEqual(names(page2.shares), ['gamma-DB>b']);
      assert.equal(page2.count, 3, 'count ignores limit and offset');
      const counted = await call(server, 'GET', `${sharing(o)}/count?to_project_id=${b.projectId}&sort_key=created_at&sort_dir=asc&limit=2&offset=2`, { token: o.token });
      assert.equal(counted.status, 200, counted.text);
      assert.deepEqual(counted.body, { count: 3 });
      const beyond = await call(server, 'GET', `${sharing(o)}/count?to_project_id=${b.projectId}&limit=1&offset=5`, { token: o.token });
      assert.deepEqual(beyond.body, { count: 3 }, 'an offset past the end still counts every match');

      for (const query of ['?limit=-1', '?offset=x', '?sort_key=bogus', '?sort_dir=up', '?share_to_me=maybe']) {
        const r = await call(server, 'GET', `${sharing(o)}/detail${query}`, { token: o.token });
        assert.equal(r.status, 400, `${query}: ${r.text}`);
        assert.equal(r.body.error.code, 'common.0400');
        const n = await call(server, 'GET', `${sharing(o)}/count${query}`, { token: o.token });
        assert.equal(n.status, 400, `count ${query}`);
      }
      // A reader may list.
      const reader = await call(server, 'GET', `${sharing(ownerReader)}/count`, { token: ownerReader.token });
      assert.equal(reader.status, 200);
    });

    it('of two requests racing to share a backup with the same project, exactly one makes the share', async () => {
      const bk = await insert(owner.projectId, { name: 'raced' });
      const replies = await Promise.all([share(owner, bk.id, [c.projectId]), share(owner, bk.id, [c.projectId, d.projectId]), share(owner, bk.id, [c.projectId])]);
      const statuses = replies.map((r) => r.status).sort();
      assert.equal(statuses.filter((x) => x === 200).length, 1, replies.map((r) => r.text).join('\n'));
      assert.deepEqual(statuses.filter((x) => x !== 200), [409, 409]);
      for (const r of replies.filter((x) => x.status === 409)) assert.equal(r.body.error.code, 'common.0409');
      const winner = replies.find((r) => r.status === 200)!;
      const rows = await server.services.database.db.selectFrom('backup_shares').select(['id', 'to_project_id']).where('backup_id', '=', bk.id).execute();
      assert.deepEqual(rows.map((x) => x.id).sort(), winner.body.shared.map((x: { id: string }) => x.id).sort(), 'only the winner wrote, all of its shares');
    });

    it('answers malformed bodies, unknown paths and wrong methods in the VBS envelope', async () => {
      const before = await shares();
      const badJson = await call(server, 'POST', sharing(owner), { token: owner.token, rawBody: '{"shared": ' });
      assert.equal(badJson.status, 400, badJson.text);
      assert.equal(badJson.body.error.code, 'VolumeBackup.0002');
      const notFound = await call(server, 'GET', `${sharing(owner)}/detail/more`, { token: owner.token });
      assert.equal(notFound.status, 404);
      assert.equal(notFound.body.error.code, 'common.0404');
      const wrongMethod = await call(server, 'PUT', `${sharing(owner)}/${randomUUID()}`, { token: owner.token, body: {} });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.body.error.code, 'common.0405');
      assert.match(wrongMethod.headers.get('allow') ?? '', /DELETE/);
      assert.equal(await shares(), before);
    });

    it('cancels one share or every share of a backup, by the owner only; refusals change nothing', async () => {
      const bk = await insert(owner.projectId, { name: 'to-cancel' });
      const r = await share(owner, bk.id, [c.projectId, d.projectId]);
      assert.equal(r.status, 200, r.text);
      const toC = r.body.shared.find((s: { to_project_id: string }) => s.to_project_id === c.projectId).id as string;
      const toD = r.body.shared.find((s: { to_project_id: string }) => s.to_project_id === d.projectId).id as string;
      const before = await shares();

      const refused: Array<[Member, string, number, string]> = [
        [c, `${sharing(c)}/${toC}`, 403, 'common.0403'],
        [c, `${sharing(c)}/${bk.id}?is_backup_id=true`, 403, 'common.0403'],
        [b, `${sharing(b)}/${toC}`, 404, 'common.0404'],
        [owner, `${sharing(owner)}/${randomUUID()}`, 404, 'common.0404'],
        [owner, `${sharing(owner)}/${randomUUID()}?is_backup_id=true`, 404, 'VolumeBackup.0111'],
        [owner, `${sharing(owner)}/${bk.id}`, 404, 'common.0404'],
        [owner, `${sharing(owner)}/${toC}?is_backup_id=perhaps`, 400, 'common.0400'],
        [ownerReader, `${sharing(ownerReader)}/${toC}`, 403, 'VolumeBackup.0042'],
      ];
      for (const [m, path, status, code] of refused) {
        const x = await call(server, 'DELETE', path, { token: m.token });
        assert.equal(x.status, status, `${path}: ${x.text}`);
        assert.equal(x.body.error.code, code, `${path}: ${x.text}`);
      }
      assert.equal(await shares(), before);

      const cancelled = await call(server, 'DELETE', `${sharing(owner)}/${toC}`, { token: owner.token });
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal((await call(server, 'GET', `${sharing(c)}/${toC}`, { token: c.token })).status, 404);
      assert.equal((await call(server, 'GET', `${sharing(c)}/count?share_to_me=true&backup_id=${bk.id}`, { token: c.token })).body.count, 0);
      assert.equal((await call(server, 'GET', `${sharing(d)}/${toD}`, { token: d.token })).status, 200, 'the other share stays');
      assert.equal((await call(server, 'DELETE', `${sharing(owner)}/${toC}`, { token: owner.token })).status, 404, 'a cancelled share is gone');

      // Shared again, then every share of the backup at once.
      assert.equal((await share(owner, bk.id, [c.projectId])).status, 200);
      const all = await call(server, 'DELETE', `${sharing(owner)}/${bk.id}?is_backup_id=true`, { token: owner.token });
      assert.equal(all.status, 200, all.text);
      assert.equal((await call(server, 'GET', `${sharing(owner)}/count?backup_id=${bk.id}`, { token: owner.token })).body.count, 0);
      const again = await call(server, 'DELETE', `${sharing(owner)}/${bk.id}?is_backup_id=true`, { token: owner.token });
      assert.equal(again.status, 404);
      assert.match(again.body.error.message, /not shared with any project/);
    });
  });
}
