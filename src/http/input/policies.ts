/**
 * Reads the bodies and queries of the backup policy routes into the commands of the policy
 * services; every rule of the API reference (§5.2) fails with its AutoBackup code and a message
 * naming the field. A field the body schemas of src/http/schemas/policies.ts do not name is
 * AutoBackup.0221: each object's own fields are read first, then the ones it should not have are
 * refused, so a request refused before for a bad value keeps its code.
 */
import type { TObject } from '@sinclair/typebox';
import { ApiError, type ErrorCode } from '../../common/errors.js';
import { parseTimeZoneOffset, WEEK_DAYS, type WeekDay } from '../../services/policies/policy-repository.js';
import { TASK_STATUSES, type TaskStatus } from '../../services/policies/policy-runs-repository.js';
import type { TaskQuery } from '../../services/policies/policy-runs-service.js';
import type { CreatePolicy, ResourceRef, ScheduleChange, UpdatePolicy } from '../../services/policies/policy-service.js';
import { AssociateBody, AssociatedResourceBody, CreatePolicyBody, CreateScheduleBody, DisassociateBody, DisassociatedResourceBody, UpdatePolicyBody, UpdateScheduleBody } from '../schemas/policies.js';
import { isObject, policyIdOf, refuseUnknown, requireBody } from './autobackup.js';
import { readTagList } from './policy-tags.js';

const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
const HOUR_RE = /^([01]\d|2[0-3]):00$/;
const TIME_ZONE_RE = /^UTC[+-](\d{2}):([0-5]\d)$/;
/** Offsets that exist on Earth: UTC-12:00 to UTC+14:00. */
const MAX_OFFSET_MINUTES = { '+': 14 * 60, '-': 12 * 60 } as const;

const FREQUENCY_RANGE = [1, 30] as const;
const RETENTION_NUM_RANGE = [2, 99] as const;
const RETENTION_DAY_RANGE = [2, 99999] as const;
const DEFAULT_TIME_ZONE = 'UTC+00:00';

function readName(v: unknown): string {
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

function readTimeZone(v: unknown): string {
  const m = typeof v === 'string' ? TIME_ZONE_RE.exec(v) : null;
  const sign = typeof v === 'string' ? (v[3] as '+' | '-') : '+';
  if (!m || Math.abs(parseTimeZoneOffset(v as string)) > MAX_OFFSET_MINUTES[sign]) {
    throw new ApiError('AutoBackup.0103', 'time_zone must be UTC+HH:mm or UTC-HH:mm, from UTC-12:00 to UTC+14:00.');
  }
  return v as string;
}

/** The fields of scheduled_policy that are present; `create` also demands the mandatory ones. */
function readSchedule(raw: unknown, create: boolean): ScheduleChange {
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    throw new ApiError('AutoBackup.0001', create ? 'scheduled_policy is required and must be a non-empty object.' : 'scheduled_policy must be a non-empty object.');
  }
  const s: ScheduleChange = {};
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
  refuseUnknown(raw, create ? CreateScheduleBody : UpdateScheduleBody, 'scheduled_policy');
  return s;
}

/** POST backuppolicy. */
export function createPolicyOf(body: unknown): CreatePolicy {
  const b = requireBody(body);
  const name = readName(b.backup_policy_name === undefined ? '' : b.backup_policy_name);
  const policy: CreatePolicy = {
    name,
    schedule: readSchedule(b.scheduled_policy, true),
    timeZone: b.time_zone === undefined ? DEFAULT_TIME_ZONE : readTimeZone(b.time_zone),
    tags: b.tags === undefined ? [] : readTagList(b.tags, 'tags', 'create'),
  };
  refuseUnknown(b, CreatePolicyBody, 'The request body');
  return policy;
}

/** PUT backuppolicy/{id}: at least one of name, schedule and time zone. */
export function updatePolicyOf(body: unknown): UpdatePolicy {
  const b = requireBody(body);
  const update: UpdatePolicy = { schedule: {} };
  if (b.backup_policy_name !== undefined) update.name = readName(b.backup_policy_name);
  if (b.scheduled_policy !== undefined) update.schedule = readSchedule(b.scheduled_policy, false);
  if (b.time_zone !== undefined) update.timeZone = readTimeZone(b.time_zone);
  if (update.name === undefined && b.scheduled_policy === undefined && update.timeZone === undefined) {
    throw new ApiError('AutoBackup.0000', 'The request changes nothing: give backup_policy_name, scheduled_policy or time_zone.');
  }
  refuseUnknown(b, UpdatePolicyBody, 'The request body');
  return update;
}

/**
 * The resources list of an association request; an entry without an id (or, to associate,
 * without a type) is kept so that it fails alone, with its place in the answer.
 */
function resourceList(v: unknown): { refs: ResourceRef[]; entries: unknown[] } {
  if (!Array.isArray(v) || v.length === 0) throw new ApiError('AutoBackup.0207', 'resources must be a non-empty list of {resource_id, resource_type}.');
  const refs = v.map((r: unknown) => {
    const o = isObject(r) ? r : {};
    return {
      resourceId: typeof o.resource_id === 'string' ? o.resource_id : '',
      resourceType: typeof o.resource_type === 'string' ? o.resource_type : null,
    };
  });
  return { refs, entries: v };
}

/**
 * An entry with a field its schema does not name refuses the whole request: it is a malformed
 * request (a misspelled resource_id would otherwise fail as a volume without an id), not a volume
 * that cannot be bound.
 */
function refuseUnknownInEntries(entries: readonly unknown[], schema: TObject): void {
  entries.forEach((e, i) => {
    if (isObject(e)) refuseUnknown(e, schema, `resources[${i}]`);
  });
}

/** POST backuppolicyresources: the policy and the volumes to bind to it. */
export function associationOf(body: unknown): { policyId: string; resources: ResourceRef[] } {
  const b = requireBody(body);
  if (b.backup_policy_id === undefined || b.backup_policy_id === '') throw new ApiError('AutoBackup.0006', 'backup_policy_id is required.');
  if (typeof b.backup_policy_id !== 'string') throw new ApiError('AutoBackup.0205', 'backup_policy_id must be a string.');
  const { refs, entries } = resourceList(b.resources);
  const policyId = policyIdOf(b.backup_policy_id);
  refuseUnknownInEntries(entries, AssociatedResourceBody);
  refuseUnknown(b, AssociateBody, 'The request body');
  return { policyId, resources: refs };
}

/** POST backuppolicyresources/{id}/deleted_resources: the volumes to unbind. */
export function disassociationOf(body: unknown): ResourceRef[] {
  const b = requireBody(body);
  const { refs, entries } = resourceList(b.resources);
  refuseUnknownInEntries(entries, DisassociatedResourceBody);
  refuseUnknown(b, DisassociateBody, 'The request body');
  return refs;
}

const DEFAULT_TASK_LIMIT = 20;
const MAX_TASK_LIMIT = 1000;

function badQuery(message: string): ApiError {
  return new ApiError('common.0400', message);
}

function intParam(raw: unknown, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badQuery(`${name} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
  return n;
}

/** GET backuppolicy/{id}/backuptasks: the filters of the API reference; newest first by default. */
export function taskQueryOf(query: Record<string, unknown>): TaskQuery {
  for (const [k, v] of Object.entries(query)) {
    if (typeof v !== 'string') throw badQuery(`filter ${k} may be given once`);
  }
  const order = query.sort_order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw badQuery(`sort_order must be asc or desc, got "${String(order)}"`);
  const sortKey = query.sort_key ?? 'created_at';
  if (sortKey !== 'created_at') throw badQuery(`sort_key must be created_at, got "${String(sortKey)}"`);
  const status = query.status;
  if (status !== undefined && !(TASK_STATUSES as readonly unknown[]).includes(status)) {
    throw badQuery(`status must be one of ${TASK_STATUSES.join(', ')}, got "${String(status)}"`);
  }
  const taskId = query.job_id;
  const marker = query.marker;
  return {
    status: status as TaskStatus | undefined,
    taskId: typeof taskId === 'string' && taskId !== '' ? taskId : undefined,
    order,
    limit: intParam(query.limit, 'limit', 1, MAX_TASK_LIMIT, DEFAULT_TASK_LIMIT),
    offset: intParam(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    markerId: typeof marker === 'string' && marker !== '' ? marker : undefined,
  };
}
