/** How the benchmark prints figures: MB, seconds, ratios, and aligned text tables. */

export const mb = (bytes: number | undefined): string => (bytes === undefined ? '-' : (bytes / 1e6).toFixed(1));
export const sec = (s: number | undefined): string => (s === undefined ? '-' : s.toFixed(2));
export const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || !b ? '-' : (a / b).toFixed(3));

/** Columns padded to their widest cell: the first left-aligned, the others right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
