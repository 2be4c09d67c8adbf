/**
 * When a backup policy runs: pure functions of its schedule and a time range, so the scheduler
 * and its tests agree on every slot without a clock or a database.
 *
 * start_time lists UTC full hours; the days are chosen in the policy's own time zone (its
 * frequency or week days count local days), so a start hour that falls after local midnight
 * belongs to the next local day.
 */
import type { Policy } from './policy-repository.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const MINUTES_PER_DAY = 1440;

export interface Schedule {
  /** UTC hours 0-23. */
  startHours: readonly number[];
  /** Every N local days, counted from the first day the policy could run; null when weekDays applies. */
  frequency: number | null;
  /** Local days of week, 0 = SUN .. 6 = SAT; null when frequency applies. */
  weekDays: readonly number[] | null;
  /** The time zone's offset from UTC in minutes (+120 for UTC+02:00). */
  offsetMinutes: number;
  /** Day 0 of frequency counting is the local day of the first start time after this instant. */
  createdAt: Date;
}

export function scheduleOf(policy: Policy): Schedule {
  return {
    startHours: policy.startTimes,
    frequency: policy.frequency,
    weekDays: policy.weekDays,
    offsetMinutes: policy.timeZoneOffsetMinutes,
    createdAt: policy.createdAt,
  };
}

/** Days since 1970-01-01 in local time. */
export function localDay(t: Date | number, offsetMinutes: number): number {
  return Math.floor((Number(t) + offsetMinutes * MINUTE) / DAY);
}

/** Local minutes after midnight of each start hour, ascending and without repeats. */
function localMinutes(s: Schedule): number[] {
  const minutes = s.startHours.map((h) => (((h * 60 + s.offsetMinutes) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY);
  return [...new Set(minutes)].sort((a, b) => a - b);
}

/** The UTC instant of local day `day` at local minute `minute`. */
function instant(day: number, minute: number, offsetMinutes: number): number {
  return day * DAY + (minute - offsetMinutes) * MINUTE;
}

/**
 * The local day frequency counting starts on: the creation day when one of its start times is
 * still ahead, else the next day. A policy made at 13:00 to run daily at 12:00 first runs tomorrow.
 */
function anchorDay(s: Schedule, minutes: number[]): number {
  const created = s.createdAt.getTime();
  const day = localDay(created, s.offsetMinutes);
  return minutes.some((m) => instant(day, m, s.offsetMinutes) > created) ? day : day + 1;
}

function daySelector(s: Schedule, minutes: number[]): (day: number) => boolean {
  if (s.weekDays) {
    const days = new Set(s.weekDays);
    // 1970-01-01, local day 0, was a Thursday (4).
    return (day) => days.has((((day + 4) % 7) + 7) % 7);
  }
  const every = Math.max(1, s.frequency ?? 1);
  const anchor = anchorDay(s, minutes);
  return (day) => day >= anchor && (day - anchor) % every === 0;
}

/** Every slot `t` of the schedule with after < t <= upTo, oldest first. */
export function slotsBetween(s: Schedule, after: Date, upTo: Date): Date[] {
  const from = after.getTime();
  const to = upTo.getTime();
  if (!(to > from)) return [];
  const minutes = localMinutes(s);
  if (minutes.length === 0) return [];
  const selected = daySelector(s, minutes);
  const slots: Date[] = [];
  for (let day = localDay(from, s.offsetMinutes); day <= localDay(to, s.offsetMinutes); day++) {
    if (!selected(day)) continue;
    for (const m of minutes) {
      const t = instant(day, m, s.offsetMinutes);
      if (t > from && t <= to) slots.push(new Date(t));
    }
  }
  return slots;
}

/** The first slot after `after`, looking at most `horizonDays` ahead; undefined when none. */
export function nextSlot(s: Schedule, after: Date, horizonDays = 400): Date | undefined {
  return slotsBetween(s, after, new Date(after.getTime() + horizonDays * DAY))[0];
}
