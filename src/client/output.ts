/**
 * How client commands print what the service answered: a table for people, the API's own JSON
 * objects for scripts (`-f json`), bare values for shell variables (`-f value -c id`).
 */
import { ClientError } from './errors.js';

export type Format = 'table' | 'json' | 'value';
export const FORMATS: readonly Format[] = ['table', 'json', 'value'];

export interface OutputOptions {
  format: Format;
  /** Fields to show (-c, repeatable); all of a record, or the list's default columns, when empty. */
  columns: string[];
}

export type Row = Record<string, unknown>;

export function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** A bordered table, as openstackclient draws one. */
export function drawTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [rule, line(header), rule, ...rows.map(line), rule].join('\n');
}

function pick(keys: string[], wanted: string[]): string[] {
  if (wanted.length === 0) return keys;
  const unknown = wanted.filter((c) => !keys.includes(c));
  if (unknown.length) throw new ClientError(`no column ${unknown.join(', ')}: the columns are ${keys.join(', ')}`);
  return wanted;
}

/** One object, shown field by field. */
export function renderRecord(record: Row, options: OutputOptions): string {
  if (options.format === 'json') {
    if (options.columns.length === 0) return JSON.stringify(record, null, 2);
    return JSON.stringify(Object.fromEntries(pick(Object.keys(record), options.columns).map((k) => [k, record[k]])), null, 2);
  }
  // Links are for programs (they are in the JSON); in a table they only push the values apart.
  const keys = options.columns.length ? pick(Object.keys(record), options.columns) : Object.keys(record).filter((k) => k !== 'links');
  if (options.format === 'value') return keys.map((k) => cell(record[k])).join('\n');
  return drawTable(['Field', 'Value'], keys.map((k) => [k, cell(record[k])]));
}

/**
 * A list: `defaults` are the table's columns, `-c` names others. JSON keeps every field of the
 * API's objects unless columns are named.
 */
export function renderList(rows: Row[], defaults: string[], options: OutputOptions): string {
  const all = [...new Set([...defaults, ...rows.flatMap((r) => Object.keys(r))])];
  if (options.format === 'json') {
    if (options.columns.length === 0) return JSON.stringify(rows, null, 2);
    const keys = pick(all, options.columns);
    return JSON.stringify(rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k] ?? null]))), null, 2);
  }
  const keys = options.columns.length ? pick(all, options.columns) : defaults;
  const cells = rows.map((r) => keys.map((k) => cell(r[k])));
  if (options.format === 'value') return cells.map((c) => c.join(' ')).join('\n');
  return drawTable(keys, cells);
}
