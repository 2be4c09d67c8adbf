import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import { cancelShareRequest, shareQuery, shareRequest } from '../input/shares.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import { CancelShareQuery, ShareBody, ShareParams, ShareListQuery, ShareReplies as R } from '../schemas/sharing.js';
import { newShareView, shareDetail } from '../views/share.js';
import { callerOf, type Query } from './cinder-context.js';

type Params = { project_id: string; share_id: string };
const tags = ['sharing'];

/** Backup sharing between projects (VBS family). */
export function sharingRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    const base = '/v2/:project_id/os-vendor-backup-sharing';
    app.post(base, { schema: { tags, summary: 'Share a backup with other projects', params: ProjectParams, body: ShareBody, response: R.created } }, async (request) => {
      const shares = await services.sharing.share(callerOf(request), shareRequest(request.body));
      return { shared: shares.map(newShareView) };
    });
    app.get<{ Querystring: Query }>(`${base}/detail`, { schema: { tags, summary: 'List backup shares with their backups', params: ProjectParams, querystring: ShareListQuery, response: R.list } }, async (request) => {
      const page = await services.sharing.list(callerOf(request), shareQuery(request.query));
      return { shared: page.items.map(shareDetail) };
    });
    app.get<{ Querystring: Query }>(`${base}/count`, { schema: { tags, summary: 'Count backup shares', params: ProjectParams, querystring: ShareListQuery, response: R.count } }, async (request) => {
      return { count: await services.sharing.count(callerOf(request), shareQuery(request.query)) };
    });
    app.get<{ Params: Params }>(`${base}/:share_id`, { schema: { tags, summary: 'Show a backup share', params: ShareParams, response: R.one } }, async (request) => {
      return { shared: shareDetail(await services.sharing.show(callerOf(request), request.params.share_id)) };
    });
    app.delete<{ Params: Params; Querystring: Query }>(
      `${base}/:share_id`,
      { schema: { tags, summary: 'Cancel a backup share (or, with is_backup_id=true, every share of a backup)', params: ShareParams, querystring: CancelShareQuery, response: R.cancelled } },
      async (request, reply) => {
        await services.sharing.cancel(callerOf(request), cancelShareRequest(request.params.share_id, request.query));
        return reply.status(200).send();
      },
    );
  };
}
