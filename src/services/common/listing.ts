import { InvalidInput, NotFound, type Entity } from './errors.js';

export const RESOURCE_SORT_KEYS = ['name', 'status', 'size', 'id', 'created_at', 'updated_at', 'availability_zone', 'volume_type', 'volume_id'] as const;
export type ResourceSortKey = (typeof RESOURCE_SORT_KEYS)[number];
export const MAX_LIMIT = 1000;

/** Filters, order and page of a volume or snapshot listing, checked. */
export interface ResourceQuery {
  exact: Record<string, string>;
  /** name~, status~ ...: substring, case-insensitive. */
  fuzzy: Record<string, string>;
  metadata: Record<string, string> | undefined;
  /** Every project's resources (admins only; ignored for others, as Cinder does). */
  allTenants: boolean;
  sort: Array<{ key: ResourceSortKey; dir: 'asc' | 'desc' }>;
  limit: number | undefined;
  offset: number;
  marker: string | undefined;
  withCount: boolean;
}

export interface QueryFeatures {
  /** Exact-match filters this listing knows. */
  filters: readonly string[];
  sortKeys: readonly ResourceSortKey[];
  /** name~ and the like (v3.34). */
  fuzzy: boolean;
  /** with_count (v3.45). */
  withCount: boolean;
  admin: boolean;
}

export interface Page<T> {
  items: T[];
  /** Every record the filters select; counted only when the query asks (with_count) where a listing pages in SQL. */
  total: number | undefined;
  nextMarker: string | undefined;
}

/** How a listing pages where it follows Cinder's paging exactly. */
export interface PagingRules {
  /** A marker naming no listed record is this entity's 404, as Cinder's lookup of the marker is. */
  markerEntity?: Entity;
  /** A full page (as many items as the limit) links to a next page, even when that one is empty, as Cinder does. */
  nextWhenFull?: boolean;
}

/** One page of the full ordered result: after the marker, then offset, then limit. */
export function paginate<T extends { id: string }>(all: T[], q: ResourceQuery, rules: PagingRules = {}): Page<T> {
  let start = 0;
  if (q.marker !== undefined) {
    const at = all.findIndex((x) => x.id === q.marker);
    if (at < 0) throw rules.markerEntity ? new NotFound(rules.markerEntity, q.marker) : new InvalidInput(`Marker ${q.marker} could not be found.`);
    start = at + 1;
  }
  start += q.offset;
  const limit = q.limit ?? MAX_LIMIT;
  const items = all.slice(start, start + limit);
  const more = rules.nextWhenFull ? items.length === limit : start + limit < all.length;
  return { items, total: all.length, nextMarker: more && items.length ? items[items.length - 1].id : undefined };
}
