import type { FastifyInstance } from 'fastify';

/** The levels at which a request's line is written; at the others (info, the default) nothing is built. */
const LINE_LEVELS = new Set(['debug', 'trace']);

/**
 * One line per request, at debug: a busy service's requests would bury what operators look for
 * (jobs, policy runs, gc). A reply of 5xx is an error and logged as one. At trace, a line also
 * as each request arrives, to follow one that never ends.
 */
export function registerRequestLog(app: FastifyInstance): void {
  if (app.log.level === 'trace') {
    app.addHook('onRequest', (request, _reply, done) => {
      request.log.trace({ event: 'http.arrive', method: request.method, url: request.url.split('?')[0] }, 'request arrived');
      done();
    });
  }
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    if (status < 500 && !LINE_LEVELS.has(request.log.level)) return done();
    const fields = {
      event: 'http.request',
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      url: request.url.split('?')[0],
      status,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (status >= 500) request.log.error(fields, 'request answered with a server error');
    else request.log.debug(fields, 'request completed');
    done();
  });
}
