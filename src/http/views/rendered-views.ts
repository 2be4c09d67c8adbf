/**
 * Views rendered to JSON and kept between requests, under all they were made of: the view, the
 * request's view context, and the record's id and revision. A revision changes at every write of
 * its record (migration 0150 for backups), so a kept rendering is never that of an older row than
 * the one the database holds: a listing reads ids and revisions, and renders only what it lacks.
 * Kept as UTF-8, as they are sent: a page is a copy of its items' bytes, not a string to build and
 * encode again (which took a fifth of a listing's time). Bounded by bytes; the least recently
 * used go first.
 */
export class RenderedViews {
  private readonly kept = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    const json = this.kept.get(key);
    if (json !== undefined) {
      // Map order is insertion order: moved to the end, it is the most recently used.
      this.kept.delete(key);
      this.kept.set(key, json);
    }
    return json;
  }

  /** Keeps the UTF-8 bytes of `text` under `key` and returns them. */
  put(key: string, text: string): Buffer {
    // Outside Node's shared 8 KB pool, which Buffer.from uses for short text: a kept view would
    // hold its whole slab in memory.
    const json = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    json.write(text);
    const before = this.kept.get(key);
    if (before !== undefined) {
      this.kept.delete(key);
      this.bytes -= before.length;
    }
    this.kept.set(key, json);
    this.bytes += json.length;
    for (const [oldest, value] of this.kept) {
      if (this.bytes <= this.maxBytes) break;
      this.kept.delete(oldest);
      this.bytes -= value.length;
    }
    return json;
  }
}

const COMMA = Buffer.from(',');

/** A listing's body from its items' JSON: `{"<collection>": [...], "<collection>_links": [...], "count": n}`. */
export function listingJson(collection: string, items: readonly Buffer[], links: unknown[] | undefined, count: number | undefined): Buffer {
  const parts: Buffer[] = [Buffer.from(`{${JSON.stringify(collection)}:[`)];
  for (const [i, item] of items.entries()) {
    if (i > 0) parts.push(COMMA);
    parts.push(item);
  }
  let tail = ']';
  if (links) tail += `,${JSON.stringify(`${collection}_links`)}:${JSON.stringify(links)}`;
  if (count !== undefined) tail += `,"count":${count}`;
  parts.push(Buffer.from(`${tail}}`));
  return Buffer.concat(parts);
}
