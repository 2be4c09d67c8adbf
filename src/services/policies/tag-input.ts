/** Tags of backup policies as the tag routes receive them: keys 1-36, values 0-43 of [A-Za-z0-9_-]. */
import { ApiError } from '../../common/errors.js';

export interface Tag {
  key: string;
  value: string;
}

/** A tag to remove: without a value it goes whatever its value; with one, only when the value matches. */
export interface TagToDelete {
  key: string;
  value?: string;
}

export const MAX_TAGS_PER_POLICY = 10;
const KEY_RE = /^[A-Za-z0-9_-]{1,36}$/;
const VALUE_RE = /^[A-Za-z0-9_-]{0,43}$/;

function invalid(message: string): ApiError {
  return new ApiError('VolumeBackup.0049', message);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readTagKey(v: unknown, where: string): string {
  if (typeof v !== 'string' || !KEY_RE.test(v)) {
    throw invalid(`${where} must be 1 to 36 characters of letters, digits, underscores (_) and hyphens (-).`);
  }
  return v;
}

export function readTagValue(v: unknown, where: string): string {
  if (typeof v !== 'string' || !VALUE_RE.test(v)) {
    throw invalid(`${where} must be 0 to 43 characters of letters, digits, underscores (_) and hyphens (-).`);
  }
  return v;
}

export function readTag(v: unknown, where: string): Tag {
  if (!isObject(v)) throw invalid(`${where} must be an object with key and value.`);
  return { key: readTagKey(v.key, `${where}.key`), value: v.value === undefined ? '' : readTagValue(v.value, `${where}.value`) };
}

export function readTagList(v: unknown, where: string, mode: 'create'): Tag[];
export function readTagList(v: unknown, where: string, mode: 'delete'): TagToDelete[];
export function readTagList(v: unknown, where: string, mode: 'create' | 'delete'): Array<Tag | TagToDelete> {
  if (!Array.isArray(v)) throw invalid(`${where} must be a list of tags.`);
  if (mode === 'create' && v.length > MAX_TAGS_PER_POLICY) {
    throw new ApiError('VolumeBackup.0050', `A backup policy has at most ${MAX_TAGS_PER_POLICY} tags; ${where} has ${v.length}.`);
  }
  const tags = v.map((t, i) => {
    const at = `${where}[${i}]`;
    if (mode === 'create') return readTag(t, at);
    if (!isObject(t)) throw invalid(`${at} must be an object with a key.`);
    const key = readTagKey(t.key, `${at}.key`);
    return t.value === undefined ? { key } : { key, value: readTagValue(t.value, `${at}.value`) };
  });
  const keys = new Set(tags.map((t) => t.key));
  if (keys.size !== tags.length) throw invalid(`${where} names a key more than once.`);
  return tags;
}

/** One condition of a tag query: the key, with any of the values (any value at all when none are listed). */
export interface TagCondition {
  key: string;
  values: string[];
}

export interface TagQuery {
  action: 'filter' | 'count';
  tags: TagCondition[];
  tagsAny: TagCondition[];
  notTags: TagCondition[];
  notTagsAny: TagCondition[];
  /** Part of the policy name, matched case-insensitively. */
  nameMatch: string | null;
  limit: number;
  offset: number;
}

export const MAX_QUERY_LIMIT = 1000;

function readConditions(v: unknown, where: string): TagCondition[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(`${where} must be a list of {key, values}.`);
  const conditions = v.map((c, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(c)) throw invalid(`${at} must be an object with key and values.`);
    const key = readTagKey(c.key, `${at}.key`);
    if (!Array.isArray(c.values)) throw invalid(`${at}.values must be a list of values (empty for any value).`);
    return { key, values: c.values.map((x, j) => readTagValue(x, `${at}.values[${j}]`)) };
  });
  if (new Set(conditions.map((c) => c.key)).size !== conditions.length) throw invalid(`${where} names a key more than once.`);
  return conditions;
}

function readNameMatch(v: unknown): string | null {
  if (v === undefined) return null;
  if (!Array.isArray(v)) throw invalid('matches must be a list of {key: "resource_name", value}.');
  let name: string | null = null;
  v.forEach((m, i) => {
    if (!isObject(m) || m.key !== 'resource_name') throw invalid(`matches[${i}].key must be "resource_name".`);
    if (typeof m.value !== 'string' || m.value.length > 255) throw invalid(`matches[${i}].value must be a string of at most 255 characters.`);
    name = m.value;
  });
  return name;
}

function readCount(v: unknown, where: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  // Query tools send these as strings as often as numbers.
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw invalid(`${where} must be an integer from ${min} to ${max}.`);
  return n;
}

export function readTagQuery(body: Record<string, unknown>): TagQuery {
  const action = body.action;
  if (action !== 'filter' && action !== 'count') throw new ApiError('AutoBackup.0222', 'action must be "filter" or "count".');
  return {
    action,
    tags: readConditions(body.tags, 'tags'),
    tagsAny: readConditions(body.tags_any, 'tags_any'),
    notTags: readConditions(body.not_tags, 'not_tags'),
    notTagsAny: readConditions(body.not_tags_any, 'not_tags_any'),
    nameMatch: readNameMatch(body.matches),
    limit: readCount(body.limit, 'limit', 1, MAX_QUERY_LIMIT, MAX_QUERY_LIMIT),
    offset: readCount(body.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
  };
}

/** Whether a policy's tags meet a query: tags (all), tags_any (one), not_tags (not all), not_tags_any (none). */
export function tagsMatch(tags: readonly Tag[], q: Pick<TagQuery, 'tags' | 'tagsAny' | 'notTags' | 'notTagsAny'>): boolean {
  const has = (c: TagCondition) => tags.some((t) => t.key === c.key && (c.values.length === 0 || c.values.includes(t.value)));
  if (!q.tags.every(has)) return false;
  if (q.tagsAny.length > 0 && !q.tagsAny.some(has)) return false;
  if (q.notTags.length > 0 && q.notTags.every(has)) return false;
  if (q.notTagsAny.some(has)) return false;
  return true;
}
