/**
 * The next runs of a schedule, computed by the scheduler's own module (src/services/policies/
 * schedule.ts, pure), so what the editor previews is what the server will do.
 */
import { nextSlot, type Schedule } from '../../../src/services/policies/schedule.js';
import { parseTimeZoneOffset, WEEK_DAYS } from '../../../src/services/policies/policy-repository.js';
import type { ScheduledPolicy } from './policies.js';

export { parseTimeZoneOffset, WEEK_DAYS };

/** The scheduler's Schedule of what the API takes: start_time "HH:00,..." and the days. */
export function scheduleOfInput(s: ScheduledPolicy, timeZone: string, createdAt: Date): Schedule {
  return {
    startHours: s.start_time ? s.start_time.split(',').map((t) => Number(t.slice(0, 2))) : [],
    frequency: s.week_frequency ? null : s.frequency ?? 1,
    weekDays: s.week_frequency ? s.week_frequency.map((d) => WEEK_DAYS.indexOf(d)) : null,
    offsetMinutes: parseTimeZoneOffset(timeZone),
    createdAt,
  };
}

export function nextRuns(s: Schedule, after: Date, count = 5): Date[] {
  const runs: Date[] = [];
  let t: Date | undefined = after;
  while (runs.length < count && (t = nextSlot(s, t))) runs.push(t);
  return runs;
}

/** "2026-12-04 Fri 02:00" in the zone of `offsetMinutes`. */
export function formatLocal(t: Date, offsetMinutes: number): string {
  const local = new Date(t.getTime() + offsetMinutes * 60_000);
  const iso = local.toISOString();
  return `${iso.slice(0, 10)} ${WEEK_DAYS[local.getUTCDay()].charAt(0)}${WEEK_DAYS[local.getUTCDay()].slice(1).toLowerCase()} ${iso.slice(11, 16)}`;
}

/** Local minutes after midnight of a UTC start hour. */
const localMinuteOf = (utcHour: number, offsetMinutes: number) => (((utcHour * 60 + offsetMinutes) % 1440) + 1440) % 1440;

/** The local time ("07:30") a UTC start hour falls on. */
export function localHourOf(utcHour: number, offsetMinutes: number): string {
  const m = localMinuteOf(utcHour, offsetMinutes);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** start_time for a set of UTC hours, in ascending local time as the API wants it. */
export function startTimeOf(utcHours: Iterable<number>, offsetMinutes: number): string {
  return [...new Set(utcHours)]
    .sort((a, b) => localMinuteOf(a, offsetMinutes) - localMinuteOf(b, offsetMinutes))
    .map((h) => `${String(h).padStart(2, '0')}:00`)
    .join(',');
}
