import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import { parseCbrQuery } from '../input/cbr-query.js';
import { CbrListQuery, CbrReplies } from '../schemas/cbr.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import { cbrBackupView } from '../views/cbr-backups.js';

/** CBR-style backup listing; mounted under /cbr because Cinder owns GET /v3/{project_id}/backups. */
export function cbrRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { project_id: string }; Querystring: Record<string, unknown> }>(
      '/cbr/v3/:project_id/backups',
      { schema: { tags: ['cbr'], summary: 'Query all backups (CBR style)', params: ProjectParams, querystring: CbrListQuery, response: CbrReplies.list } },
      async (request) => {
        const q = parseCbrQuery(request.query);
        const { items, total } = await services.cbrListing.list(request.params.project_id, q);
        return { backups: items.map(cbrBackupView), count: total, offset: q.offset, limit: q.limit };
      },
    );
  };
}
