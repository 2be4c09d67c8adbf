import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backupsToPrune, type RetentionRule } from '../../src/services/policies/retention.js';

const DAY = 86_400_000;

function rule(over: Partial<RetentionRule>): RetentionRule {
  return { keepNewest: null, keepDays: null, keepFirstOfMonth: false, offsetMinutes: 0, ...over };
}

/** One backup a day at 12:00 UTC from `first` on, named by its date. */
function daily(first: string, count: number) {
  const start = new Date(first).getTime();
  return Array.from({ length: count }, (_, i) => {
    const createdAt = new Date(start + i * DAY);
    return { id: createdAt.toISOString().slice(0, 10), createdAt };
  });
}

const ids = (bs: Array<{ id: string }>) => bs.map((b) => b.id);

describe('policy retention', () => {
  it('by count: keeps the newest N, prunes the rest oldest first', () => {
    const backups = daily('2026-03-01T12:00:00Z', 5);
    const pruned = backupsToPrune([...backups].reverse(), rule({ keepNewest: 2 }), new Date('2026-03-06T00:00:00Z'));
    assert.deepEqual(ids(pruned), ['2026-03-01', '2026-03-02', '2026-03-03']);
    assert.deepEqual(backupsToPrune(backups, rule({ keepNewest: 5 }), new Date('2026-03-06T00:00:00Z')), []);
  });

  it('by days: keeps those younger than N days', () => {
    const backups = daily('2026-03-01T12:00:00Z', 5);
    // Now is March 5 18:00: March 3 12:00 is 2 days 6 hours old, March 4 12:00 1 day 6 hours.
    const pruned = backupsToPrune(backups, rule({ keepDays: 2 }), new Date('2026-03-05T18:00:00Z'));
    assert.deepEqual(ids(pruned), ['2026-03-01', '2026-03-02', '2026-03-03']);
    // Exactly N days old is no longer younger than N days.
    assert.deepEqual(ids(backupsToPrune(backups, rule({ keepDays: 2 }), new Date('2026-03-05T12:00:00Z'))), ['2026-03-01', '2026-03-02', '2026-03-03']);
    assert.deepEqual(ids(backupsToPrune(backups, rule({ keepDays: 2 }), new Date('2026-03-05T11:59:59Z'))), ['2026-03-01', '2026-03-02']);
  });

  it('first backup of the current month is kept beyond the count', () => {
    const backups = daily('2026-02-26T12:00:00Z', 8); // Feb 26 .. Mar 5
    const now = new Date('2026-03-05T13:00:00Z');
    assert.deepEqual(ids(backupsToPrune(backups, rule({ keepNewest: 2, keepFirstOfMonth: true }), now)), [
      '2026-02-26',
      '2026-02-27',
      '2026-02-28',
      '2026-03-02',
      '2026-03-03',
    ]);
    assert.deepEqual(ids(backupsToPrune(backups, rule({ keepNewest: 2 }), now)), ['2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02', '2026-03-03']);
  });

  it('first backup of the month with retention by days, and no backup this month yet', () => {
    const backups = daily('2026-02-20T12:00:00Z', 12); // Feb 20 .. Mar 3
    const pruned = backupsToPrune(backups, rule({ keepDays: 2, keepFirstOfMonth: true }), new Date('2026-03-03T13:00:00Z'));
    // March 2 and 3 are younger than 2 days; March 1 is the first of the month.
    assert.deepEqual(ids(pruned), ids(daily('2026-02-20T12:00:00Z', 9)));
    // On March 31 nothing of March is pruned as "first of month" by mistake in April.
    const april = backupsToPrune(daily('2026-03-30T12:00:00Z', 3), rule({ keepNewest: 1, keepFirstOfMonth: true }), new Date('2026-04-01T13:00:00Z'));
    assert.deepEqual(ids(april), ['2026-03-30', '2026-03-31']);
  });

  it('the month begins in the policy time zone', () => {
    // 2026-02-28T23:00Z is already March 1 at UTC+02:00.
    const backups = [
      { id: 'feb-28-utc', createdAt: new Date('2026-02-28T23:00:00Z') },
      { id: 'mar-01', createdAt: new Date('2026-03-01T23:00:00Z') },
      { id: 'mar-02', createdAt: new Date('2026-03-02T23:00:00Z') },
    ];
    const now = new Date('2026-03-03T00:00:00Z');
    assert.deepEqual(ids(backupsToPrune(backups, rule({ keepNewest: 1, keepFirstOfMonth: true, offsetMinutes: 120 }), now)), ['mar-01']);
    assert.deepEqual(ids(backupsToPrune(backups, rule({ keepNewest: 1, keepFirstOfMonth: true, offsetMinutes: 0 }), now)), ['feb-28-utc']);
  });

  it('no count and no age: nothing is pruned; the newest is never pruned', () => {
    const backups = daily('2026-01-01T12:00:00Z', 4);
    assert.deepEqual(backupsToPrune(backups, rule({ keepFirstOfMonth: true }), new Date('2026-06-01T00:00:00Z')), []);
    // Every backup is older than 2 days: the newest stays all the same.
    assert.deepEqual(ids(backupsToPrune(backups, rule({ keepDays: 2 }), new Date('2026-06-01T00:00:00Z'))), ['2026-01-01', '2026-01-02', '2026-01-03']);
    assert.deepEqual(backupsToPrune([], rule({ keepNewest: 2 }), new Date()), []);
  });
});
