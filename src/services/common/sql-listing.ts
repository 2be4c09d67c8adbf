import { PostgresAdapter, sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { SQLITE_LOWER } from '../../db/connect.js';
import { InvalidInput, NotFound } from './errors.js';
import { MAX_LIMIT, type Page, type PagingRules, type ResourceQuery } from './listing.js';

/**
 * Listings filtered, ordered, paged and counted by the database: a page costs what the page
 * holds (with an index that fits the order), not what the project holds. The order, the marker
 * and the page follow `paginate` exactly, so both give the same replies.
 */

/** A column a listing orders by; whether it may hold NULL matters because engines sort NULL differently. */
export interface OrderColumn {
  /** The column, or the name under which the query selects `expr`: the marker's row carries the value there. */
  column: string;
  nullable: boolean;
  /** What to order by where it is not the column itself. */
  expr?: RawBuilder<unknown>;
}

export interface OrderTerm extends OrderColumn {
  dir: 'asc' | 'desc';
}

/** What differs between the engines for a listing. */
export interface ListingDialect {
  /** NULL sorts before every value in ascending order (SQLite), not after it (PostgreSQL). */
  nullsFirst: boolean;
  /** The text of `value` (a column, or an expression; NULL as '') contains `needle`, both lower-cased as JavaScript does. */
  contains(value: string | RawBuilder<unknown>, needle: string): RawBuilder<SqlBool>;
  /** The JSON object in `column` maps `key` to the string `value`. */
  hasEntry(column: string, key: string, value: string): RawBuilder<SqlBool>;
  /** Text compared by code point, as JavaScript's `<` compares strings. */
  byCodePoint(text: RawBuilder<unknown>): RawBuilder<unknown>;
}

function refOf(value: string | RawBuilder<unknown>): RawBuilder<unknown> {
  return typeof value === 'string' ? sql.ref(value) : value;
}

const SQLITE: ListingDialect = {
  nullsFirst: true,
  contains: (value, needle) => sql<SqlBool>`instr(${sql.raw(SQLITE_LOWER)}(coalesce(${refOf(value)}, '')), ${needle.toLowerCase()}) > 0`,
  hasEntry: (column, key, value) => sql<SqlBool>`exists (select 1 from json_each(${sql.ref(column)}) as e where e.key = ${key} and e.type = 'text' and e.value = ${value})`,
  // SQLite's default collation compares bytes, which for UTF-8 is code point order.
  byCodePoint: (text) => text,
};

const POSTGRES: ListingDialect = {
  nullsFirst: false,
  contains: (value, needle) => sql<SqlBool>`strpos(lower(coalesce(${refOf(value)}, '')), ${needle.toLowerCase()}) > 0`,
  hasEntry: (column, key, value) =>
    sql<SqlBool>`(jsonb_typeof(${sql.ref(column)}::jsonb -> ${key}::text) = 'string' and ${sql.ref(column)}::jsonb ->> ${key}::text = ${value})`,
  byCodePoint: (text) => sql`(${text}) collate "C"`,
};

// A Kysely of any schema: only its engine is asked for.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function listingDialect(db: Kysely<any>): ListingDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? POSTGRES : SQLITE;
}

/** The query's sort keys as columns, then the id (in the first key's direction) unless sorted by already: every order is total. */
/** A listing's metadata filter: every pair of it in the record's metadata (a JSON object column). */
export function metadataFilters(q: ResourceQuery, dialect: ListingDialect): RawBuilder<SqlBool>[] {
  return Object.entries(q.metadata ?? {}).map(([k, v]) => dialect.hasEntry('metadata', k, v));
}

export function orderOf(q: ResourceQuery, columns: Readonly<Partial<Record<string, OrderColumn>>>, id: OrderColumn): OrderTerm[] {
  const terms: OrderTerm[] = q.sort.flatMap(({ key, dir }) => {
    const c = columns[key];
    return c ? [{ ...c, dir }] : [];
  });
  if (!q.sort.some((k) => k.key === 'id')) terms.push({ ...id, dir: q.sort[0]?.dir ?? 'desc' });
  return terms;
}

function all(parts: RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  return parts.length === 1 ? parts[0] : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

const NOTHING = sql<SqlBool>`1 = 0`;

/** The name under which a selected row carries `column` ("t.c" is selected as "c"). */
function rowKey(column: string): string {
  return column.slice(column.lastIndexOf('.') + 1);
}

/** Rows after `marker` in `order`, NULLs placed where the engine's ORDER BY places them. */
function after(order: OrderTerm[], marker: Record<string, unknown>, dialect: ListingDialect): RawBuilder<SqlBool> {
  const branches: RawBuilder<SqlBool>[] = [];
  const equal: RawBuilder<SqlBool>[] = [];
  for (const t of order) {
    const ref = t.expr ?? sql.ref(t.column);
    const m = marker[rowKey(t.column)] ?? null;
    const op = sql.raw(t.dir === 'asc' ? '>' : '<');
    const nullsBefore = (t.dir === 'asc') === dialect.nullsFirst;
    let beyond: RawBuilder<SqlBool>;
    if (m === null) beyond = nullsBefore ? sql<SqlBool>`${ref} is not null` : NOTHING;
    else if (!t.nullable || nullsBefore) beyond = sql<SqlBool>`${ref} ${op} ${m}`;
    else beyond = sql<SqlBool>`(${ref} ${op} ${m} or ${ref} is null)`;
    branches.push(all([...equal, beyond]));
    equal.push(m === null ? sql<SqlBool>`${ref} is null` : sql<SqlBool>`${ref} = ${m}`);
  }
  const keyset = sql<SqlBool>`(${sql.join(branches, sql` or `)})`;
  // The same rows again, bounded on the leading column alone: a range an index can start from.
  const lead = order[0];
  const m0 = marker[rowKey(lead.column)] ?? null;
  if (lead.nullable || m0 === null) return keyset;
  return sql<SqlBool>`(${lead.expr ?? sql.ref(lead.column)} ${sql.raw(lead.dir === 'asc' ? '>=' : '<=')} ${m0} and ${keyset})`;
}

export interface SqlPaging extends PagingRules {
  order: OrderTerm[];
  dialect: ListingDialect;
  /** The id column, which markers name. */
  id: string;
  /** Where a selected row carries its id, where not under the id column's name. */
  idKey?: string;
  /** The error for a marker the listing does not hold, where it is not Cinder's. */
  markerError?: (marker: string) => Error;
  /** The total where something cheaper than counting the filtered rows knows it. */
  count?: () => Promise<number>;
}

/** What of a query pages: after the marker, then offset, then limit; with_count. */
export type PageQuery = Pick<ResourceQuery, 'marker' | 'offset' | 'limit' | 'withCount'>;

/**
 * One page of `filtered` (a query with its filters, selecting the rows): after the marker's
 * row (which must itself pass the filters), then offset, then limit; counted when asked.
 */
export async function pageInSql<DB, TB extends keyof DB, O extends object>(filtered: SelectQueryBuilder<DB, TB, O>, q: PageQuery, paging: SqlPaging): Promise<Page<O>> {
  let s = filtered;
  if (q.marker !== undefined) {
    const marker = await filtered.where(sql<SqlBool>`${sql.ref(paging.id)} = ${q.marker}`).executeTakeFirst();
    if (!marker && paging.markerError) throw paging.markerError(q.marker);
    if (!marker) throw paging.markerEntity ? new NotFound(paging.markerEntity, q.marker) : new InvalidInput(`Marker ${q.marker} could not be found.`);
    s = s.where(after(paging.order, marker as Record<string, unknown>, paging.dialect));
  }
  for (const t of paging.order) s = s.orderBy(t.expr ?? sql.ref(t.column), t.dir);
  const limit = q.limit ?? MAX_LIMIT;
  // One row past the page tells whether a next page exists.
  s = s.limit(paging.nextWhenFull ? limit : limit + 1);
  if (q.offset > 0) s = s.offset(q.offset);
  const [rows, total] = await Promise.all([s.execute(), q.withCount ? (paging.count?.() ?? countOf(filtered)) : Promise.resolve(undefined)]);
  const items = rows.slice(0, limit);
  const more = paging.nextWhenFull ? items.length === limit : rows.length > limit;
  const last = items[items.length - 1] as Record<string, unknown> | undefined;
  return { items, total, nextMarker: more && last ? String(last[paging.idKey ?? rowKey(paging.id)]) : undefined };
}

/** How many rows `filtered` selects. */
export async function countOf<DB, TB extends keyof DB, O>(filtered: SelectQueryBuilder<DB, TB, O>): Promise<number> {
  const row = await filtered.clearSelect().select(sql<number | string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number((row as { n: number | string }).n);
}
