import { ApiError } from '../../common/errors.js';
import { parsePythonLiteral } from './python-literal.js';
import { MAX_LIMIT, type QueryFeatures, type ResourceQuery, type ResourceSortKey } from '../../services/common/listing.js';

/** Query strings of Cinder listings, checked into a ResourceQuery; each failure is 400 naming the parameter. */
function bad(message: string): ApiError {
  return new ApiError('common.0400', message);
}

function one(raw: unknown): string | undefined {
  if (Array.isArray(raw)) return raw.length ? String(raw[raw.length - 1]) : undefined;
  return raw === undefined ? undefined : String(raw);
}

function wholeNumber(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw bad(`${name} must be a non-negative integer, got "${raw}".`);
  return Number(raw);
}

const TRUE_RE = /^(true|1|yes|on|t|y)$/i;
const BOOL_RE = /^(true|false|1|0|yes|no|on|off|t|f|y|n)$/i;

export function parseBoolean(name: string, raw: string): boolean {
  if (!BOOL_RE.test(raw)) throw bad(`${name} must be a boolean, got "${raw}".`);
  return TRUE_RE.test(raw);
}

function parseMetadata(raw: string): Record<string, string> {
  let parsed: unknown;
  try {
    // python-cinderclient sends metadata filters as a JSON object in the query string; Cinder
    // reads them as a Python literal, so {'key': 'value'} is one too.
    parsed = JSON.parse(raw);
  } catch {
    try {
      parsed = parsePythonLiteral(raw);
    } catch {
      throw bad(`metadata must be an object such as {"key":"value"}, got "${raw}".`);
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad('metadata must be a JSON object.');
  return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

export function parseResourceQuery(params: Record<string, unknown>, f: QueryFeatures): ResourceQuery {
  const q: ResourceQuery = { exact: {}, fuzzy: {}, metadata: undefined, allTenants: false, sort: [], limit: undefined, offset: 0, marker: undefined, withCount: false };
  for (const field of f.filters) {
    const exact = one(params[field]);
    if (exact !== undefined) q.exact[field] = exact;
    const fuzzy = one(params[`${field}~`]);
    if (fuzzy !== undefined && f.fuzzy) q.fuzzy[field] = fuzzy;
  }
  // Older clients say display_name.
  const displayName = one(params.display_name);
  if (displayName !== undefined && q.exact.name === undefined) q.exact.name = displayName;
  if (q.exact.bootable !== undefined) q.exact.bootable = parseBoolean('bootable', q.exact.bootable) ? '1' : '0';
  const metadata = one(params.metadata);
  if (metadata !== undefined) q.metadata = parseMetadata(metadata);
  const allTenants = one(params.all_tenants);
  if (allTenants !== undefined && f.admin) q.allTenants = allTenants === '' || parseBoolean('all_tenants', allTenants);
  const projectFilter = one(params.project_id);
  if (projectFilter !== undefined && q.allTenants) q.exact.project_id = projectFilter;

  const sortKey = (raw: string): ResourceSortKey => {
    const k = raw.trim();
    if (!(f.sortKeys as readonly string[]).includes(k)) throw bad(`Invalid sort key "${k}"; use one of ${f.sortKeys.join(', ')}.`);
    return k as ResourceSortKey;
  };
  const sortDir = (raw: string | undefined): 'asc' | 'desc' => {
    const d = raw?.trim() ?? '';
    if (d === '') return 'desc';
    if (d !== 'asc' && d !== 'desc') throw bad(`Invalid sort direction "${d}"; use asc or desc.`);
    return d;
  };
  const sort = one(params.sort);
  const sortKeys = one(params.sort_key);
  const sortDirs = one(params.sort_dir);
  if (sort !== undefined && (sortKeys !== undefined || sortDirs !== undefined)) throw bad('The sort parameter cannot be combined with sort_key or sort_dir.');
  if (sort !== undefined) {
    q.sort = sort.split(',').filter(Boolean).map((part) => {
      const [k, d] = part.split(':');
      return { key: sortKey(k), dir: sortDir(d) };
    });
  } else if (sortKeys !== undefined || sortDirs !== undefined) {
    const keys = (sortKeys ?? 'created_at').split(',');
    const dirs = (sortDirs ?? '').split(',');
    q.sort = keys.map((k, i) => ({ key: sortKey(k), dir: sortDir(dirs[i] || dirs[0]) }));
  }
  if (q.sort.length === 0) q.sort = [{ key: 'created_at', dir: 'desc' }];

  const limit = one(params.limit);
  if (limit !== undefined) q.limit = Math.min(wholeNumber('limit', limit), MAX_LIMIT);
  const offset = one(params.offset);
  if (offset !== undefined) q.offset = wholeNumber('offset', offset);
  const marker = one(params.marker);
  // A marker naming no record is the listing's to refuse (paginate): 400 or, for volumes, 404.
  if (marker !== undefined) q.marker = marker;
  const withCount = one(params.with_count);
  if (withCount !== undefined && f.withCount) q.withCount = parseBoolean('with_count', withCount);
  return q;
}
