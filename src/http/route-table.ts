import type { FastifyInstance } from 'fastify';
import { escapeRegExp } from '../common/regexp.js';

function compile(url: string): RegExp {
  const body = url
    .replace(/\/+$/, '')
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : escapeRegExp(seg)))
    .join('/');
  return new RegExp(`^${body}/?$`);
}

export interface RouteTable {
  /** The methods a path allows. */
  methodsAllowed(url: string): string[];
  /** Every route as registered (method and URL pattern), HEAD left out. */
  routes(): Array<{ method: string; url: string }>;
}

/**
 * Records every route pattern of the app, so that a path that exists under other methods gets
 * 405 with an Allow header instead of 404.
 */
export function trackRoutes(app: FastifyInstance): RouteTable {
  const routes: Array<{ pattern: RegExp; method: string; url: string }> = [];
  app.addHook('onRoute', (opts) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    for (const method of methods) if (method !== 'HEAD') routes.push({ pattern: compile(opts.url), method: String(method), url: opts.url });
  });
  return {
    methodsAllowed: (url) => {
      const path = url.split('?')[0].replace(/\/{2,}/g, '/');
      return [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    },
    routes: () => routes.map(({ method, url }) => ({ method, url })),
  };
}
