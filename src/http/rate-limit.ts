import type { FastifyInstance } from 'fastify';
import { ApiError } from '../common/errors.js';
import type { Config } from '../common/config.js';

/** Buckets are dropped once they have been full this long: an idle project costs no memory. */
const IDLE_SWEEP_MS = 60_000;

/**
 * Token buckets, one per key: each holds up to `burst` tokens and gains `perSecond` a second;
 * a request takes one. A refused request takes none, so a client that waits as told is served.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweep = now();
  }

  /** 0 when the key may go on; else the whole seconds until it may. */
  take(key: string): number {
    const now = this.now();
    this.sweep(now);
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < IDLE_SWEEP_MS) return;
    this.lastSweep = now;
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    for (const [key, b] of this.buckets) if (now - b.at >= fullAfterMs) this.buckets.delete(key);
  }
}

/**
 * Per-project request rates (VBS_RATE_LIMIT, VBS_RATE_BURST): one tenant cannot take the
 * service from the others. Keyed by the authenticated project (the user of an unscoped token),
 * so many clients of one project share its rate and one address may serve many projects.
 * Public routes (probes, metrics, logging in) carry no credentials and are not limited.
 */
export function registerRateLimit(app: FastifyInstance, settings: Config['rateLimit']): void {
  if (settings.perSecond === 0) return;
  const buckets = new TokenBuckets(settings.perSecond, settings.burst);
  // After authentication (registered before this hook): the principal is known.
  app.addHook('preValidation', (request, reply, done) => {
    if (!request.routeOptions.url || request.routeOptions.config.public || !request.principal) return done();
    const p = request.principal;
    const wait = buckets.take(p.projectId ? `project:${p.projectId}` : `user:${p.userId}`);
    if (wait === 0) return done();
    void reply.header('Retry-After', String(wait));
    done(new ApiError('common.0429', `Rate limit exceeded: project ${p.projectId ?? '(none)'} may make ${settings.perSecond} requests a second (bursts of ${settings.burst}); retry after ${wait} s.`));
  });
}
