import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Services } from '../../src/container.js';
import { paginate, type Page, type ResourceQuery, type ResourceSortKey } from '../../src/services/common/listing.js';
import type { Backup } from '../../src/services/backups/backup-repository.js';
import { InvalidInput, NotFound } from '../../src/services/common/errors.js';
import { backupRecord, startServices } from '../support/services.js';
import { DB_KINDS } from '../support/server.js';

const ROWS = 120;
const PROJECT = 'e'.repeat(32);

function query(over: Partial<ResourceQuery> = {}): ResourceQuery {
  return { exact: {}, fuzzy: {}, metadata: undefined, allTenants: false, sort: [{ key: 'created_at', dir: 'desc' }], limit: undefined, offset: 0, marker: undefined, withCount: false, ...over };
}

const ORDERS: Array<Array<{ key: ResourceSortKey; dir: 'asc' | 'desc' }>> = [
  [{ key: 'created_at', dir: 'desc' }],
  [{ key: 'created_at', dir: 'asc' }],
  // NULL names and updated_at sort first on SQLite and last on PostgreSQL; duplicates tie on the id.
  [{ key: 'name', dir: 'asc' }],
  [{ key: 'name', dir: 'desc' }],
  [{ key: 'updated_at', dir: 'asc' }],
  [{ key: 'updated_at', dir: 'desc' }, { key: 'size', dir: 'asc' }],
  [{ key: 'status', dir: 'asc' }, { key: 'name', dir: 'desc' }],
  [{ key: 'size', dir: 'desc' }, { key: 'id', dir: 'asc' }, { key: 'name', dir: 'asc' }],
];

for (const kind of DB_KINDS) {
  describe(`listings page in the database as paging the whole ordered listing does (${kind})`, () => {
    let s: Services;
    let close: () => Promise<void>;

    before(async () => {
      ({ services: s, close } = await startServices(kind));
      await s.database.db.transaction().execute(async (trx) => {
        for (let i = 0; i < ROWS; i++) {
          const name = i % 5 === 0 ? null : i % 7 === 0 ? 'Ünïcode Ωmega' : `b-${i % 11}`;
          await s.backups.insert(
            backupRecord(PROJECT, {
              name,
              status: i % 3 ? 'available' : 'error',
              size: i % 4,
              // Every fourth pair shares a creation time.
              createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 2))),
              updatedAt: i % 2 ? new Date(Date.UTC(2026, 1, 1, 0, i % 9)) : null,
            }),
            trx,
          );
        }
        await s.backups.insert(backupRecord('d'.repeat(32), { name: 'b-1' }), trx);
      });
    });
    after(async () => close());

    /** The page of ids and revisions a listing that keeps rendered views reads is the same page. */
    const sameRevisions = async (projectId: string, q: ResourceQuery, page: Page<Backup>) => {
      const revisions = await s.backups.pageRevisions(projectId, q);
      assert.deepEqual(revisions.items.map((b) => b.id), page.items.map((b) => b.id));
      assert.ok(revisions.items.every((b) => Number.isSafeInteger(b.revision)));
      assert.equal(revisions.nextMarker, page.nextMarker);
      assert.equal(revisions.total, page.total);
    };

    it('walks every order page by page, by marker and by offset, as the whole listing sliced (ids and revisions alike)', async () => {
      for (const sort of ORDERS) {
        const whole = await s.backups.page(PROJECT, query({ sort, withCount: true }));
        assert.equal(whole.items.length, ROWS);
        assert.equal(whole.total, ROWS);
        const ids = whole.items.map((b) => b.id);
        for (const limit of [1, 7, 60]) {
          let marker: string | undefined;
          const walked: string[] = [];
          for (let n = 0; n <= ROWS; n++) {
            const page = await s.backups.page(PROJECT, query({ sort, limit, marker }));
            const expected = paginate(whole.items, query({ sort, limit, marker }));
            assert.deepEqual(page.items.map((b) => b.id), expected.items.map((b) => b.id), `${JSON.stringify(sort)} limit ${limit} after ${marker}`);
            assert.equal(page.nextMarker, expected.nextMarker);
            await sameRevisions(PROJECT, query({ sort, limit, marker }), page);
            walked.push(...page.items.map((b) => b.id));
            marker = page.nextMarker;
            if (!marker) break;
          }
          assert.deepEqual(walked, ids, `${JSON.stringify(sort)} limit ${limit}`);
        }
        for (const [marker, offset] of [[ids[10], 3], [ids[ROWS - 2], 0], [ids[ROWS - 1], 0], [undefined, ROWS - 1], [ids[3], ROWS]] as const) {
          const q = query({ sort, limit: 5, marker, offset, withCount: true });
          const page = await s.backups.page(PROJECT, q);
          const expected = paginate(whole.items, q);
          assert.deepEqual(page.items.map((b) => b.id), expected.items.map((b) => b.id), `${JSON.stringify(sort)} marker ${marker} offset ${offset}`);
          assert.equal(page.nextMarker, expected.nextMarker);
          assert.equal(page.total, ROWS);
          await sameRevisions(PROJECT, q, page);
        }
      }
    });

    it('filters exactly and fuzzily (case-insensitive, beyond ASCII) before paging, and refuses a marker the filters leave out', async () => {
      const fuzzy = await s.backups.page(PROJECT, query({ fuzzy: { name: 'üNÏ' }, withCount: true }));
      assert.ok(fuzzy.items.length > 0);
      assert.ok(fuzzy.items.every((b) => b.name === 'Ünïcode Ωmega'));
      assert.equal(fuzzy.total, fuzzy.items.length);
      const exact = await s.backups.page(PROJECT, query({ exact: { name: 'b-1', status: 'error' }, withCount: true }));
      assert.ok(exact.items.length > 0);
      assert.ok(exact.items.every((b) => b.name === 'b-1' && b.status === 'error' && b.projectId === PROJECT));
      const other = await s.backups.page(PROJECT, query({ exact: { status: 'available' } }));
      await assert.rejects(s.backups.page(PROJECT, query({ exact: { status: 'error' }, marker: other.items[0].id })), InvalidInput);
      const every = await s.backups.page(null, query({ withCount: true }));
      assert.equal(every.total, ROWS + 1, 'every project for all_tenants');
      assert.equal((await s.backups.page(PROJECT, query())).total, undefined, 'counted only when asked');
    });

    it('gives the unfiltered total from the counts the database keeps, right through inserts, deletes and a move between projects', async () => {
      const mine = 'a'.repeat(32);
      const other = 'b'.repeat(32);
      const total = async (projectId: string | null, over: Partial<ResourceQuery> = {}) => (await s.backups.page(projectId, query({ withCount: true, limit: 1, ...over }))).total;
      const counted = async (projectId: string) => Number((await s.database.db.selectFrom('backups').select((eb) => eb.fn.countAll<number | string>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow()).n);
      assert.equal(await total(mine), 0, 'a project without backups');
      const made = [backupRecord(mine), backupRecord(mine, { status: 'error' }), backupRecord(mine), backupRecord(other)];
      await s.backups.insertMany(made);
      assert.equal(await total(mine), 3);
      assert.equal(await total(mine, { exact: { status: 'error' } }), 1, 'a filtered total is counted');
      await s.database.db.deleteFrom('backups').where('id', '=', made[0].id).execute();
      await s.database.db.updateTable('backups').set({ project_id: other }).where('id', '=', made[1].id).execute();
      await s.database.db.updateTable('backups').set({ project_id: mine }).where('id', '=', made[2].id).execute();
      // A write that fails changes no count: the trigger runs in its transaction.
      await assert.rejects(s.backups.insertMany([backupRecord(mine), { ...made[2] }]));
      for (const p of [mine, other, PROJECT]) assert.equal(await total(p), await counted(p), p);
      assert.equal(await total(mine), 1);
      assert.equal(await total(other), 2);
      const all = Number((await s.database.db.selectFrom('backups').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
      assert.equal(await total(null), all, 'every project (all_tenants)');
    });

    it('filters volumes by metadata entries (strings only) and fuzzily by bootable as the views show it', async () => {
      const project = 'c'.repeat(32);
      const volume = (name: string, bootable: boolean, metadata: Record<string, unknown>) => ({
        id: randomUUID(), projectId: project, userId: null, name, description: null, size: 1, status: 'available' as const, volumeType: 'SATA', availabilityZone: 'nova', bootable, encrypted: false, multiattach: false,
        metadata: metadata as Record<string, string>, snapshotId: null, sourceVolid: null, backupId: null, attachments: [], createdAt: new Date(), updatedAt: null,
      });
      await s.volumeRecords.insertVolume(volume('boot', true, { 'clé "x"': 'ü', n: '1' }));
      await s.volumeRecords.insertVolume(volume('data', false, { n: 1 }));
      const names = async (over: Partial<ResourceQuery>) => (await s.volumeRecords.pageVolumes(project, query(over), {})).items.map((v) => v.name);
      assert.deepEqual(await names({ metadata: { 'clé "x"': 'ü' } }), ['boot']);
      assert.deepEqual(await names({ metadata: { n: '1' } }), ['boot'], 'a number is not the string');
      assert.deepEqual(await names({ metadata: { n: '1', other: 'x' } }), []);
      assert.deepEqual(await names({ fuzzy: { bootable: 'TRU' } }), ['boot']);
      assert.deepEqual(await names({ fuzzy: { bootable: 'als' } }), ['data']);
      await assert.rejects(s.volumeRecords.pageVolumes(project, query({ marker: randomUUID() }), { markerEntity: 'volume' }), NotFound);
    });
  });
}
