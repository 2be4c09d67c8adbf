/** Policy records written straight into the database, so schedule tests choose every field and time. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/connect.js';
import { parseTimeZoneOffset, toPolicyRow, type Policy } from '../../src/services/policies/policy-repository.js';

export function policyRecord(projectId: string, over: Partial<Policy> = {}): Policy {
  const timeZone = over.timeZone ?? 'UTC+00:00';
  return {
    id: randomUUID(),
    projectId,
    name: 'policy_01',
    status: 'ON',
    startTimes: [12],
    frequency: 1,
    weekDays: null,
    retentionNum: null,
    retentionDays: null,
    remainFirstBackupOfCurMonth: false,
    timeZone,
    timeZoneOffsetMinutes: parseTimeZoneOffset(timeZone),
    createdAt: new Date('2026-03-01T10:00:00Z'),
    updatedAt: null,
    ...over,
  };
}

export async function insertPolicy(db: Db, policy: Policy, volumeIds: string[] = []): Promise<Policy> {
  await db.insertInto('backup_policies').values(toPolicyRow(policy)).execute();
  for (const [i, id] of volumeIds.entries()) {
    await db
      .insertInto('backup_policy_resources')
      .values({ policy_id: policy.id, resource_id: id, resource_type: 'volume', project_id: policy.projectId, created_at: new Date(policy.createdAt.getTime() + i).toISOString() })
      .execute();
  }
  return policy;
}

export { until } from '../support/wait.js';
