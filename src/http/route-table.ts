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

/**
 * Records every route pattern of the app, so that a path that exists under other methods gets
 * 405 with an Allow header instead of 404. Returns the look-up of the methods a path allows.
 */
export function trackRoutes(app: FastifyInstance): (url: string) => string[] {
  const routes: Array<{ pattern: RegExp; method: string }> = [];
  app.addHook('onRoute', (opts) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    for (const method of methods) if (method !== 'HEAD') routes.push({ pattern: compile(opts.url), method: String(method) });
  });
  return (url) => {
    const path = url.split('?')[0].replace(/\/{2,}/g, '/');
    return [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
  };
}
