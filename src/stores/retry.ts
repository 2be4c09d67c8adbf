import { setTimeout as delay } from 'node:timers/promises';
import { NotFoundError, StoreUnavailableError, type BlockStore, type StoredObject } from './block-store.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The pause before the first retry; each further pause doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts once this long would have passed since the operation began (or last made progress). */
  maxElapsedMs: number;
}

/**
 * Five pauses, from 0.05-0.1 s doubling to 0.8-1.6 s, 1.5 to 3 s in all: rides out a restart
 * or a burst of throttling, and still answers a dead endpoint quickly. 30 s caps attempts that
 * are slow themselves (timeouts).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 5000,
  maxElapsedMs: 30_000,
};

export interface RetryEvent {
  operation: string;
  /** The attempt that just failed, from 1. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): spreads the pauses of many clients that failed at once. */
  random?: () => number;
  now?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

type ResolvedHooks = Required<Omit<RetryHooks, 'onRetry'>> & Pick<RetryHooks, 'onRetry'>;

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EAI_AGAIN', 'EBUSY']);

/**
 * Whether trying the same request again may help. Stores report this on their
 * StoreUnavailableError; a store that lets raw errors through is judged by code and status.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof NotFoundError) return false;
  if (err instanceof StoreUnavailableError) return err.transient;
  if (typeof err !== 'object' || err === null) return false;
  const { code, $metadata } = err as { code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  const status = $metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

/** Backoff state of one operation; progress (a listing that moves on) starts afresh. */
class Backoff {
  private attempts = 0;
  private started: number;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly hooks: ResolvedHooks,
    private readonly operation: string,
  ) {
    this.started = hooks.now();
  }

  reset(): void {
    this.attempts = 0;
    this.started = this.hooks.now();
  }

  /** Pauses before the next attempt, or throws the error that ends the streak. */
  async afterFailure(err: unknown): Promise<void> {
    if (!isTransient(err)) throw err;
    this.attempts += 1;
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (this.attempts - 1));
    const pause = Math.round(ceiling / 2 + (this.hooks.random() * ceiling) / 2);
    const elapsed = this.hooks.now() - this.started;
    if (this.attempts >= this.policy.maxAttempts || elapsed + pause > this.policy.maxElapsedMs) {
      const message = err instanceof Error ? err.message : String(err);
      const seconds = (elapsed / 1000).toFixed(1);
      throw new StoreUnavailableError(`${message} (gave up after ${this.attempts} attempts in ${seconds} s)`, {
        transient: true,
      });
    }
    this.hooks.onRetry?.({ operation: this.operation, attempt: this.attempts, delayMs: pause, error: err });
    await this.hooks.sleep(pause);
  }
}

/**
 * A BlockStore that tries transient failures again with exponential backoff and jitter, within
 * a bound on attempts and on time. Absent objects and permanent refusals pass straight through.
 * Every BlockStore operation is idempotent (a put writes the whole object), so a retry is safe.
 */
export class RetryingBlockStore implements BlockStore {
  readonly description: string;
  readonly containerName: string;
  private readonly policy: RetryPolicy;
  private readonly hooks: ResolvedHooks;

  constructor(
    private readonly inner: BlockStore,
    policy: Partial<RetryPolicy> = {},
    hooks: RetryHooks = {},
  ) {
    this.description = inner.description;
    this.containerName = inner.containerName;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...policy };
    this.hooks = {
      sleep: hooks.sleep ?? ((ms) => delay(ms)),
      random: hooks.random ?? Math.random,
      now: hooks.now ?? Date.now,
      onRetry: hooks.onRetry,
    };
  }

  put(key: string, data: Buffer): Promise<void> {
    return this.retry(`put ${key}`, () => this.inner.put(key, data));
  }

  get(key: string): Promise<Buffer> {
    return this.retry(`get ${key}`, () => this.inner.get(key));
  }

  getRange(key: string, offset: number, length: number): Promise<Buffer> {
    const inner = this.inner;
    return this.retry(`get ${key}`, async () =>
      inner.getRange ? inner.getRange(key, offset, length) : (await inner.get(key)).subarray(offset, offset + length),
    );
  }

  has(key: string): Promise<boolean> {
    return this.retry(`has ${key}`, () => this.inner.has(key));
  }

  delete(key: string): Promise<void> {
    return this.retry(`delete ${key}`, () => this.inner.delete(key));
  }

  /**
   * A listing cannot resume where an arbitrary store failed, so a failure restarts it and skips
   * what was already handed out; the set of handed-out keys costs memory in proportion to the
   * listing, which its consumers (GC, reindex) hold anyway.
   */
  async *list(prefix: string): AsyncIterable<StoredObject> {
    const backoff = new Backoff(this.policy, this.hooks, `list ${prefix}`);
    const seen = new Set<string>();
    for (;;) {
      try {
        for await (const item of this.inner.list(prefix)) {
          if (seen.has(item.key)) continue;
          seen.add(item.key);
          backoff.reset();
          yield item;
        }
        return;
      } catch (err) {
        await backoff.afterFailure(err);
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async retry<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const backoff = new Backoff(this.policy, this.hooks, operation);
    for (;;) {
      try {
        return await run();
      } catch (err) {
        await backoff.afterFailure(err);
      }
    }
  }
}
