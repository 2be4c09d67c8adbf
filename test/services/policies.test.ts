/**
 * The backup policy services called directly, without HTTP: their rules answer with domain
 * errors (class and rule), on SQLite and on PostgreSQL.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newUuid } from '../../src/common/ids.js';
import type { Services } from '../../src/container.js';
import { codeOf } from '../../src/http/error-mapping.js';
import type { Caller } from '../../src/services/common/caller.js';
import { Conflict, DomainError, Forbidden, InvalidInput, InvalidState, LimitExceeded, NotFound, type Rule } from '../../src/services/common/errors.js';
import { MAX_POLICIES_PER_PROJECT, MAX_VOLUMES_PER_POLICY, type CreatePolicy } from '../../src/services/policies/policy-service.js';
import { MAX_TAGS_PER_POLICY } from '../../src/services/policies/policy-repository.js';
import type { TagQuery } from '../../src/services/policies/policy-tags.js';
import type { VolumeStatus } from '../../src/services/volumes/volume-state.js';
import { DB_KINDS } from '../support/server.js';
import { startServices } from '../support/services.js';

type ErrorClass = abstract new (...args: never[]) => DomainError;

/** The promise is refused with an error of the class, under the rule (or none). */
async function refused(p: Promise<unknown>, cls: ErrorClass, rule?: Rule): Promise<DomainError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${cls.name}${rule ? ` (${rule})` : ''}, got success`),
    (err: unknown) => {
      caught = err;
    },
  );
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  assert.equal(caught.rule, rule, caught.message);
  return caught;
}

function callerIn(projectId = newUuid()): Caller {
  return { projectId, userId: null, admin: false };
}

function command(name: string, over: Partial<CreatePolicy> = {}): CreatePolicy {
  return {
    name,
    schedule: { startTimes: [12], frequency: 1, retentionNum: 10, remainFirstBackupOfCurMonth: true, status: 'ON' },
    timeZone: 'UTC+00:00',
    tags: [],
    ...over,
  };
}

for (const db of DB_KINDS) {
  describe(`backup policy services (${db})`, () => {
    let s: Services;
    let close: () => Promise<void>;

    before(async () => {
      ({ services: s, close } = await startServices(db));
    });
    after(async () => close());

    /** A volume record of the caller's project in the given status (the policy rules read only the record). */
    async function volume(caller: Caller, status: VolumeStatus = 'available'): Promise<string> {
      const id = newUuid();
      await s.volumeRecords.insertVolume({
        id,
        projectId: caller.projectId,
        userId: null,
        name: 'disk',
        description: null,
        size: 1,
        status,
        volumeType: 'SATA',
        availabilityZone: 'nova',
        bootable: false,
        encrypted: false,
        multiattach: false,
        metadata: {},
        snapshotId: null,
        sourceVolid: null,
        backupId: null,
        attachments: [],
        createdAt: new Date(),
        updatedAt: null,
      });
      return id;
    }

    it(`allows at most ${MAX_POLICIES_PER_PROJECT} policies per project, each project on its own`, async () => {
      const a = callerIn();
      for (let i = 0; i < MAX_POLICIES_PER_PROJECT; i++) await s.policies.create(a, command(`p${i}`));
      const err = await refused(s.policies.create(a, command('one-more')), LimitExceeded, 'policy.limit');
      assert.equal(codeOf(err, 'autobackup'), 'AutoBackup.0203');
      assert.equal((await s.policies.list(a)).length, MAX_POLICIES_PER_PROJECT);
      await s.policies.create(callerIn(), command('elsewhere'));
    });

    it('keeps default policies named as they are and lets no other policy take such a name', async () => {
      const c = callerIn();
      const dflt = await s.policies.create(c, command('default_policy'));
      const mine = await s.policies.create(c, command('mine'));
      await refused(s.policies.update(c, dflt.id, { name: 'renamed', schedule: {} }), Forbidden, 'policy.default-name');
      await refused(s.policies.update(c, mine.id, { name: 'default_x', schedule: {} }), InvalidInput, 'policy.name-invalid');
      await refused(s.policies.update(c, mine.id, { name: 'default', schedule: {} }), InvalidInput, 'policy.name-invalid');
      // The same name again is no rename; the schedule of a default policy stays editable.
      const changed = await s.policies.update(c, dflt.id, { name: 'default_policy', schedule: { frequency: 2 } });
      assert.deepEqual([changed.name, changed.frequency], ['default_policy', 2]);
      assert.equal((await s.policies.update(c, mine.id, { name: 'still-mine', schedule: {} })).name, 'still-mine');
    });

    it('keeps start times in ascending local order, also when only the time zone changes', async () => {
      const c = callerIn();
      await refused(s.policies.create(c, command('unordered', { schedule: { startTimes: [2, 1], frequency: 1, status: 'ON' } })), InvalidInput, 'policy.start-time-order');
      const p = await s.policies.create(c, command('east', { schedule: { startTimes: [22, 1], frequency: 1, status: 'ON' }, timeZone: 'UTC+03:00' }));
      await refused(s.policies.update(c, p.id, { schedule: {}, timeZone: 'UTC+00:00' }), InvalidInput, 'policy.start-time-order');
      assert.equal((await s.policies.get(c, p.id)).timeZone, 'UTC+03:00', 'the refused update changed nothing');
    });

    it('finds only the caller\'s own policies', async () => {
      const c = callerIn();
      const p = await s.policies.create(c, command('own'));
      for (const [who, id] of [[callerIn(), p.id], [c, newUuid()], [c, 'not-a-uuid']] as const) {
        const err = await refused(s.policies.get(who, id), NotFound);
        assert.equal((err as NotFound).entity, 'policy');
        assert.equal(codeOf(err, 'autobackup'), 'AutoBackup.0205');
        await refused(s.policies.delete(who, id), NotFound);
        await refused(s.policyTags.list(who, id), NotFound);
      }
    });

    it('binds volumes one by one, each refusal with its rule', async () => {
      const c = callerIn();
      const stranger = callerIn();
      const policy = await s.policies.create(c, command('bind'));
      const other = await s.policies.create(c, command('other'));
      const [ok, inUse, broken, taken, foreign] = [await volume(c), await volume(c, 'in-use'), await volume(c, 'error'), await volume(c), await volume(stranger)];
      assert.deepEqual((await s.policies.associate(c, other.id, [{ resourceId: taken, resourceType: 'volume' }])).map((o) => o.error), [undefined]);
      const missing = newUuid();
      const outcomes = await s.policies.associate(c, policy.id, [
        { resourceId: ok, resourceType: 'volume' },
        { resourceId: missing, resourceType: 'volume' },
        { resourceId: ok, resourceType: 'snapshot' },
        { resourceId: broken, resourceType: 'volume' },
        { resourceId: foreign, resourceType: 'volume' },
        { resourceId: taken, resourceType: 'volume' },
        { resourceId: '', resourceType: 'volume' },
        { resourceId: inUse, resourceType: null },
        { resourceId: 'not-a-uuid', resourceType: 'volume' },
        { resourceId: inUse, resourceType: 'volume' },
      ]);
      const expected: Array<[ErrorClass, Rule] | null> = [
        null,
        [NotFound, 'policy.volume-not-found'],
        [InvalidInput, 'policy.resource-type'],
        [InvalidState, 'policy.volume-bad-status'],
        [NotFound, 'policy.volume-not-found'],
        [Conflict, 'policy.volume-taken'],
        [InvalidInput, 'policy.resource-empty'],
        [InvalidInput, 'policy.resource-empty'],
        [NotFound, 'policy.volume-not-found'],
        null,
      ];
      outcomes.forEach((o, i) => {
        const want = expected[i];
        if (!want) return assert.equal(o.error, undefined, `${i}: ${o.error?.message}`);
        assert.ok(o.error instanceof want[0], `${i}: ${o.error?.name}`);
        assert.equal(o.error.rule, want[1], `${i}`);
      });
      const bad = outcomes[3].error as InvalidState;
      assert.deepEqual([bad.entity, bad.id, bad.current], ['volume', broken, 'error']);
      assert.deepEqual(outcomes.map((o) => (o.error ? codeOf(o.error, 'autobackup') : null)), [
        null, 'AutoBackup.0208', 'AutoBackup.0211', 'AutoBackup.0206', 'AutoBackup.0208', 'AutoBackup.1400', 'AutoBackup.0209', 'AutoBackup.0209', 'AutoBackup.0208', null,
      ]);
      assert.deepEqual((await s.policyRecords.volumeIds(policy.id)).sort(), [ok, inUse].sort());
      assert.deepEqual(await s.policyRecords.volumeIds(other.id), [taken]);

      const un = await s.policies.disassociate(c, policy.id, [{ resourceId: ok, resourceType: null }, { resourceId: taken, resourceType: null }, { resourceId: '', resourceType: null }]);
      assert.equal(un[0].error, undefined);
      assert.ok(un[1].error instanceof NotFound && un[1].error.rule === 'policy.volume-not-bound');
      assert.ok(un[2].error instanceof InvalidInput && un[2].error.rule === 'policy.resource-empty');
      assert.deepEqual(await s.policyRecords.volumeIds(policy.id), [inUse]);
      await refused(s.policies.associate(c, newUuid(), [{ resourceId: ok, resourceType: 'volume' }]), NotFound);
    });

    it(`binds at most ${MAX_VOLUMES_PER_POLICY} volumes to a policy`, async () => {
      const c = callerIn();
      const policy = await s.policies.create(c, command('full'));
      const ids: string[] = [];
      for (let i = 0; i <= MAX_VOLUMES_PER_POLICY; i++) ids.push(await volume(c));
      const outcomes = await s.policies.associate(c, policy.id, ids.map((resourceId) => ({ resourceId, resourceType: 'volume' })));
      assert.equal(outcomes.filter((o) => !o.error).length, MAX_VOLUMES_PER_POLICY);
      const last = outcomes[MAX_VOLUMES_PER_POLICY].error;
      assert.ok(last instanceof LimitExceeded && last.rule === 'policy.volumes-limit', last?.message);
      const again = await s.policies.associate(c, policy.id, [{ resourceId: ids[0], resourceType: 'volume' }, { resourceId: ids[MAX_VOLUMES_PER_POLICY], resourceType: 'volume' }]);
      assert.equal(again[0].error, undefined, 'a bound volume binds again at the limit');
      assert.equal(again[1].error?.rule, 'policy.volumes-limit');
    });

    it(`keeps at most ${MAX_TAGS_PER_POLICY} tags on a policy`, async () => {
      const c = callerIn();
      const tags = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: 'v' }));
      const err = await refused(s.policies.create(c, command('crowded', { tags: tags(MAX_TAGS_PER_POLICY + 1) })), LimitExceeded, 'policy.tags-limit');
      assert.equal(codeOf(err, 'autobackup'), 'VolumeBackup.0050');
      assert.deepEqual(await s.policies.list(c), [], 'nothing was created');
      const p = await s.policies.create(c, command('tagged', { tags: tags(MAX_TAGS_PER_POLICY - 1) }));
      await s.policyTags.add(c, p.id, { key: 'last', value: 'x' });
      await refused(s.policyTags.add(c, p.id, { key: 'too-many', value: 'x' }), LimitExceeded, 'policy.tags-limit');
      await s.policyTags.add(c, p.id, { key: 'k0', value: 'overwritten' });
      await refused(s.policyTags.batch(c, p.id, { action: 'create', tags: tags(2, 'n') }), LimitExceeded, 'policy.tags-limit');
      // Removing and adding in one batch: only the outcome counts.
      await s.policyTags.batch(c, p.id, { action: 'delete', tags: [{ key: 'k1' }, { key: 'k2', value: 'not-v' }] });
      await s.policyTags.batch(c, p.id, { action: 'create', tags: tags(1, 'n') });
      assert.equal((await s.policyTags.list(c, p.id)).length, MAX_TAGS_PER_POLICY);
      assert.equal((await s.policyTags.list(c, p.id)).find((t) => t.key === 'k0')?.value, 'overwritten');

      const missing = await refused(s.policyTags.batch(c, p.id, { action: 'update', tags: [{ key: 'k0', value: 'a' }, { key: 'absent', value: 'b' }] }), NotFound);
      assert.equal((missing as NotFound).entity, 'tag');
      assert.equal((await s.policyTags.list(c, p.id)).find((t) => t.key === 'k0')?.value, 'overwritten', 'a refused update changes nothing');
      await refused(s.policyTags.remove(c, p.id, 'absent'), NotFound);
      await s.policyTags.remove(c, p.id, 'k0');
      assert.equal((await s.policyTags.list(c, p.id)).length, MAX_TAGS_PER_POLICY - 1);
    });

    it('finds and counts policies by their tags and name', async () => {
      const c = callerIn();
      const a = await s.policies.create(c, command('Alpha', { tags: [{ key: 'env', value: 'prod' }] }));
      const b = await s.policies.create(c, command('beta', { tags: [{ key: 'env', value: 'dev' }] }));
      await s.policies.create(c, command('gamma'));
      const q: Omit<TagQuery, 'action'> = { tags: [], tagsAny: [], notTags: [], notTagsAny: [], nameMatch: null, limit: 1000, offset: 0 };
      const ids = async (over: Partial<TagQuery>) => (await s.policyTags.query(c, { ...q, action: 'filter', ...over })).page.map((t) => t.policy.id);
      // Made within one millisecond, the two may list in either order: only the set is the rule here.
      assert.deepEqual((await ids({ tags: [{ key: 'env', values: [] }] })).sort(), [a.id, b.id].sort());
      assert.deepEqual(await ids({ tags: [{ key: 'env', values: ['prod'] }] }), [a.id]);
      assert.deepEqual(await ids({ nameMatch: 'ALP' }), [a.id]);
      assert.deepEqual(await s.policyTags.query(c, { ...q, action: 'count', notTagsAny: [{ key: 'env', values: [] }] }), { action: 'count', total: 1, page: [] });
    });

    it('refuses to run a policy twice at once and lists tasks only after tasks of the policy', async () => {
      const c = callerIn();
      const p = await s.policies.create(c, command('run'));
      // The job runner is not started: the first run stays in progress.
      await s.policyRuns.executeNow(c, p.id);
      const err = await refused(s.policyRuns.executeNow(c, p.id), Conflict, 'policy.running');
      assert.equal(codeOf(err, 'autobackup'), 'AutoBackup.0225');
      await refused(s.policyRuns.executeNow(callerIn(), p.id), NotFound);
      const page = { order: 'desc', limit: 20, offset: 0 } as const;
      assert.deepEqual(await s.policyRuns.listTasks(c, p.id, page), { count: 0, tasks: [] });
      await refused(s.policyRuns.listTasks(c, p.id, { ...page, markerId: newUuid() }), InvalidInput);
    });
  });
}
