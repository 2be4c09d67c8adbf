import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Services } from '../../src/container.js';
import type { ResourceQuery } from '../../src/services/common/listing.js';
import { backupRecord, startServices } from '../support/services.js';

const ROWS = 3000;
const EVERYTHING: ResourceQuery = { exact: {}, fuzzy: {}, metadata: undefined, allTenants: false, sort: [], limit: undefined, offset: 0, marker: undefined, withCount: false };

/** Whether other work (a timer, another request's I/O) got to run while `listing` ran. */
async function letOthersRun(listing: () => Promise<unknown[]>): Promise<{ others: boolean; rows: number }> {
  let others = false;
  setImmediate(() => (others = true));
  const rows = (await listing()).length;
  return { others, rows };
}

describe('listings of a large project let other requests run', () => {
  let s: Services;
  let close: () => Promise<void>;
  const projectId = 'f'.repeat(32);

  before(async () => {
    // SQLite answers at once, so only the listing's own work can hold the event loop.
    ({ services: s, close } = await startServices('sqlite'));
    await s.database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < ROWS; i++) {
        await s.volumeRecords.insertVolume(
          { id: randomUUID(), projectId, userId: null, name: `v${i}`, description: null, size: 1, status: 'available', volumeType: 'SATA', availabilityZone: 'nova', bootable: false, encrypted: false, multiattach: false, metadata: { n: String(i) }, snapshotId: null, sourceVolid: null, backupId: null, attachments: [], createdAt: new Date(), updatedAt: null },
          trx,
        );
        await s.backups.insert(backupRecord(projectId, { name: `b${i}` }), trx);
      }
    });
  });
  after(async () => close());

  it('volumes', async () => {
    assert.deepEqual(await letOthersRun(() => s.volumeRecords.listVolumes(projectId, EVERYTHING)), { others: true, rows: ROWS });
  });

  it('backups', async () => {
    assert.deepEqual(await letOthersRun(() => s.backups.list(projectId, EVERYTHING)), { others: true, rows: ROWS });
  });
});
