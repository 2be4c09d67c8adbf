import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';

export const SORT_KEYS = ['name', 'status', 'size', 'id', 'created_at', 'updated_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const MAX_LIMIT = 1000;

export interface ListQuery {
  exact: Partial<Record<'name' | 'status' | 'volume_id', string>>;
  fuzzy: Partial<Record<'name' | 'status' | 'volume_id', string>>;
  sort: Array<{ key: SortKey; dir: 'asc' | 'desc' }>;
  limit: number | undefined;
  offset: number;
  marker: string | undefined;
  withCount: boolean;
}

export interface ListFeatures {
  /** name~, status~, volume_id~ (microversion 3.31). */
  fuzzy: boolean;
  /** with_count (microversion 3.45). */
  withCount: boolean;
}

function bad(message: string): ApiError {
  return new ApiError('common.0400', message);
}

function wholeNumber(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw bad(`${name} must be a non-negative integer, got "${raw}".`);
  return Number(raw);
}

function one(raw: unknown): string | undefined {
  if (Array.isArray(raw)) return raw.length ? String(raw[raw.length - 1]) : undefined;
  return raw === undefined ? undefined : String(raw);
}

function sortKey(raw: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(raw)) throw bad(`Invalid sort key "${raw}"; use one of ${SORT_KEYS.join(', ')}.`);
  return raw as SortKey;
}

function sortDir(raw: string | undefined): 'asc' | 'desc' {
  if (raw === undefined || raw === '') return 'desc';
  if (raw !== 'asc' && raw !== 'desc') throw bad(`Invalid sort direction "${raw}"; use asc or desc.`);
  return raw;
}

/** The Cinder list parameters of a backup listing, checked; a bad one is 400 and nothing else happens. */
export function parseListQuery(params: Record<string, unknown>, features: ListFeatures): ListQuery {
  const q: ListQuery = { exact: {}, fuzzy: {}, sort: [], limit: undefined, offset: 0, marker: undefined, withCount: false };
  for (const field of ['name', 'status', 'volume_id'] as const) {
    const exact = one(params[field]);
    if (exact !== undefined) q.exact[field] = exact;
    const fuzzy = one(params[`${field}~`]);
    if (fuzzy !== undefined && features.fuzzy) q.fuzzy[field] = fuzzy;
  }
  const sort = one(params.sort);
  const sortKeys = one(params.sort_key);
  const sortDirs = one(params.sort_dir);
  if (sort !== undefined && (sortKeys !== undefined || sortDirs !== undefined)) {
    throw bad('The sort parameter cannot be combined with sort_key or sort_dir.');
  }
  if (sort !== undefined) {
    q.sort = sort.split(',').filter(Boolean).map((part) => {
      const [k, d] = part.split(':');
      return { key: sortKey(k.trim()), dir: sortDir(d?.trim()) };
    });
  } else if (sortKeys !== undefined || sortDirs !== undefined) {
    const keys = (sortKeys ?? 'created_at').split(',');
    const dirs = (sortDirs ?? '').split(',');
    q.sort = keys.map((k, i) => ({ key: sortKey(k.trim()), dir: sortDir(dirs[i]?.trim() || dirs[0]?.trim()) }));
  }
  if (q.sort.length === 0) q.sort = [{ key: 'created_at', dir: 'desc' }];
  const limit = one(params.limit);
  if (limit !== undefined) q.limit = Math.min(wholeNumber('limit', limit), MAX_LIMIT);
  const offset = one(params.offset);
  if (offset !== undefined) q.offset = wholeNumber('offset', offset);
  const marker = one(params.marker);
  if (marker !== undefined) {
    if (!isUuid(marker)) throw bad(`Marker ${marker} could not be found.`);
    q.marker = marker;
  }
  const withCount = one(params.with_count);
  if (withCount !== undefined && features.withCount) {
    if (!/^(true|false|1|0|yes|no)$/i.test(withCount)) throw bad(`with_count must be a boolean, got "${withCount}".`);
    q.withCount = /^(true|1|yes)$/i.test(withCount);
  }
  return q;
}

export interface Page<T> {
  items: T[];
  /** Items matching the filters, before paging. */
  total: number;
  /** The id to continue after, when items remain beyond this page. */
  nextMarker: string | undefined;
}

/** Cuts one page out of the full, ordered result: after the marker, then offset, then limit. */
export function paginate<T extends { id: string }>(all: T[], q: ListQuery): Page<T> {
  let start = 0;
  if (q.marker !== undefined) {
    const at = all.findIndex((x) => x.id === q.marker);
    if (at < 0) throw bad(`Marker ${q.marker} could not be found.`);
    start = at + 1;
  }
  start += q.offset;
  const limit = q.limit ?? MAX_LIMIT;
  const items = all.slice(start, start + limit);
  const more = start + limit < all.length;
  return { items, total: all.length, nextMarker: more && items.length ? items[items.length - 1].id : undefined };
}
