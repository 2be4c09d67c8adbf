/**
 * How long an identity answer (a token's or an access key's principal, the admin project) read
 * from the database is used without reading it again. Another server process of the database
 * sees a revocation, a disabled user or a removed grant within this bound; this process at
 * once, since its own changes empty the caches (IdentityChanges).
 */
export const TRUST_MS = 1000;

/** Entries kept at most: a flood of distinct credentials costs bounded memory. */
const MAX_ENTRIES = 10_000;

/**
 * Answers by key, each trusted for at most `trustMs` from the moment its read began, so a change
 * committed after that read is seen by the bound. Concurrent asks of one key share one read;
 * a failed read or an answer of undefined (nothing found) is not kept: a wrong credential is
 * read again, costs no memory, and one made in another process is found at once.
 */
export class TrustCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V | undefined> }>();

  constructor(
    private readonly trustMs = TRUST_MS,
    private readonly maxEntries = MAX_ENTRIES,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(key: string, read: () => Promise<V | undefined>): Promise<V | undefined> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.trustMs) return hit.value;
    if (hit) this.entries.delete(key);
    else if (this.entries.size >= this.maxEntries) this.dropStale(now);
    const entry = { at: now, value: read() };
    this.entries.set(key, entry);
    const forget = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    entry.value.then((v) => v === undefined && forget(), forget);
    return entry.value;
  }

  /** Forgets every answer: a read begun before this is not kept either (its entry is gone). */
  clear(): void {
    this.entries.clear();
  }

  /** Drops the entries past their trust, and the oldest half if that frees too little. */
  private dropStale(now: number): void {
    for (const [key, e] of this.entries) if (now - e.at >= this.trustMs) this.entries.delete(key);
    if (this.entries.size < this.maxEntries) return;
    let drop = Math.ceil(this.entries.size / 2);
    // A Map iterates in insertion order: the first keys are the oldest.
    for (const key of this.entries.keys()) {
      if (drop-- <= 0) break;
      this.entries.delete(key);
    }
  }
}

/**
 * Tells this process's caches that identity records changed here (a token revoked, a user or
 * project disabled or deleted, a grant given or taken, an access key changed): what they hold
 * may be stale from now on.
 */
export class IdentityChanges {
  private readonly listeners: Array<() => void> = [];

  subscribe(listener: () => void): void {
    this.listeners.push(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }
}
