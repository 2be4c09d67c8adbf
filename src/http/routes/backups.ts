import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services/container.js';
import { parseListQuery } from '../../services/backups/list-query.js';
import { atLeast, negotiate } from '../microversion.js';
import { backupDetail, backupSummary, nextLinks, type ViewContext } from '../views/cinder-backups.js';

type Params = { project_id: string; backup_id: string };

/** The Cinder-compatible ("native OpenStack") backup routes, at /v2 and /v3. */
export function backupRoutes(services: Services): FastifyPluginAsync {
  const context = (request: FastifyRequest<{ Params: Partial<Params> }>, reply: FastifyReply): ViewContext => ({
    publicUrl: services.config.publicUrl,
    projectId: request.params.project_id!,
    version: negotiate(request, reply),
  });

  return async (app) => {
    for (const prefix of ['/v2/:project_id', '/v3/:project_id']) {
      const listing = (detail: boolean) => async (request: FastifyRequest<{ Params: Params; Querystring: Record<string, unknown> }>, reply: FastifyReply) => {
        const ctx = context(request, reply);
        const v3 = ctx.version.major === 3;
        const q = parseListQuery(request.query, { fuzzy: v3 && atLeast(ctx.version, '3.31'), withCount: v3 && atLeast(ctx.version, '3.45') });
        const page = await services.backupQueries.list(ctx.projectId, q);
        const view = detail ? backupDetail : backupSummary;
        const next = nextLinks(ctx, detail ? 'backups/detail' : 'backups', request.query, page.nextMarker);
        return {
          backups: page.items.map((b) => view(b, ctx)),
          ...(next ? { backups_links: next } : {}),
          ...(q.withCount ? { count: page.total } : {}),
        };
      };
      app.get(`${prefix}/backups`, { schema: { tags: ['backups'], summary: 'List backups (summary)' } }, listing(false));
      app.get(`${prefix}/backups/detail`, { schema: { tags: ['backups'], summary: 'List backups with details' } }, listing(true));
      app.get<{ Params: Params }>(`${prefix}/backups/:backup_id`, { schema: { tags: ['backups'], summary: 'Show a backup' } }, async (request, reply) => {
        const ctx = context(request, reply);
        return { backup: backupDetail(await services.backupQueries.show(ctx.projectId, request.params.backup_id), ctx) };
      });
    }
  };
}
