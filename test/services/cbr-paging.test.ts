import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Services } from '../../src/container.js';
import { cbrStatus, type CbrBackup, type CbrQuery, type CbrSortKey } from '../../src/services/backups/cbr-listing.js';
import type { BackupStatus } from '../../src/services/backups/backup-state.js';
import { ShareRepository } from '../../src/services/sharing/share-repository.js';
import { backupRecord, startServices } from '../support/services.js';
import { DB_KINDS } from '../support/server.js';

const A = 'a1'.repeat(16);
const B = 'b2'.repeat(16);

function query(over: Partial<CbrQuery> = {}): CbrQuery {
  return { limit: 1000, offset: 0, ownType: 'all_granted', statuses: [], sort: [{ key: 'created_at', dir: 'desc' }], ...over };
}

/** The order the CBR listing promises, as JavaScript compares the view's values. */
function sortValue(b: CbrBackup, key: CbrSortKey): string | number {
  switch (key) {
    case 'created_at':
      return b.backup.createdAt.toISOString();
    case 'protected_at':
      return (b.backup.dataTimestamp ?? b.backup.createdAt).toISOString();
    case 'updated_at':
      return (b.backup.updatedAt ?? b.backup.createdAt).toISOString();
    case 'resource_size':
      return b.backup.size;
    case 'status':
      return cbrStatus(b.backup.status);
    default:
      return b.backup[key] ?? '';
  }
}

function sortedAsJs(items: CbrBackup[], sort: CbrQuery['sort']): string[] {
  const keys = [...sort, { key: 'id' as const, dir: sort[0]?.dir ?? 'desc' }];
  return [...items]
    .sort((a, b) => {
      for (const { key, dir } of keys) {
        const x = sortValue(a, key);
        const y = sortValue(b, key);
        if (x !== y) return (x < y ? -1 : 1) * (dir === 'asc' ? 1 : -1);
      }
      return 0;
    })
    .map((x) => x.backup.id);
}

const STATUSES: BackupStatus[] = ['available', 'creating', 'error', 'deleting', 'restoring', 'available'];
const NAMES = [null, 'alpha', 'Alpha', 'beta', 'Zulu', 'ärger', '_x', 'alpha'];

for (const kind of DB_KINDS) {
  describe(`the CBR listing filters, orders and pages in the database as its view's values order (${kind})`, () => {
    let s: Services;
    let close: () => Promise<void>;
    const volume = randomUUID();

    before(async () => {
      ({ services: s, close } = await startServices(kind));
      await s.volumeRecords.insertVolume({ id: volume, projectId: A, userId: null, name: 'data-disk', description: null, size: 1, status: 'available', volumeType: 'SATA', availabilityZone: 'nova', bootable: false, encrypted: false, multiattach: false, metadata: {}, snapshotId: null, sourceVolid: null, backupId: null, attachments: [], createdAt: new Date(), updatedAt: null });
      const shares = new ShareRepository(s.database.db);
      for (let i = 0; i < 48; i++) {
        const owner = i % 6 === 5 ? B : A;
        const b = backupRecord(owner, {
          name: NAMES[i % NAMES.length],
          status: STATUSES[i % STATUSES.length],
          size: i % 5,
          volumeId: i % 3 === 0 ? volume : randomUUID(),
          createdAt: new Date(Date.UTC(2026, 2, 1, 0, Math.floor(i / 3))),
          updatedAt: i % 4 === 0 ? null : new Date(Date.UTC(2026, 2, 2, 0, i % 7)),
          dataTimestamp: i % 2 ? null : new Date(Date.UTC(2026, 2, 1, 0, i % 5)),
        });
        await s.backups.insert(b);
        if (owner === B && i % 12 === 5) await shares.insert({ id: randomUUID(), backupId: b.id, fromProjectId: B, toProjectId: A, createdAt: new Date(), updatedAt: null });
      }
    });
    after(async () => close());

    it('orders as the view values sort in JavaScript, and walks pages by marker and offset', async () => {
      const sorts: Array<CbrQuery['sort']> = [[{ key: 'created_at', dir: 'desc' }], [{ key: 'name', dir: 'asc' }], [{ key: 'name', dir: 'desc' }, { key: 'status', dir: 'asc' }], [{ key: 'protected_at', dir: 'asc' }], [{ key: 'updated_at', dir: 'desc' }, { key: 'resource_size', dir: 'asc' }], [{ key: 'status', dir: 'desc' }], [{ key: 'id', dir: 'asc' }]];
      for (const sort of sorts) {
        const whole = await s.cbrListing.list(A, query({ sort }));
        assert.equal(whole.total, 40 + 4, 'the own backups and the four shared ones');
        const ids = whole.items.map((x) => x.backup.id);
        assert.deepEqual(ids, sortedAsJs(whole.items, sort), JSON.stringify(sort));
        for (const [marker, offset] of [[undefined, 0], [ids[5], 0], [ids[5], 4], [ids[42], 0], [ids[43], 0], [undefined, 41]] as const) {
          const page = await s.cbrListing.list(A, query({ sort, marker, offset, limit: 3 }));
          const start = (marker ? ids.indexOf(marker) + 1 : 0) + offset;
          assert.deepEqual(page.items.map((x) => x.backup.id), ids.slice(start, start + 3), `${JSON.stringify(sort)} ${marker} ${offset}`);
          assert.equal(page.total, 44);
        }
      }
    });

    it('filters private, shared, statuses, resource names and vaults as before', async () => {
      const ids = async (over: Partial<CbrQuery>) => (await s.cbrListing.list(A, query(over))).items;
      const shared = await ids({ ownType: 'shared' });
      assert.equal(shared.length, 4);
      assert.ok(shared.every((x) => x.shared && x.resourceName === '' && x.backup.projectId === B));
      assert.equal((await ids({ ownType: 'private' })).length, 40);
      assert.equal((await ids({ memberStatus: 'pending' })).length, 40, 'a share is never pending');
      const named = await ids({ resourceName: 'data-disk' });
      assert.ok(named.length > 0 && named.every((x) => x.backup.volumeId === volume && !x.shared));
      const protecting = await ids({ statuses: ['protecting', 'error'] });
      assert.deepEqual(new Set(protecting.map((x) => cbrStatus(x.backup.status))), new Set(['protecting', 'error']));
      const vaultB = await ids({ vaultId: `${B.slice(0, 8)}-${B.slice(8, 12)}-${B.slice(12, 16)}-${B.slice(16, 20)}-${B.slice(20, 32)}` });
      assert.deepEqual(vaultB.map((x) => x.backup.id).sort(), shared.map((x) => x.backup.id).sort());
      await assert.rejects(s.cbrListing.list(A, query({ ownType: 'private', marker: shared[0].backup.id })), /is not a backup of this listing/);
    });
  });
}
