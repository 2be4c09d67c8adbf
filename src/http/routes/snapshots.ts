import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { SNAPSHOT_LISTING } from '../../services/volumes/snapshot-service.js';
import { parseCreateSnapshot, parseSnapshotAction, parseSnapshotChanges } from '../input/snapshots.js';
import { parseMetaItem, parseMetadataBody } from '../input/volumes.js';
import { nextPageLinks } from '../views/cinder-links.js';
import { snapshotDetail, snapshotExtended, snapshotSummary } from '../views/cinder-snapshots.js';
import { CINDER_PREFIXES, callerOf, listingQuery, viewContext, type Query } from './cinder-context.js';
import { MetaItemBody, MetadataBody, ProjectParams } from '../schemas/cinder-common.js';
import { CreateSnapshotBody, SnapshotActionBody, SnapshotItemParams, SnapshotListingQuery, SnapshotParams, SnapshotReplies as R, UpdateSnapshotBody } from '../schemas/cinder-snapshots.js';

type Params = { project_id: string; snapshot_id: string; key: string };
type Req = FastifyRequest<{ Params: Params; Querystring: Query }>;

/** Cinder-compatible volume snapshots and their metadata, at /v2 and /v3. */
export function snapshotRoutes(services: Services): FastifyPluginAsync {
  const ctxOf = (request: FastifyRequest, reply: FastifyReply) => viewContext(services.config.publicUrl, request, reply);
  const tags = ['snapshots'];

  return async (app) => {
    for (const prefix of CINDER_PREFIXES) {
      const listing = (detail: boolean) => async (request: Req, reply: FastifyReply) => {
        const ctx = ctxOf(request, reply);
        const q = listingQuery(request, ctx, SNAPSHOT_LISTING);
        const page = await services.snapshots.list(callerOf(request), q);
        const next = nextPageLinks(ctx, detail ? 'snapshots/detail' : 'snapshots', request.query, page.nextMarker);
        return {
          snapshots: page.items.map((s) => (detail ? snapshotExtended(s, ctx) : snapshotSummary(s))),
          ...(next ? { snapshots_links: next } : {}),
          ...(q.withCount ? { count: page.total } : {}),
        };
      };
      app.get(`${prefix}/snapshots`, { schema: { tags, summary: 'List snapshots', params: ProjectParams, querystring: SnapshotListingQuery, response: R.list } }, listing(false));
      app.get(`${prefix}/snapshots/detail`, { schema: { tags, summary: 'List snapshots with details', params: ProjectParams, querystring: SnapshotListingQuery, response: R.detail } }, listing(true));
      app.post<{ Params: Params }>(`${prefix}/snapshots`, { schema: { tags, summary: 'Take a snapshot of a volume', params: ProjectParams, body: CreateSnapshotBody, response: R.created } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        const s = await services.snapshots.create(callerOf(request), parseCreateSnapshot(request.body));
        return reply.status(202).send({ snapshot: snapshotDetail(s, ctx) });
      });
      app.get<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id`, { schema: { tags, summary: 'Show a snapshot', params: SnapshotParams, response: R.one } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        return { snapshot: snapshotExtended(await services.snapshots.get(callerOf(request), request.params.snapshot_id), ctx) };
      });
      app.put<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id`, { schema: { tags, summary: 'Update a snapshot', params: SnapshotParams, body: UpdateSnapshotBody, response: R.updated } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        return { snapshot: snapshotDetail(await services.snapshots.update(callerOf(request), request.params.snapshot_id, parseSnapshotChanges(request.body)), ctx) };
      });
      app.delete<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id`, { schema: { tags, summary: 'Delete a snapshot', params: SnapshotParams, response: R.accepted } }, async (request, reply) => {
        ctxOf(request, reply);
        await services.snapshots.delete(callerOf(request), request.params.snapshot_id);
        return reply.status(202).send();
      });
      app.post<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id/action`, { schema: { tags, summary: 'Reset the status of or force-delete a snapshot (admin), or update its status and progress', params: SnapshotParams, body: SnapshotActionBody, response: R.accepted } }, async (request, reply) => {
        ctxOf(request, reply);
        await services.snapshots.act(callerOf(request), request.params.snapshot_id, parseSnapshotAction(request.body));
        return reply.status(202).send();
      });
      app.get<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id/metadata`, { schema: { tags, summary: "Show a snapshot's metadata", params: SnapshotParams, response: R.metadata } }, async (request, reply) => {
        ctxOf(request, reply);
        return { metadata: (await services.snapshots.get(callerOf(request), request.params.snapshot_id)).metadata };
      });
      app.post<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id/metadata`, { schema: { tags, summary: "Add to a snapshot's metadata", params: SnapshotParams, body: MetadataBody, response: R.metadata } }, async (request, reply) => {
        ctxOf(request, reply);
        return { metadata: await services.snapshots.setMetadata(callerOf(request), request.params.snapshot_id, parseMetadataBody(request.body), false) };
      });
      app.put<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id/metadata`, { schema: { tags, summary: "Replace a snapshot's metadata", params: SnapshotParams, body: MetadataBody, response: R.metadata } }, async (request, reply) => {
        ctxOf(request, reply);
        return { metadata: await services.snapshots.setMetadata(callerOf(request), request.params.snapshot_id, parseMetadataBody(request.body), true) };
      });
      app.get<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id/metadata/:key`, { schema: { tags, summary: 'Show one snapshot metadata item', params: SnapshotItemParams, response: R.metaItem } }, async (request, reply) => {
        ctxOf(request, reply);
        return { meta: await services.snapshots.metadataItem(callerOf(request), request.params.snapshot_id, request.params.key) };
      });
      app.put<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id/metadata/:key`, { schema: { tags, summary: 'Set one snapshot metadata item', params: SnapshotItemParams, body: MetaItemBody, response: R.metaItem } }, async (request, reply) => {
        ctxOf(request, reply);
        return { meta: await services.snapshots.setMetadataItem(callerOf(request), request.params.snapshot_id, parseMetaItem(request.body, request.params.key)) };
      });
      app.delete<{ Params: Params }>(`${prefix}/snapshots/:snapshot_id/metadata/:key`, { schema: { tags, summary: 'Delete one snapshot metadata item', params: SnapshotItemParams, response: R.deleted } }, async (request, reply) => {
        ctxOf(request, reply);
        await services.snapshots.deleteMetadataItem(callerOf(request), request.params.snapshot_id, request.params.key);
        return reply.status(200).send();
      });
    }
  };
}
