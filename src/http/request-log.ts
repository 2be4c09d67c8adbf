import type { FastifyInstance } from 'fastify';

/**
 * One line per request, at debug: a busy service's requests would bury what operators look for
 * (jobs, policy runs, gc). A reply of 5xx is an error and logged as one. At trace, a line also
 * as each request arrives, to follow one that never ends.
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    request.log.trace({ event: 'http.arrive', method: request.method, url: request.url.split('?')[0] }, 'request arrived');
  });
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
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
  });
}
