import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { ApiError } from '../../common/errors.js';
import { MAX_LIMIT } from '../../services/common/listing.js';
import { parseBoolean } from '../input/listing-query.js';
import { parseAcceptTransfer, parseCreateTransfer } from '../input/transfers.js';
import { atLeast } from '../microversion.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import { AcceptTransferBody, CreateTransferBody, CreateTransferBodyV355, TransferListQuery, TransferParams, TransferReplies as R } from '../schemas/cinder-transfers.js';
import { nextPageLinks } from '../views/cinder-links.js';
import { createdTransfer, transferDetail, transferSummary } from '../views/cinder-transfers.js';
import { CINDER_PREFIXES, callerOf, viewContext, type Query } from './cinder-context.js';

type Params = { project_id: string; transfer_id: string };
type Req = FastifyRequest<{ Params: Params; Querystring: Query }>;

function whole(name: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
  if (!/^\d+$/.test(text)) throw new ApiError('common.0400', `${name} param must be an integer`);
  return Number(text);
}

/**
 * Cinder's volume transfers: os-volume-transfer (v2 and v3) and volume-transfers (v3; it takes
 * no_snapshots from 3.55). Both answer with one view, whose fields follow the microversion.
 */
export function volumeTransferRoutes(services: Services): FastifyPluginAsync {
  const ctxOf = (request: FastifyRequest, reply: FastifyReply) => viewContext(services.config.publicUrl, request, reply);
  const tags = ['volume transfers'];

  return async (app) => {
    const paths = [...CINDER_PREFIXES.map((p) => ({ base: `${p}/os-volume-transfer`, newApi: false })), { base: '/v3/:project_id/volume-transfers', newApi: true }];
    for (const { base, newApi } of paths) {
      const listing = (detail: boolean) => async (request: Req, reply: FastifyReply) => {
        const ctx = ctxOf(request, reply);
        const q = request.query;
        const all = q.all_tenants !== undefined && (q.all_tenants === '' || parseBoolean('all_tenants', String(q.all_tenants)));
        const transfers = await services.transfers.list(callerOf(request), { allTenants: all, name: q.name === undefined ? undefined : String(q.name) });
        const offset = whole('offset', q.offset) ?? 0;
        const limit = Math.min(whole('limit', q.limit) ?? MAX_LIMIT, MAX_LIMIT);
        const page = transfers.slice(offset, offset + limit);
        // Cinder links a next page when the limit does not exceed what there was to list.
        const next = page.length && limit <= transfers.length ? nextPageLinks(ctx, 'os-volume-transfer', q, page[page.length - 1].id) : undefined;
        return { transfers: page.map((t) => (detail ? transferDetail(t, ctx) : transferSummary(t, ctx))), ...(next ? { transfers_links: next } : {}) };
      };
      app.get(base, { schema: { tags, summary: 'List volume transfers', params: ProjectParams, querystring: TransferListQuery, response: R.list } }, listing(false));
      app.get(`${base}/detail`, { schema: { tags, summary: 'List volume transfers with details', params: ProjectParams, querystring: TransferListQuery, response: R.detail } }, listing(true));
      app.post<{ Params: Params }>(base, { schema: { tags, summary: 'Offer a volume to another project (returns the auth key once)', params: ProjectParams, body: newApi ? CreateTransferBodyV355 : CreateTransferBody, response: R.created } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        const cmd = parseCreateTransfer(request.body, newApi && atLeast(ctx.version, '3.55'));
        const { transfer, authKey } = await services.transfers.create(callerOf(request), cmd);
        return reply.status(202).send({ transfer: createdTransfer(transfer, authKey, ctx) });
      });
      app.get<{ Params: Params }>(`${base}/:transfer_id`, { schema: { tags, summary: 'Show a volume transfer', params: TransferParams, response: R.one } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        return { transfer: transferDetail(await services.transfers.get(callerOf(request), request.params.transfer_id), ctx) };
      });
      app.post<{ Params: Params }>(`${base}/:transfer_id/accept`, { schema: { tags, summary: 'Accept a volume transfer with its auth key', params: TransferParams, body: AcceptTransferBody, response: R.accepted } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        const t = await services.transfers.accept(callerOf(request), request.params.transfer_id, parseAcceptTransfer(request.body));
        return reply.status(202).send({ transfer: transferSummary(t, ctx) });
      });
      app.delete<{ Params: Params }>(`${base}/:transfer_id`, { schema: { tags, summary: 'Withdraw a volume transfer', params: TransferParams, response: R.deleted } }, async (request, reply) => {
        ctxOf(request, reply);
        await services.transfers.delete(callerOf(request), request.params.transfer_id);
        return reply.status(202).send();
      });
    }
  };
}
