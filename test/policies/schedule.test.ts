import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextSlot, slotsBetween, type Schedule } from '../../src/services/policies/schedule.js';

const iso = (slots: Date[]) => slots.map((d) => d.toISOString().replace(':00.000Z', 'Z'));
const at = (s: string) => new Date(s);

function schedule(over: Partial<Schedule>): Schedule {
  return { startHours: [12], frequency: 1, weekDays: null, offsetMinutes: 0, createdAt: at('2026-01-01T00:00:00Z'), ...over };
}

describe('policy schedule slots', () => {
  it('daily at one UTC hour: one slot a day, at that hour, nothing else', () => {
    const s = schedule({ startHours: [12] });
    assert.deepEqual(iso(slotsBetween(s, at('2026-03-01T00:00:00Z'), at('2026-03-04T00:00:00Z'))), [
      '2026-03-01T12:00Z',
      '2026-03-02T12:00Z',
      '2026-03-03T12:00Z',
    ]);
  });

  it('the range excludes its start and includes its end', () => {
    const s = schedule({ startHours: [12] });
    assert.deepEqual(iso(slotsBetween(s, at('2026-03-01T12:00:00Z'), at('2026-03-02T12:00:00Z'))), ['2026-03-02T12:00Z']);
    assert.deepEqual(slotsBetween(s, at('2026-03-01T12:00:00Z'), at('2026-03-02T11:59:59.999Z')), []);
    assert.deepEqual(slotsBetween(s, at('2026-03-02T12:00:00Z'), at('2026-03-01T12:00:00Z')), []);
  });

  it('several start times a day, in any order given', () => {
    const s = schedule({ startHours: [18, 0, 6] });
    assert.deepEqual(iso(slotsBetween(s, at('2026-03-01T00:00:00Z'), at('2026-03-02T06:00:00Z'))), [
      '2026-03-01T06:00Z',
      '2026-03-01T18:00Z',
      '2026-03-02T00:00Z',
      '2026-03-02T06:00Z',
    ]);
  });

  it('every 3 days, counted from the first day the policy could run', () => {
    // Made at 13:00: today's 12:00 is past, so day 0 is tomorrow (March 2).
    const s = schedule({ frequency: 3, createdAt: at('2026-03-01T13:00:00Z') });
    assert.deepEqual(iso(slotsBetween(s, at('2026-03-01T13:00:00Z'), at('2026-03-12T00:00:00Z'))), [
      '2026-03-02T12:00Z',
      '2026-03-05T12:00Z',
      '2026-03-08T12:00Z',
      '2026-03-11T12:00Z',
    ]);
    // Made at 11:00: today's slot is still ahead, so today is day 0.
    const early = schedule({ frequency: 3, createdAt: at('2026-03-01T11:00:00Z') });
    assert.deepEqual(iso(slotsBetween(early, at('2026-03-01T11:00:00Z'), at('2026-03-08T00:00:00Z'))), [
      '2026-03-01T12:00Z',
      '2026-03-04T12:00Z',
      '2026-03-07T12:00Z',
    ]);
  });

  it('every 30 days crosses month and year ends (and a leap day) without drifting', () => {
    const s = schedule({ frequency: 30, startHours: [0], createdAt: at('2027-12-01T00:00:00Z') });
    const slots = slotsBetween(s, at('2027-11-30T00:00:00Z'), at('2028-04-01T00:00:00Z'));
    assert.deepEqual(iso(slots), ['2027-12-02T00:00Z', '2028-01-01T00:00Z', '2028-01-31T00:00Z', '2028-03-01T00:00Z', '2028-03-31T00:00Z']);
    for (let i = 1; i < slots.length; i++) assert.equal(slots[i].getTime() - slots[i - 1].getTime(), 30 * 86_400_000);
  });

  it('daily across a month end and a year end', () => {
    const s = schedule({ startHours: [23] });
    assert.deepEqual(iso(slotsBetween(s, at('2026-12-30T00:00:00Z'), at('2027-01-02T00:00:00Z'))), [
      '2026-12-30T23:00Z',
      '2026-12-31T23:00Z',
      '2027-01-01T23:00Z',
    ]);
    assert.deepEqual(iso(slotsBetween(s, at('2028-02-27T23:00:00Z'), at('2028-03-01T23:00:00Z'))), [
      '2028-02-28T23:00Z',
      '2028-02-29T23:00Z',
      '2028-03-01T23:00Z',
    ]);
  });

  it('week days select local days of the week only', () => {
    // 2026-03-02 is a Monday.
    const s = schedule({ frequency: null, weekDays: [1, 5], startHours: [3] });
    assert.deepEqual(iso(slotsBetween(s, at('2026-03-01T00:00:00Z'), at('2026-03-16T00:00:00Z'))), [
      '2026-03-02T03:00Z',
      '2026-03-06T03:00Z',
      '2026-03-09T03:00Z',
      '2026-03-13T03:00Z',
    ]);
    const sunday = schedule({ frequency: null, weekDays: [0], startHours: [0, 12] });
    assert.deepEqual(iso(slotsBetween(sunday, at('2026-03-01T00:00:00Z'), at('2026-03-09T00:00:00Z'))), [
      '2026-03-01T12:00Z',
      '2026-03-08T00:00Z',
      '2026-03-08T12:00Z',
    ]);
  });

  it('a start hour after local midnight belongs to the next local day (UTC+02:00, the reference example)', () => {
    // Local 00:00, 02:00 and 04:00 at UTC+02:00 are 22:00, 00:00 and 02:00 UTC.
    const s = schedule({ frequency: null, weekDays: [1], startHours: [22, 0, 2], offsetMinutes: 120 });
    // Local Monday 2026-03-02 runs from 2026-03-01T22:00Z to 2026-03-02T22:00Z.
    assert.deepEqual(iso(slotsBetween(s, at('2026-02-25T00:00:00Z'), at('2026-03-05T00:00:00Z'))), [
      '2026-03-01T22:00Z',
      '2026-03-02T00:00Z',
      '2026-03-02T02:00Z',
    ]);
  });

  it('west of UTC: a UTC Tuesday 01:00 is a local Monday at UTC-05:00', () => {
    const s = schedule({ frequency: null, weekDays: [1], startHours: [1], offsetMinutes: -300 });
    assert.deepEqual(iso(slotsBetween(s, at('2026-03-01T00:00:00Z'), at('2026-03-10T00:00:00Z'))), ['2026-03-03T01:00Z']);
  });

  it('frequency counts local days: every 2 days at UTC+05:30 (local 05:30)', () => {
    const s = schedule({ frequency: 2, startHours: [0], offsetMinutes: 330, createdAt: at('2026-03-01T00:30:00Z') });
    // Created at local 06:00 on March 1: today's local 05:30 is past, day 0 is March 2.
    assert.deepEqual(iso(slotsBetween(s, at('2026-03-01T00:30:00Z'), at('2026-03-07T00:00:00Z'))), [
      '2026-03-02T00:00Z',
      '2026-03-04T00:00Z',
      '2026-03-06T00:00Z',
    ]);
  });

  it('a local month end at UTC+14:00 and UTC-12:00: week days and every 2 days count local days across it', () => {
    const from = at('2026-01-29T00:00:00Z');
    const to = at('2026-02-03T00:00:00Z');
    // Local Saturday January 31 and Sunday February 1 (UTC: a Saturday and a Sunday too).
    // At UTC+14:00, 10:00 UTC is local midnight of the next day: each local day starts on the UTC day before.
    const east = schedule({ frequency: null, weekDays: [6, 0], startHours: [10], offsetMinutes: 840 });
    assert.deepEqual(iso(slotsBetween(east, from, to)), ['2026-01-30T10:00Z', '2026-01-31T10:00Z']);
    // At UTC-12:00, 10:00 UTC is 22:00 local of the day before: each local day ends on the UTC day after.
    const west = schedule({ frequency: null, weekDays: [6, 0], startHours: [10], offsetMinutes: -720 });
    assert.deepEqual(iso(slotsBetween(west, from, to)), ['2026-02-01T10:00Z', '2026-02-02T10:00Z']);

    // Every 2 local days from local January 29, across the month end: January 29, 31, February 2 (not the 1st).
    // At UTC+14:00, 09:00 UTC is local 23:00 of that day and 11:00 UTC local 01:00 of the next:
    // the two start hours of one local day fall on two UTC days.
    const east2 = schedule({ frequency: 2, startHours: [9, 11], offsetMinutes: 840, createdAt: from });
    assert.deepEqual(iso(slotsBetween(east2, from, to)), [
      '2026-01-29T09:00Z', // local Jan 29 23:00 (its 01:00 was before the creation)
      '2026-01-30T11:00Z', // local Jan 31 01:00
      '2026-01-31T09:00Z', // local Jan 31 23:00
      '2026-02-01T11:00Z', // local Feb 2 01:00
      '2026-02-02T09:00Z', // local Feb 2 23:00
    ]);
    // At UTC-12:00 (created at local January 28 12:00, whose 21:00 is ahead), both hours are the
    // evening of the local day before: local January 28, 30 and February 1.
    const west2 = schedule({ frequency: 2, startHours: [9, 11], offsetMinutes: -720, createdAt: from });
    assert.deepEqual(iso(slotsBetween(west2, from, to)), [
      '2026-01-29T09:00Z',
      '2026-01-29T11:00Z',
      '2026-01-31T09:00Z',
      '2026-01-31T11:00Z',
      '2026-02-02T09:00Z',
      '2026-02-02T11:00Z',
    ]);
  });

  it('next slot after a given time', () => {
    const s = schedule({ frequency: null, weekDays: [6], startHours: [8] });
    assert.equal(nextSlot(s, at('2026-03-02T00:00:00Z'))?.toISOString(), '2026-03-07T08:00:00.000Z');
    assert.equal(nextSlot(s, at('2026-03-07T08:00:00Z'))?.toISOString(), '2026-03-14T08:00:00.000Z');
  });
});
