/**
 * Tags of backup policies as the tag routes receive them: keys 1-36, values 0-43 of
 * [A-Za-z0-9_-]; a malformed tag is VolumeBackup.0049, as the reference says. A field the body
 * schemas of src/http/schemas/policies.ts do not name is AutoBackup.0221, once the object's own
 * fields are read (a request refused for a bad value keeps its code).
 */
import { ApiError } from '../../common/errors.js';
import type { Tag } from '../../services/policies/policy-repository.js';
import { MAX_TAGS_PER_POLICY } from '../../services/policies/policy-repository.js';
import type { TagBatch, TagCondition, TagQuery, TagToDelete } from '../../services/policies/policy-tags.js';
import { AddTagBody, NameMatchBody, TagBatchBody, TagBody, TagConditionBody, TagQueryBody } from '../schemas/policies.js';
import { isObject, refuseUnknown, requireBody } from './autobackup.js';

/** Most policies one page of a tag query shows, and the page size when none is asked for. */
const MAX_QUERY_LIMIT = 1000;
const KEY_RE = /^[A-Za-z0-9_-]{1,36}$/;
const VALUE_RE = /^[A-Za-z0-9_-]{0,43}$/;

function invalid(message: string): ApiError {
  return new ApiError('VolumeBackup.0049', message);
}

export function readTagKey(v: unknown, where: string): string {
  if (typeof v !== 'string' || !KEY_RE.test(v)) {
    throw invalid(`${where} must be 1 to 36 characters of letters, digits, underscores (_) and hyphens (-).`);
  }
  return v;
}

function readTagValue(v: unknown, where: string): string {
  if (typeof v !== 'string' || !VALUE_RE.test(v)) {
    throw invalid(`${where} must be 0 to 43 characters of letters, digits, underscores (_) and hyphens (-).`);
  }
  return v;
}

function readTag(v: unknown, where: string): Tag {
  if (!isObject(v)) throw invalid(`${where} must be an object with key and value.`);
  const tag = { key: readTagKey(v.key, `${where}.key`), value: v.value === undefined ? '' : readTagValue(v.value, `${where}.value`) };
  refuseUnknown(v, TagBody, where);
  return tag;
}

export function readTagList(v: unknown, where: string, mode: 'create'): Tag[];
export function readTagList(v: unknown, where: string, mode: 'delete'): TagToDelete[];
export function readTagList(v: unknown, where: string, mode: 'create' | 'delete'): Array<Tag | TagToDelete> {
  if (!Array.isArray(v)) throw invalid(`${where} must be a list of tags.`);
  // A list longer than a policy may hold is refused before its entries are read, as it always was.
  if (mode === 'create' && v.length > MAX_TAGS_PER_POLICY) {
    throw new ApiError('VolumeBackup.0050', `A backup policy has at most ${MAX_TAGS_PER_POLICY} tags; ${where} has ${v.length}.`);
  }
  const tags = v.map((t, i) => {
    const at = `${where}[${i}]`;
    if (mode === 'create') return readTag(t, at);
    if (!isObject(t)) throw invalid(`${at} must be an object with a key.`);
    const key = readTagKey(t.key, `${at}.key`);
    const tag = t.value === undefined ? { key } : { key, value: readTagValue(t.value, `${at}.value`) };
    refuseUnknown(t, TagBody, at);
    return tag;
  });
  const keys = new Set(tags.map((t) => t.key));
  if (keys.size !== tags.length) throw invalid(`${where} names a key more than once.`);
  return tags;
}

/** POST backuppolicy/{id}/tags: {"tag": {key, value}}. */
export function tagOf(body: unknown): Tag {
  const b = requireBody(body);
  const tag = readTag(b.tag, 'tag');
  refuseUnknown(b, AddTagBody, 'The request body');
  return tag;
}

/** The key of DELETE backuppolicy/{id}/tags/{key}. */
export function tagKeyOf(raw: string): string {
  return readTagKey(raw, 'The tag key');
}

/** POST backuppolicy/{id}/tags/action: create, update or delete a list of tags. */
export function tagBatchOf(body: unknown): TagBatch {
  const b = requireBody(body);
  if (b.action !== 'create' && b.action !== 'update' && b.action !== 'delete') {
    throw new ApiError('AutoBackup.0222', 'action must be "create", "update" or "delete".');
  }
  const batch: TagBatch = b.action === 'delete' ? { action: 'delete', tags: readTagList(b.tags, 'tags', 'delete') } : { action: b.action, tags: readTagList(b.tags, 'tags', 'create') };
  refuseUnknown(b, TagBatchBody, 'The request body');
  return batch;
}

function readConditions(v: unknown, where: string): TagCondition[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(`${where} must be a list of {key, values}.`);
  const conditions = v.map((c, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(c)) throw invalid(`${at} must be an object with key and values.`);
    const key = readTagKey(c.key, `${at}.key`);
    if (!Array.isArray(c.values)) throw invalid(`${at}.values must be a list of values (empty for any value).`);
    const condition = { key, values: c.values.map((x, j) => readTagValue(x, `${at}.values[${j}]`)) };
    refuseUnknown(c, TagConditionBody, at);
    return condition;
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
    refuseUnknown(m, NameMatchBody, `matches[${i}]`);
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

/** POST backuppolicy/resource_instances/action: policies found or counted by their tags and name. */
export function tagQueryOf(body: unknown): TagQuery {
  const b = requireBody(body);
  const action = b.action;
  if (action !== 'filter' && action !== 'count') throw new ApiError('AutoBackup.0222', 'action must be "filter" or "count".');
  const query: TagQuery = {
    action,
    tags: readConditions(b.tags, 'tags'),
    tagsAny: readConditions(b.tags_any, 'tags_any'),
    notTags: readConditions(b.not_tags, 'not_tags'),
    notTagsAny: readConditions(b.not_tags_any, 'not_tags_any'),
    nameMatch: readNameMatch(b.matches),
    limit: readCount(b.limit, 'limit', 1, MAX_QUERY_LIMIT, MAX_QUERY_LIMIT),
    offset: readCount(b.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
  };
  refuseUnknown(b, TagQueryBody, 'The request body');
  return query;
}
