/**
 * Quota rules as the services keep them, without HTTP: a refused delta names its resource and,
 * for a per-type quota, the volume type; who may read and change which project's quotas.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Services } from '../../src/container.js';
import type { Caller } from '../../src/services/common/caller.js';
import { Forbidden, NotFound, QuotaExceeded, type QuotaResource } from '../../src/services/common/errors.js';
import type { QuotaDelta, QuotaValues } from '../../src/services/volumes/quota-service.js';
import { DB_KINDS } from '../support/server.js';
import { startServices } from '../support/services.js';

for (const db of DB_KINDS) {
  describe(`quota service (${db})`, () => {
    let services: Services;
    let close: () => Promise<void>;
    let member: Caller;
    let other: Caller;
    const admin = (): Caller => ({ projectId: other.projectId, userId: null, admin: true });

    before(async () => {
      ({ services, close } = await startServices(db));
      member = { projectId: (await services.identity.createProject('q-member')).id, userId: null, admin: false };
      other = { projectId: (await services.identity.createProject('q-other')).id, userId: null, admin: false };
    });
    after(async () => close());

    /** The delta checked against `limits` (every other quota unlimited) in a transaction of its own. */
    const check = async (limits: QuotaValues, delta: QuotaDelta) => {
      await services.quotas.reset(member.projectId);
      const unlimited = Object.fromEntries(Object.keys(services.quotas.defaults()).map((k) => [k, -1]));
      await services.quotas.set(member.projectId, { ...unlimited, ...limits });
      await services.database.db.transaction().execute(async (tx) => {
        await services.quotas.lock(member.projectId, tx);
        await services.quotas.check(member.projectId, delta, tx);
      });
    };

    it('refuses a delta over a quota with QuotaExceeded naming the resource and type, in the words clients match', async () => {
      const cases: Array<[QuotaValues, QuotaDelta, QuotaResource, string | null, RegExp]> = [
        [{ volumes: 0 }, { volumes: 1, gigabytes: 1, volumeType: 'SATA' }, 'volumes', null, /^Maximum number of volumes allowed \(0\) exceeded for quota 'volumes'\.$/],
        [{ gigabytes: 2 }, { volumes: 1, gigabytes: 3 }, 'gigabytes', null, /^VolumeSizeExceedsAvailableQuota: .*allowed gigabytes quota\. Requested 3G, quota is 2G and 0G has been consumed\.$/],
        [{ snapshots: 0 }, { snapshots: 1, gigabytes: 1, volumeType: 'SAS' }, 'snapshots', null, /quota 'snapshots'/],
        [{ backups: 0 }, { backups: 1, backup_gigabytes: 1 }, 'backups', null, /^Maximum number of backups allowed \(0\) exceeded for quota 'backups'\.$/],
        [{ backup_gigabytes: 4 }, { backups: 1, backup_gigabytes: 5 }, 'backup_gigabytes', null, /allowed backup_gigabytes quota\. Requested 5G, quota is 4G/],
        [{ per_volume_gigabytes: 4 }, { volumes: 1, gigabytes: 5, volumeType: 'SSD', volumeSize: 5 }, 'per_volume_gigabytes', null, /^VolumeSizeExceedsLimit: Requested volume size 5G is larger than maximum allowed limit 4G\.$/],
        [{ volumes_SAS: 0 }, { volumes: 1, gigabytes: 1, volumeType: 'SAS' }, 'volumes', 'SAS', /quota 'volumes_SAS'/],
        [{ gigabytes_SSD: 1 }, { volumes: 1, gigabytes: 2, volumeType: 'SSD' }, 'gigabytes', 'SSD', /allowed gigabytes_SSD quota/],
        [{ snapshots_SATA: 0 }, { snapshots: 1, gigabytes: 1, volumeType: 'SATA' }, 'snapshots', 'SATA', /quota 'snapshots_SATA'/],
      ];
      for (const [limits, delta, resource, volumeType, message] of cases) {
        const what = JSON.stringify(limits);
        await assert.rejects(
          check(limits, delta),
          (err: unknown) => {
            assert.ok(err instanceof QuotaExceeded, `${what}: ${String(err)}`);
            assert.equal(err.kind, 'quota_exceeded', what);
            assert.equal(err.resource, resource, what);
            assert.equal(err.volumeType, volumeType, what);
            assert.equal(err.rule, undefined, what);
            assert.match(err.message, message, what);
            return true;
          },
          what,
        );
      }
      // Up to the limit is allowed; a quota of another type does not charge this one.
      await check({ volumes: 1, volumes_SAS: 0 }, { volumes: 1, gigabytes: 1, volumeType: 'SATA' });
      await check({ backups: 1 }, { backups: 1, backup_gigabytes: 1000 });
    });

    it('lets members read their own quotas, admins any project that exists, and only admins change them', async () => {
      await services.quotas.reset(member.projectId);
      assert.equal((await services.quotaSets.show(member, member.projectId)).volumes, 10);
      await assert.rejects(services.quotaSets.show(member, other.projectId), (err: unknown) => err instanceof Forbidden && err.kind === 'forbidden');
      await assert.rejects(services.quotaSets.showWithUsage(member, other.projectId), Forbidden);
      const unknown = 'f'.repeat(32);
      await assert.rejects(services.quotaSets.show(admin(), unknown), (err: unknown) => err instanceof NotFound && err.entity === 'project' && err.id === unknown);
      await assert.rejects(services.quotaSets.update(member, member.projectId, { limits: { volumes: 100 } }), Forbidden);
      assert.throws(() => services.quotaSets.authorizeChange(member), Forbidden);
      await assert.rejects(services.quotaSets.reset(member, member.projectId), Forbidden);
      await assert.rejects(services.quotaSets.update(admin(), unknown, { limits: { volumes: 1 } }), (err: unknown) => err instanceof NotFound && err.entity === 'project');
      assert.equal((await services.quotaSets.show(member, member.projectId)).volumes, 10, 'refused updates change nothing');
      assert.equal((await services.quotaSets.update(admin(), member.projectId, { limits: { volumes: 7 } })).volumes, 7);
      await services.quotaSets.reset(admin(), member.projectId);
      assert.equal((await services.quotaSets.show(member, member.projectId)).volumes, 10);
    });
  });
}
