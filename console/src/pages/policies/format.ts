import type { Policy } from '../../api/policies.js';

export function scheduleSummary(p: Policy): string {
  const s = p.scheduled_policy;
  const days = s.week_frequency ? s.week_frequency.join(', ') : s.frequency === 1 || s.frequency === undefined ? 'every day' : `every ${s.frequency} days`;
  return `${s.start_time} UTC, ${days}`;
}

export function retentionSummary(p: Policy): string {
  const s = p.scheduled_policy;
  const rule = s.rentention_num !== undefined ? `keep ${s.rentention_num}` : s.rentention_day !== undefined ? `${s.rentention_day} days` : 'all';
  return s.remain_first_backup_of_curMonth === 'Y' ? `${rule} + first of month` : rule;
}
