/**
 * Reads the bodies of the backup policy routes into checked values; every rule of the API
 * reference (§5.2) fails with its AutoBackup code and a message naming the field.
 */
import { ApiError, type ErrorCode } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import { parseTimeZoneOffset, WEEK_DAYS, type Policy, type WeekDay } from './policy-repository.js';
import { isObject, readTagList, type Tag } from './tag-input.js';

export const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
const HOUR_RE = /^([01]\d|2[0-3]):00$/;
const TIME_ZONE_RE = /^UTC[+-](\d{2}):([0-5]\d)$/;
/** Offsets that exist on Earth: UTC-12:00 to UTC+14:00. */
const MAX_OFFSET_MINUTES = { '+': 14 * 60, '-': 12 * 60 } as const;

export const FREQUENCY_RANGE = [1, 30] as const;
export const RETENTION_NUM_RANGE = [2, 99] as const;
export const RETENTION_DAY_RANGE = [2, 99999] as const;
export const DEFAULT_TIME_ZONE = 'UTC+00:00';

/** The schedule fields a request sets; absent ones stay as they are (or take defaults on create). */
export interface ScheduleInput {
  startTimes?: number[];
  frequency?: number;
  weekDays?: number[];
  retentionNum?: number;
  retentionDays?: number;
  remainFirstBackupOfCurMonth?: boolean;
  status?: 'ON' | 'OFF';
}

export interface PolicyCreate {
  name: string;
  schedule: ScheduleInput;
  timeZone: string;
  tags: Tag[];
}

export interface PolicyUpdate {
  name?: string;
  schedule: ScheduleInput;
  timeZone?: string;
}

type Json = Record<string, unknown>;

/** The body as an object; an absent or empty one is AutoBackup.0000. */
export function requireBody(body: unknown): Json {
  if (body === undefined || body === null || (isObject(body) && Object.keys(body).length === 0)) {
    throw new ApiError('AutoBackup.0000', 'The request body is empty.');
  }
  if (!isObject(body)) throw new ApiError('AutoBackup.0008', 'The request body must be a JSON object.');
  refuseAngleBrackets(body);
  return body;
}

/** No string anywhere in a policy request may hold "<" or ">" (AutoBackup.0221). */
function refuseAngleBrackets(value: unknown, path = 'body'): void {
  if (typeof value === 'string') {
    if (/[<>]/.test(value)) throw new ApiError('AutoBackup.0221', `The request contains invalid parameters: ${path} must not contain "<" or ">".`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => refuseAngleBrackets(v, `${path}[${i}]`));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (/[<>]/.test(k)) throw new ApiError('AutoBackup.0221', `The request contains invalid parameters: ${path} has a field name with "<" or ">".`);
      refuseAngleBrackets(v, `${path}.${k}`);
    }
  }
}

export function policyIdOf(raw: string | undefined): string {
  if (!raw) throw new ApiError('AutoBackup.0006', 'The backup policy id is empty.');
  if (!isUuid(raw)) throw new ApiError('AutoBackup.0205', `Backup policy ${raw} does not exist.`);
  return raw;
}

export function readName(v: unknown): string {
  if (typeof v !== 'string') throw new ApiError('AutoBackup.0102', 'backup_policy_name must be a string.');
  if (v.length < 1 || v.length > 64) throw new ApiError('AutoBackup.0101', `backup_policy_name must have 1 to 64 characters; it has ${v.length}.`);
  if (!NAME_RE.test(v)) throw new ApiError('AutoBackup.0102', 'backup_policy_name may contain only letters, digits, underscores (_) and hyphens (-).');
  return v;
}

function readStartTimes(v: unknown): number[] {
  const bad = (why: string) => new ApiError('AutoBackup.0103', `scheduled_policy.start_time ${why}`);
  if (typeof v !== 'string' || v === '') throw bad('must be full hours HH:00, comma separated, e.g. "22:00,02:00".');
  const parts = v.split(',');
  for (const p of parts) if (!HOUR_RE.test(p)) throw bad(`must be full hours HH:00, comma separated; "${p}" is not.`);
  const hours = parts.map((p) => Number(p.slice(0, 2)));
  if (new Set(hours).size !== hours.length) throw bad('must not repeat a time.');
  return hours;
}

function readInteger(v: unknown, field: string, [min, max]: readonly [number, number], code: ErrorCode, roundDown = false): number {
  const n = roundDown && typeof v === 'number' ? Math.floor(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ApiError(code, `scheduled_policy.${field} must be an integer from ${min} to ${max}.`);
  }
  return n;
}

function readWeekDays(v: unknown): number[] {
  const bad = () => new ApiError('AutoBackup.0109', 'scheduled_policy.week_frequency must be a non-empty list of distinct days among SUN, MON, TUE, WED, THU, FRI, SAT.');
  if (!Array.isArray(v) || v.length === 0) throw bad();
  const days = v.map((d) => (typeof d === 'string' ? WEEK_DAYS.indexOf(d as WeekDay) : -1));
  if (days.includes(-1) || new Set(days).size !== days.length) throw bad();
  return days;
}

function readYesNo(v: unknown): boolean {
  if (v !== 'Y' && v !== 'N') throw new ApiError('AutoBackup.0105', 'scheduled_policy.remain_first_backup_of_curMonth must be "Y" or "N".');
  return v === 'Y';
}

function readStatus(v: unknown): 'ON' | 'OFF' {
  if (v !== 'ON' && v !== 'OFF') throw new ApiError('AutoBackup.0104', 'scheduled_policy.status must be "ON" or "OFF".');
  return v;
}

export function readTimeZone(v: unknown): string {
  const m = typeof v === 'string' ? TIME_ZONE_RE.exec(v) : null;
  const sign = typeof v === 'string' ? (v[3] as '+' | '-') : '+';
  if (!m || Math.abs(parseTimeZoneOffset(v as string)) > MAX_OFFSET_MINUTES[sign]) {
    throw new ApiError('AutoBackup.0103', 'time_zone must be UTC+HH:mm or UTC-HH:mm, from UTC-12:00 to UTC+14:00.');
  }
  return v as string;
}

/** The fields of scheduled_policy that are present; `create` also demands the mandatory ones. */
function readSchedule(raw: unknown, create: boolean): ScheduleInput {
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    throw new ApiError('AutoBackup.0001', create ? 'scheduled_policy is required and must be a non-empty object.' : 'scheduled_policy must be a non-empty object.');
  }
  const s: ScheduleInput = {};
  if (raw.start_time !== undefined || create) s.startTimes = readStartTimes(raw.start_time);
  if (raw.frequency !== undefined && raw.week_frequency !== undefined) {
    throw new ApiError('AutoBackup.0106', 'scheduled_policy takes frequency or week_frequency, not both.');
  }
  if (raw.frequency !== undefined) s.frequency = readInteger(raw.frequency, 'frequency', FREQUENCY_RANGE, 'AutoBackup.0106');
  else if (raw.week_frequency !== undefined) s.weekDays = readWeekDays(raw.week_frequency);
  else if (create) throw new ApiError('AutoBackup.0106', 'scheduled_policy needs frequency (1 to 30 days) or week_frequency.');
  if (raw.rentention_num !== undefined && raw.rentention_day !== undefined) {
    throw new ApiError('AutoBackup.0107', 'scheduled_policy takes rentention_num or rentention_day, not both.');
  }
  if (raw.rentention_num !== undefined) s.retentionNum = readInteger(raw.rentention_num, 'rentention_num', RETENTION_NUM_RANGE, 'AutoBackup.0107');
  if (raw.rentention_day !== undefined) s.retentionDays = readInteger(raw.rentention_day, 'rentention_day', RETENTION_DAY_RANGE, 'AutoBackup.0108', true);
  if (raw.remain_first_backup_of_curMonth !== undefined) s.remainFirstBackupOfCurMonth = readYesNo(raw.remain_first_backup_of_curMonth);
  if (raw.status !== undefined || create) s.status = readStatus(raw.status);
  return s;
}

export function readPolicyCreate(body: unknown): PolicyCreate {
  const b = requireBody(body);
  const name = readName(b.backup_policy_name === undefined ? '' : b.backup_policy_name);
  return {
    name,
    schedule: readSchedule(b.scheduled_policy, true),
    timeZone: b.time_zone === undefined ? DEFAULT_TIME_ZONE : readTimeZone(b.time_zone),
    tags: b.tags === undefined ? [] : readTagList(b.tags, 'tags', 'create'),
  };
}

export function readPolicyUpdate(body: unknown): PolicyUpdate {
  const b = requireBody(body);
  const update: PolicyUpdate = { schedule: {} };
  if (b.backup_policy_name !== undefined) update.name = readName(b.backup_policy_name);
  if (b.scheduled_policy !== undefined) update.schedule = readSchedule(b.scheduled_policy, false);
  if (b.time_zone !== undefined) update.timeZone = readTimeZone(b.time_zone);
  if (update.name === undefined && b.scheduled_policy === undefined && update.timeZone === undefined) {
    throw new ApiError('AutoBackup.0000', 'The request changes nothing: give backup_policy_name, scheduled_policy or time_zone.');
  }
  return update;
}

/** The policy with the schedule fields of a request applied; setting one of a pair clears the other. */
export function applySchedule(p: Policy, s: ScheduleInput): Policy {
  const next = { ...p };
  if (s.startTimes) next.startTimes = s.startTimes;
  if (s.frequency !== undefined) [next.frequency, next.weekDays] = [s.frequency, null];
  if (s.weekDays) [next.frequency, next.weekDays] = [null, s.weekDays];
  if (s.retentionNum !== undefined) [next.retentionNum, next.retentionDays] = [s.retentionNum, null];
  if (s.retentionDays !== undefined) [next.retentionNum, next.retentionDays] = [null, s.retentionDays];
  if (s.remainFirstBackupOfCurMonth !== undefined) next.remainFirstBackupOfCurMonth = s.remainFirstBackupOfCurMonth;
  if (s.status) next.status = s.status;
  return next;
}

/**
 * Several start times are given in ascending order of local time (the reference's rule): in
 * UTC+02:00 local 00:00, 02:00, 04:00 is "22:00,00:00,02:00".
 */
export function checkStartTimeOrder(p: Pick<Policy, 'startTimes' | 'timeZone' | 'timeZoneOffsetMinutes'>): void {
  const local = p.startTimes.map((h) => (((h * 60 + p.timeZoneOffsetMinutes) % 1440) + 1440) % 1440);
  for (let i = 1; i < local.length; i++) {
    if (local[i] <= local[i - 1]) {
      throw new ApiError('AutoBackup.0103', `scheduled_policy.start_time must list times in ascending order of local time (${p.timeZone}).`);
    }
  }
}
