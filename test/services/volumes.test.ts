/**
 * The volume and snapshot rules, asked of the services directly (no HTTP) on SQLite and
 * PostgreSQL: each refusal is a domain error of the right kind and changes nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Services } from '../../src/container.js';
import type { Caller } from '../../src/services/common/caller.js';
import { Forbidden, InvalidInput, InvalidState, NotFound, QuotaExceeded, type DomainError } from '../../src/services/common/errors.js';
import type { ResourceQuery } from '../../src/services/common/listing.js';
import { createVolumeCommand } from '../../src/services/volumes/volume-commands.js';
import { DB_KINDS } from '../support/server.js';
import { startServices } from '../support/services.js';

function rejectsWith<E extends DomainError>(kind: abstract new (...args: never[]) => E, check?: (e: E) => void) {
  return (err: unknown) => {
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
    check?.(err as E);
    return true;
  };
}

function query(fields: Partial<ResourceQuery> = {}): ResourceQuery {
  return { exact: {}, fuzzy: {}, metadata: undefined, allTenants: false, sort: [{ key: 'created_at', dir: 'asc' }], limit: undefined, offset: 0, marker: undefined, withCount: false, ...fields };
}

const snapshotOf = (volumeId: string) => ({ volumeId, force: false, name: null, description: null, metadata: {} });

for (const db of DB_KINDS) {
  describe(`volume and snapshot services (${db})`, () => {
    let services: Services;
    let close: () => Promise<void>;
    let owner: Caller;
    let admin: Caller;

    before(async () => {
      ({ services, close } = await startServices(db));
      const project = await services.identity.createProject('vol-rules');
      owner = { projectId: project.id, userId: null, admin: false };
      admin = { ...owner, admin: true };
    });
    after(async () => close());

    it('refuses creates that no state could satisfy, and writes nothing', async () => {
      await assert.rejects(services.volumes.create(owner, createVolumeCommand({})), rejectsWith(InvalidInput, (e) => assert.match(e.message, /size is required/)));
      await assert.rejects(services.volumes.create(owner, createVolumeCommand({ size: 1, availabilityZone: 'elsewhere' })), rejectsWith(InvalidInput));
      await assert.rejects(services.volumes.create(owner, createVolumeCommand({ size: 1, volumeType: 'TAPE' })), rejectsWith(NotFound, (e) => assert.equal(e.entity, 'volume_type')));
      await assert.rejects(services.volumes.create(owner, createVolumeCommand({ snapshotId: crypto.randomUUID() })), rejectsWith(NotFound, (e) => assert.equal(e.entity, 'snapshot')));
      assert.equal((await services.volumes.list(owner, query({ withCount: true }))).total, 0);
    });

    it('keeps a volume with snapshots unless the delete cascades', async () => {
      const v = await services.volumes.create(owner, createVolumeCommand({ size: 1, name: 'with-snap' }));
      const s = await services.snapshots.create(owner, snapshotOf(v.id));
      await assert.rejects(
        services.volumes.delete(owner, v.id, false),
        rejectsWith(InvalidState, (e) => {
          assert.equal(e.entity, 'volume');
          assert.equal(e.current, 'available');
          assert.match(e.message, /1 dependent snapshots/);
        }),
      );
      assert.equal((await services.snapshots.get(owner, s.id)).status, 'available');
      await services.volumes.delete(owner, v.id, true);
      await assert.rejects(services.volumes.get(owner, v.id), rejectsWith(NotFound, (e) => assert.equal(e.entity, 'volume')));
      await assert.rejects(services.snapshots.get(owner, s.id), rejectsWith(NotFound, (e) => assert.equal(e.entity, 'snapshot')));
    });

    it('extends only available volumes, only upwards', async () => {
      const v = await services.volumes.create(owner, createVolumeCommand({ size: 2 }));
      await assert.rejects(services.volumes.act(owner, v.id, { kind: 'extend', newSize: 2 }), rejectsWith(InvalidInput, (e) => assert.match(e.message, /greater than current size/)));
      await services.volumes.act(owner, v.id, { kind: 'reserve' });
      await assert.rejects(
        services.volumes.act(owner, v.id, { kind: 'extend', newSize: 3 }),
        rejectsWith(InvalidState, (e) => {
          assert.equal(e.current, 'attaching');
          assert.deepEqual([...e.allowed], ['available']);
        }),
      );
      await services.volumes.act(owner, v.id, { kind: 'unreserve' });
      await services.volumes.act(owner, v.id, { kind: 'extend', newSize: 3 });
      assert.equal((await services.volumes.get(owner, v.id)).size, 3);
    });

    it('attaches a volume that is not multiattach once, and detaches only what is attached', async () => {
      const v = await services.volumes.create(owner, createVolumeCommand({ size: 1 }));
      const attach = { serverId: crypto.randomUUID(), hostName: null, mode: 'rw' as const, mountpoint: '/dev/vdb' };
      await services.volumes.act(owner, v.id, { kind: 'attach', attach });
      await assert.rejects(services.volumes.act(owner, v.id, { kind: 'attach', attach }), rejectsWith(InvalidState, (e) => assert.match(e.message, /not multiattach/)));
      await assert.rejects(services.volumes.act(owner, v.id, { kind: 'detach', attachmentId: 'no-such' }), rejectsWith(NotFound, (e) => assert.equal(e.entity, 'attachment')));
      await services.volumes.act(owner, v.id, { kind: 'detach', attachmentId: null });
      assert.equal((await services.volumes.get(owner, v.id)).status, 'available');
    });

    it('leaves status resets and forced deletes to administrators', async () => {
      const v = await services.volumes.create(owner, createVolumeCommand({ size: 1 }));
      await assert.rejects(services.volumes.act(owner, v.id, { kind: 'reset-status', reset: { status: 'error' } }), rejectsWith(Forbidden));
      await assert.rejects(services.volumes.act(owner, v.id, { kind: 'force-delete' }), rejectsWith(Forbidden));
      assert.equal((await services.volumes.get(owner, v.id)).status, 'available');
      await services.volumes.act(admin, v.id, { kind: 'reset-status', reset: { status: 'error' } });
      assert.equal((await services.volumes.get(owner, v.id)).status, 'error');
      const s = await services.volumes.create(owner, createVolumeCommand({ size: 1 }));
      const snap = await services.snapshots.create(owner, snapshotOf(s.id));
      await assert.rejects(services.snapshots.act(owner, snap.id, { kind: 'reset-status', status: 'error' }), rejectsWith(Forbidden));
      await services.snapshots.act(admin, snap.id, { kind: 'reset-status', status: 'error' });
      assert.equal((await services.snapshots.get(owner, snap.id)).status, 'error');
    });

    it('names the quota a create would exceed, overall and per volume type', async () => {
      const project = await services.identity.createProject('vol-quota');
      const caller: Caller = { projectId: project.id, userId: null, admin: false };
      await services.quotas.set(project.id, { volumes_SSD: 1 });
      await services.volumes.create(caller, createVolumeCommand({ size: 1, volumeType: 'SSD' }));
      await assert.rejects(
        services.volumes.create(caller, createVolumeCommand({ size: 1, volumeType: 'SSD' })),
        rejectsWith(QuotaExceeded, (e) => {
          assert.equal(e.resource, 'volumes');
          assert.equal(e.volumeType, 'SSD');
        }),
      );
      await services.quotas.set(project.id, { gigabytes: 2 });
      await assert.rejects(
        services.volumes.create(caller, createVolumeCommand({ size: 2 })),
        rejectsWith(QuotaExceeded, (e) => {
          assert.equal(e.resource, 'gigabytes');
          assert.equal(e.volumeType, null);
        }),
      );
      assert.equal((await services.volumes.list(caller, query({ withCount: true }))).total, 1, 'refused creates left no volume');
    });

    it('pages a listing after a marker, and refuses a marker that is not in it as a volume not found (Cinder looks it up)', async () => {
      const project = await services.identity.createProject('vol-pages');
      const caller: Caller = { projectId: project.id, userId: null, admin: false };
      const made = [];
      for (const name of ['a', 'b', 'c']) made.push(await services.volumes.create(caller, createVolumeCommand({ size: 1, name })));
      const byName = { sort: [{ key: 'name' as const, dir: 'asc' as const }] };
      const first = await services.volumes.list(caller, query({ ...byName, limit: 2 }));
      assert.deepEqual(first.items.map((v) => v.name), ['a', 'b']);
      assert.equal(first.nextMarker, made[1].id);
      const rest = await services.volumes.list(caller, query({ ...byName, marker: first.nextMarker }));
      assert.deepEqual(rest.items.map((v) => v.name), ['c']);
      await assert.rejects(services.volumes.list(caller, query({ marker: crypto.randomUUID() })), rejectsWith(NotFound, (e) => assert.equal(e.entity, 'volume')));
    });
  });
}
