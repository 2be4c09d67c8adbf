/**
 * The sharing rules as the service keeps them, without HTTP: who may share and cancel, sharing
 * twice, unknown projects and backups. Each refusal is a domain error of its kind (and rule,
 * where a family has a code of its own), and writes nothing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Services } from '../../src/container.js';
import type { Caller } from '../../src/services/common/caller.js';
import { Conflict, DomainError, Forbidden, InvalidInput, InvalidState, NotFound, type Entity } from '../../src/services/common/errors.js';
import { DB_KINDS } from '../support/server.js';
import { backupRecord, startServices } from '../support/services.js';

function notFound(entity: Entity, id?: string) {
  return (err: unknown) => err instanceof NotFound && err.kind === 'not_found' && err.entity === entity && (id === undefined || err.id === id) && err.rule === undefined;
}

function kindOf<T extends DomainError>(cls: abstract new (...args: never[]) => T, kind: DomainError['kind'], message?: RegExp) {
  return (err: unknown) => err instanceof cls && err.kind === kind && err.rule === undefined && (message === undefined || message.test(err.message));
}

for (const db of DB_KINDS) {
  describe(`sharing service (${db})`, () => {
    let services: Services;
    let close: () => Promise<void>;
    let owner: Caller;
    let b: Caller;
    let c: Caller;
    let stranger: Caller;
    const shareRows = async () => (await services.database.db.selectFrom('backup_shares').selectAll().orderBy('id').execute()).length;
    const backup = async (projectId: string, over: Parameters<typeof backupRecord>[1] = {}) => {
      const rec = backupRecord(projectId, over);
      await services.backups.insert(rec);
      return rec;
    };

    before(async () => {
      ({ services, close } = await startServices(db));
      const caller = async (name: string): Promise<Caller> => ({ projectId: (await services.identity.createProject(name)).id, userId: null, admin: false });
      owner = await caller('owner');
      b = await caller('b');
      c = await caller('c');
      stranger = await caller('stranger');
    });
    after(async () => close());

    it('shares an available backup of the caller with other projects, each once', async () => {
      const bk = await backup(owner.projectId);
      const made = await services.sharing.share(owner, { backupId: bk.id, toProjectIds: [b.projectId, c.projectId] });
      assert.deepEqual(made.map((s) => [s.backupId, s.fromProjectId, s.toProjectId]), [
        [bk.id, owner.projectId, b.projectId],
        [bk.id, owner.projectId, c.projectId],
      ]);
      assert.equal(await services.sharing.count(b, { side: 'to', exact: {}, name: undefined, page: page() }), 1);
      // The backup side sees the share through the lookup it was given.
      assert.equal(await services.backupQueries.show(b.projectId, bk.id).then((x) => x.id), bk.id);
    });

    it('refuses whoever does not own the backup, an unavailable backup, the own project, unknown projects and a second share', async () => {
      const bk = await backup(owner.projectId);
      await services.sharing.share(owner, { backupId: bk.id, toProjectIds: [b.projectId] });
      const creating = await backup(owner.projectId, { status: 'creating' });
      const before = await shareRows();

      await assert.rejects(services.sharing.share(b, { backupId: bk.id, toProjectIds: [c.projectId] }), kindOf(Forbidden, 'forbidden', /only the project that owns/), 'a recipient sharing on');
      await assert.rejects(services.sharing.share(stranger, { backupId: bk.id, toProjectIds: [c.projectId] }), notFound('backup', bk.id), "another project's backup");
      await assert.rejects(services.sharing.share(owner, { backupId: randomUUID(), toProjectIds: [c.projectId] }), notFound('backup'), 'an unknown backup');
      await assert.rejects(services.sharing.share(owner, { backupId: 'not-a-uuid', toProjectIds: [c.projectId] }), notFound('backup', 'not-a-uuid'), 'a malformed id');
      await assert.rejects(
        services.sharing.share(owner, { backupId: creating.id, toProjectIds: [c.projectId] }),
        (err: unknown) =>
          err instanceof InvalidState &&
          err.kind === 'invalid_state' &&
          err.rule === 'backup.not-available' &&
          err.entity === 'backup' &&
          err.id === creating.id &&
          err.current === 'creating' &&
          err.allowed.join() === 'available',
        'a backup being created',
      );
      await assert.rejects(services.sharing.share(owner, { backupId: bk.id, toProjectIds: [c.projectId, owner.projectId] }), kindOf(InvalidInput, 'invalid_input', /own project/), 'the own project');
      const unknownProject = 'f'.repeat(32);
      await assert.rejects(services.sharing.share(owner, { backupId: bk.id, toProjectIds: [c.projectId, unknownProject] }), notFound('project', unknownProject), 'an unknown project');
      await assert.rejects(
        services.sharing.share(owner, { backupId: bk.id, toProjectIds: [c.projectId, b.projectId] }),
        kindOf(Conflict, 'conflict', new RegExp(`already shared with project ${b.projectId}`)),
        'a second share beside a new one',
      );
      assert.equal(await shareRows(), before, 'no refusal wrote a share');
    });

    it('of requests racing to share with the same project, one makes the share and the others conflict', async () => {
      const bk = await backup(owner.projectId);
      const results = await Promise.allSettled([1, 2, 3].map(() => services.sharing.share(owner, { backupId: bk.id, toProjectIds: [c.projectId] })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof Conflict, String(r.reason));
    });

    it('cancels shares for the owner only; a recipient is refused, a stranger finds none', async () => {
      const bk = await backup(owner.projectId);
      const [toB, toC] = await services.sharing.share(owner, { backupId: bk.id, toProjectIds: [b.projectId, c.projectId] });
      const before = await shareRows();
      await assert.rejects(services.sharing.cancel(b, { shareId: toB.id }), kindOf(Forbidden, 'forbidden'), 'the recipient of the share');
      await assert.rejects(services.sharing.cancel(b, { backupId: bk.id }), kindOf(Forbidden, 'forbidden'), "a recipient, every share of the backup");
      await assert.rejects(services.sharing.cancel(b, { shareId: toC.id }), notFound('share', toC.id), "another recipient's share");
      await assert.rejects(services.sharing.cancel(stranger, { shareId: toB.id }), notFound('share', toB.id), 'a stranger');
      await assert.rejects(services.sharing.cancel(stranger, { backupId: bk.id }), notFound('backup', bk.id), "a stranger, by the owner's backup");
      await assert.rejects(services.sharing.cancel(owner, { shareId: randomUUID() }), notFound('share'), 'an unknown share');
      await assert.rejects(services.sharing.cancel(owner, { shareId: bk.id }), notFound('share', bk.id), 'a backup id without is_backup_id');
      await assert.rejects(services.sharing.show(stranger, toB.id), notFound('share', toB.id), 'a stranger reading a share');
      assert.equal(await shareRows(), before, 'no refusal ended a share');

      assert.equal(await services.sharing.cancel(owner, { shareId: toB.id }), 1);
      await assert.rejects(services.sharing.show(b, toB.id), notFound('share', toB.id), 'a cancelled share is gone');
      assert.equal((await services.sharing.show(c, toC.id)).share.id, toC.id, 'the other share stays');
      assert.equal(await services.sharing.cancel(owner, { backupId: bk.id }), 1);
      await assert.rejects(services.sharing.cancel(owner, { backupId: bk.id }), kindOf(NotFound, 'not_found', /not shared with any project/), 'a backup shared with none');
    });

    it("lists a backup shared with the project in the recipient's CBR listing, through the lookup the backup side is given", async () => {
      const bk = await backup(owner.projectId, { name: 'listed' });
      await services.sharing.share(owner, { backupId: bk.id, toProjectIds: [stranger.projectId] });
      const shared = await services.cbrListing.list(stranger.projectId, { limit: 1000, offset: 0, ownType: 'shared', statuses: [], sort: [{ key: 'created_at', dir: 'desc' }] });
      assert.deepEqual(shared.items.map((x) => [x.backup.id, x.shared]), [[bk.id, true]]);
    });
  });
}

/** The first page in the default order, as the edge makes it from an empty query. */
function page() {
  return { exact: {}, fuzzy: {}, metadata: undefined, allTenants: false, sort: [{ key: 'created_at' as const, dir: 'desc' as const }], limit: undefined, offset: 0, marker: undefined, withCount: false };
}
