import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { Services } from '../../container.js';

/** Health, metrics and the OpenAPI document. */
export function opsRoutes(services: Services, metrics: Registry): FastifyPluginAsync {
  return async (app) => {
    const config = { public: true };
    app.get('/healthz', { config, schema: { hide: true } }, async (_req, reply) => {
      try {
        await sql`select 1`.execute(services.database.db);
        return { status: 'ok', database: services.database.dialect };
      } catch {
        return reply.status(503).send({ status: 'unavailable', database: services.database.dialect });
      }
    });
    app.get('/metrics', { config, schema: { hide: true } }, async (_req, reply) => {
      return reply.type(metrics.contentType).send(await metrics.metrics());
    });
    app.get('/openapi.json', { config, schema: { hide: true } }, async () => app.swagger());
  };
}
