import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifySchema } from 'fastify';
import swagger from '@fastify/swagger';
import { pino, type Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/errors.js';
import type { Services } from '../container.js';
import { registerAuth } from './auth.js';
import { registerBodyParsers } from './body-parser.js';
import { familyOf } from './families.js';
import { renderError, toApiError } from './errors.js';
import { registerMetrics } from './metrics.js';
import { registerBackupAgeMetric } from './backup-age-metric.js';
import { registerRateLimit } from './rate-limit.js';
import { registerRequestLog } from './request-log.js';
import { serializerOf } from './serializers.js';
import { trackRoutes } from './route-table.js';
import './types.js';
import { identityRoutes } from './routes/identity.js';
import { identityAdminRoutes } from './routes/identity-admin.js';
import { jobRoutes } from './routes/jobs.js';
import { backupRoutes } from './routes/backups.js';
import { cbrRoutes } from './routes/cbr.js';
import { cloudBackupRoutes } from './routes/cloudbackups.js';
import { policyRunRoutes } from './routes/policy-runs.js';
import { policyRoutes } from './routes/policies.js';
import { sharingRoutes } from './routes/sharing.js';
import { volumeRoutes } from './routes/volumes.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { volumeTransferRoutes } from './routes/volume-transfers.js';
import { quotaRoutes } from './routes/quotas.js';
import { computeQuotaRoutes } from './routes/compute-quotas.js';
import { volumeTypeRoutes } from './routes/types.js';
import { backendAdminRoutes } from './routes/backend-admin.js';
import { messageRoutes } from './routes/messages.js';
import { opsRoutes } from './routes/ops.js';
import { versionRoutes } from './routes/versions.js';
import { credentialRoutes } from './routes/credentials.js';
import { storeRoutes } from './routes/store.js';
import { consoleRoutes } from './routes/console.js';

export const BODY_LIMIT = 1024 * 1024;

export interface AppOptions {
  logLevel?: string;
  /** The process's logger, shared with the job runner; a new one at `logLevel` when absent. */
  logger?: Logger;
  /** Sees every reply as sent, with its route's schema (tests hold replies to their contract). */
  onReply?: ReplyObserver;
  /** The built web console's folder (dist/console when absent). */
  consoleDir?: string;
}

export type ReplyObserver = (reply: { method: string; url: string; route: string; schema: FastifySchema | undefined; status: number; body: unknown }) => void;

export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is what Fastify logs with; its declared type is the narrower base interface.
    loggerInstance: (options.logger ?? pino({ level: options.logLevel ?? services.config.logLevel })) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // Fastify's two lines per request at info give way to one at debug (request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req-${randomUUID()}`,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
    // Errors met before routing (a path that cannot be percent-decoded) answer in the family's envelope too.
    frameworkErrors: (err, request, reply) => {
      const family = familyOf(request.url);
      const { status, body } = renderError(family, toApiError(err, family));
      // Typed for the router's generic route; here it is a plain reply.
      void (reply as FastifyReply).header('X-Openstack-Request-Id', request.id).status(status).send(body);
    },
  });

  // Hooks on every request take a callback, not a promise: one less promise and tick a request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Openstack-Request-Id', request.id);
    done();
  });
  const { onReply } = options;
  if (onReply) {
    app.addHook('onSend', async (request, reply, payload) => {
      const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
      const json = /json/.test(String(reply.getHeader('content-type') ?? '')) && text ? (JSON.parse(text) as unknown) : undefined;
      onReply({ method: request.method, url: request.url, route: request.routeOptions.url ?? '', schema: request.routeOptions.schema, status: reply.statusCode, body: json });
      return payload;
    });
  }

  // Request schemas document what a route takes; the edge parsers of src/http/input/ check it,
  // with each family's codes, so Fastify's own validation (and its coercion) stays out.
  app.setValidatorCompiler(() => () => true);
  // A reply schema compiles on its route's first reply, not at start-up: a server starts in a
  // third of the time, and error schemas (the renderer shapes errors; they only document) never do.
  app.setSerializerCompiler(({ schema }) => (data) => serializerOf(schema)(data));

  registerBodyParsers(app);

  app.setErrorHandler((err, request, reply) => {
    const family = familyOf(request.url);
    const apiError = toApiError(err, family);
    if (apiError.status >= 500) request.log.error({ err }, 'request failed');
    const { status, body } = renderError(family, apiError);
    // The envelope is the renderer's; the route's error schemas document it, they do not shape it.
    void reply.status(status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(body);
  });

  const routeTable = trackRoutes(app);
  app.decorate('routeTable', routeTable);
  app.setNotFoundHandler((request, reply) => {
    const family = familyOf(request.url);
    const allowed = routeTable.methodsAllowed(request.url);
    const apiError =
      allowed.length > 0
        ? new ApiError('common.0405', `Method ${request.method} is not allowed on ${request.url.split('?')[0]}; allowed: ${allowed.join(', ')}.`)
        : new ApiError('common.0404', `The resource could not be found: ${request.method} ${request.url.split('?')[0]}.`);
    if (allowed.length > 0) void reply.header('Allow', allowed.join(', '));
    const { status, body } = renderError(family, apiError);
    // The envelope is the renderer's; the route's error schemas document it, they do not shape it.
    void reply.status(status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(body);
  });

  registerRequestLog(app);
  const metrics = registerMetrics(app, services.events);
  registerBackupAgeMetric(metrics, services.backupStatistics);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Volume Backup Service', version: '1.0.0', description: 'VBS, Cinder-compatible block storage, Keystone-compatible identity and CBR-style listing APIs' },
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          aksk: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'SDK-HMAC-SHA256 signature with X-Sdk-Date' },
        },
      },
      security: [{ token: [] }, { aksk: [] }],
    },
  });
  registerAuth(app, services.identity, services.clock);
  registerRateLimit(app, services.config.rateLimit);
  // Cinder's router matches no path that ends in a slash under a project (GET .../volumes/ names
  // no volume): 404, before the router here reads the slash away.
  app.addHook('preValidation', (request, reply, done) => {
    const path = request.url.split('?')[0];
    if (path.endsWith('/') && familyOf(path) === 'cinder' && /^\/v[23]\/[^/]+\/.+\/$/.test(path)) {
      return done(new ApiError('common.0404', `The resource could not be found: ${request.method} ${path}.`));
    }
    done();
  });

  await app.register(versionRoutes(services));
  await app.register(consoleRoutes(options.consoleDir));
  await app.register(opsRoutes(services, metrics));
  await app.register(jobRoutes(services));
  await app.register(backupRoutes(services));
  await app.register(cbrRoutes(services));
  await app.register(storeRoutes(services));
  await app.register(cloudBackupRoutes(services));
  await app.register(policyRunRoutes(services));
  await app.register(policyRoutes(services));
  await app.register(sharingRoutes(services));
  await app.register(volumeRoutes(services));
  await app.register(snapshotRoutes(services));
  await app.register(volumeTransferRoutes(services));
  await app.register(quotaRoutes(services));
  await app.register(computeQuotaRoutes(services));
  await app.register(volumeTypeRoutes(services));
  await app.register(backendAdminRoutes(services));
  await app.register(messageRoutes(services));
  await app.register(identityRoutes(services, { versionDocument: true }), { prefix: '/identity/v3' });
  // Administration is at /identity/v3 only: the root's /v3/users ... are block storage's paths.
  await app.register(identityAdminRoutes(services), { prefix: '/identity/v3' });
  // IAM's access keys live under its v3.0 API, beside Keystone's v3.
  await app.register(credentialRoutes(services), { prefix: '/identity/v3.0' });
  // keystoneauth may post to /v3/auth/tokens at the root; the root's /v3 is block storage's.
  await app.register(identityRoutes(services, { versionDocument: false }), { prefix: '/v3' });
  return app;
}
