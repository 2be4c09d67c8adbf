/**
 * Which automatic backups of one volume a policy keeps: a pure function of the backups, the
 * policy's rule and "now", so every case is testable without a clock or a database.
 */
import type { Policy } from './policy-repository.js';

const DAY = 86_400_000;
const MINUTE = 60_000;

export interface RetentionRule {
  /** Keep the newest N; null when not by count. */
  keepNewest: number | null;
  /** Keep those younger than N days; null when not by age. */
  keepDays: number | null;
  /** Also keep the first backup of the current month. */
  keepFirstOfMonth: boolean;
  /** The policy's time zone decides where a month begins. */
  offsetMinutes: number;
}

export interface RetainedBackup {
  id: string;
  createdAt: Date;
}

export function retentionOf(policy: Policy): RetentionRule {
  return {
    keepNewest: policy.retentionNum,
    keepDays: policy.retentionDays,
    keepFirstOfMonth: policy.remainFirstBackupOfCurMonth,
    offsetMinutes: policy.timeZoneOffsetMinutes,
  };
}

/** Year and month of an instant in the policy's time zone, e.g. 2026 * 12 + 10 for November 2026. */
function localMonth(t: Date, offsetMinutes: number): number {
  const local = new Date(t.getTime() + offsetMinutes * MINUTE);
  return local.getUTCFullYear() * 12 + local.getUTCMonth();
}

/**
 * The backups to delete, oldest first. A rule without count or age keeps everything; the newest
 * backup is always kept, so a policy whose runs keep failing never prunes a volume bare.
 */
export function backupsToPrune<B extends RetainedBackup>(backups: readonly B[], rule: RetentionRule, now: Date): B[] {
  if (rule.keepNewest === null && rule.keepDays === null) return [];
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const keep = new Set<string>();
  if (newestFirst.length > 0) keep.add(newestFirst[0].id);
  if (rule.keepNewest !== null) for (const b of newestFirst.slice(0, rule.keepNewest)) keep.add(b.id);
  if (rule.keepDays !== null) {
    const cutoff = now.getTime() - rule.keepDays * DAY;
    for (const b of newestFirst) if (b.createdAt.getTime() > cutoff) keep.add(b.id);
  }
  if (rule.keepFirstOfMonth) {
    const month = localMonth(now, rule.offsetMinutes);
    const first = [...newestFirst].reverse().find((b) => localMonth(b.createdAt, rule.offsetMinutes) === month);
    if (first) keep.add(first.id);
  }
  return newestFirst.filter((b) => !keep.has(b.id)).reverse();
}
