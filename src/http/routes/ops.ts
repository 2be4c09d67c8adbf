import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { Services } from '../../container.js';
import { OpsReplies as R } from '../schemas/ops.js';

/** Health (liveness), readiness, metrics and the OpenAPI document. */
export function opsRoutes(services: Services, metrics: Registry): FastifyPluginAsync {
  return async (app) => {
    const config = { public: true };
    const tags = ['operations'];
    // Probes and scrapers come without credentials.
    const security: Array<Record<string, string[]>> = [];
    app.get('/healthz', { config, schema: { tags, summary: 'Health: the service and its database', security, response: R.health } }, async (_req, reply) => {
      try {
        await sql`select 1`.execute(services.database.db);
        return { status: 'ok', database: services.database.dialect };
      } catch {
        return reply.status(503).send({ status: 'unavailable', database: services.database.dialect });
      }
    });
    // Readiness, not liveness: a full disk or stopped workers take the process out of rotation, not restart it.
    app.get('/readyz', { config, schema: { tags, summary: 'Readiness: database and store writable, free space, job workers', security, response: R.ready } }, async (request, reply) => {
      const report = await services.readiness.check();
      for (const { check, err } of report.errors) request.log.warn({ err, check }, 'readiness check failed');
      const failing = Object.entries(report.checks).filter(([, c]) => c.status === 'fail').map(([name]) => name);
      return reply.status(report.ready ? 200 : 503).send({ status: report.ready ? 'ok' : 'unavailable', failing, checks: report.checks });
    });
    app.get('/metrics', { config, schema: { tags, summary: 'Prometheus metrics', security, response: R.metrics(metrics.contentType) } }, async (_req, reply) => {
      return reply.type(metrics.contentType).send(await metrics.metrics());
    });
    app.get('/openapi.json', { config, schema: { tags, summary: 'This OpenAPI document', security, response: R.openapi } }, async () => app.swagger());
  };
}
