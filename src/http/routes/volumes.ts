import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { VOLUME_LISTING, volumeNotFound } from '../../services/volumes/volume-service.js';
import { parseBoolean } from '../input/listing-query.js';
import { VOLUME_ACTION_STATUS, parseCreateVolume, parseMetaItem, parseMetadataBody, parseVolumeAction, parseVolumeChanges } from '../input/volumes.js';
import { atLeast } from '../microversion.js';
import type { Volume } from '../../services/volumes/volume-records.js';
import { nextPageLinks, type CinderViewContext } from '../views/cinder-links.js';
import { volumeDetail, volumeSummary } from '../views/cinder-volumes.js';
import { CINDER_PREFIXES, callerOf, listingQuery, viewContext, type Query } from './cinder-context.js';
import { ListingQuery, MetaItemBody, MetadataBody, ProjectParams } from '../schemas/cinder-common.js';
import { CreateVolumeBody, SummaryQuery, UpdateVolumeBody, VolumeActionBody, VolumeItemParams, VolumeParams, VolumeReplies as R } from '../schemas/cinder-volumes.js';

type Params = { project_id: string; volume_id: string; key: string };
type Req = FastifyRequest<{ Params: Params; Querystring: Query }>;

/** Cinder-compatible volumes, their actions and metadata, at /v2 and /v3. */
export function volumeRoutes(services: Services): FastifyPluginAsync {
  const ctxOf = (request: FastifyRequest, reply: FastifyReply) => viewContext(services.config.publicUrl, request, reply);
  const tags = ['volumes'];

  return async (app) => {
    for (const prefix of CINDER_PREFIXES) {
      const listing = (detail: boolean) => async (request: Req, reply: FastifyReply) => {
        const ctx = ctxOf(request, reply);
        const q = listingQuery(request, ctx, VOLUME_LISTING);
        const page = await services.volumes.list(callerOf(request), q);
        const view = detail ? (v: Volume, c: CinderViewContext) => volumeDetail(v, c, true) : volumeSummary;
        const next = nextPageLinks(ctx, detail ? 'volumes/detail' : 'volumes', request.query, page.nextMarker);
        return {
          volumes: page.items.map((v) => view(v, ctx)),
          ...(next ? { volumes_links: next } : {}),
          ...(q.withCount ? { count: page.total } : {}),
        };
      };
      app.get(`${prefix}/volumes`, { schema: { tags, summary: 'List volumes (summary)', params: ProjectParams, querystring: ListingQuery, response: R.list } }, listing(false));
      if (prefix.startsWith('/v3')) {
        // A static segment: the router tries it before /volumes/:volume_id, whatever the order here.
        app.get<{ Params: Params; Querystring: Query }>(`${prefix}/volumes/summary`, { schema: { tags, summary: 'Count and size of the volumes, their metadata (3.12; metadata 3.36)', params: ProjectParams, querystring: SummaryQuery, response: R.summary } }, async (request, reply) => {
          const ctx = ctxOf(request, reply);
          // Below 3.12 Cinder reads "summary" as a volume id, which no volume has.
          if (!atLeast(ctx.version, '3.12')) throw volumeNotFound('summary');
          const allTenants = request.query.all_tenants !== undefined && (request.query.all_tenants === '' || parseBoolean('all_tenants', String(request.query.all_tenants)));
          const s = await services.volumes.summary(callerOf(request), allTenants);
          return { 'volume-summary': { total_count: s.totalCount, total_size: s.totalSize, ...(atLeast(ctx.version, '3.36') ? { metadata: s.metadata } : {}) } };
        });
      }
      app.get(`${prefix}/volumes/detail`, { schema: { tags, summary: 'List volumes with details', params: ProjectParams, querystring: ListingQuery, response: R.detail } }, listing(true));
      app.post<{ Params: Params }>(`${prefix}/volumes`, { schema: { tags, summary: 'Create a volume', params: ProjectParams, body: CreateVolumeBody, response: R.created } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        const v3 = ctx.version.major === 3;
        const cmd = parseCreateVolume(request.body, { fromBackup: v3 && atLeast(ctx.version, '3.47'), onlyKnownFields: v3 && atLeast(ctx.version, '3.53') });
        const v = await services.volumes.create(callerOf(request), cmd);
        return reply.status(202).send({ volume: volumeDetail(v, ctx) });
      });
      app.get<{ Params: Params }>(`${prefix}/volumes/:volume_id`, { schema: { tags, summary: 'Show a volume', params: VolumeParams, response: R.one } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        return { volume: volumeDetail(await services.volumes.get(callerOf(request), request.params.volume_id), ctx, true) };
      });
      app.put<{ Params: Params }>(`${prefix}/volumes/:volume_id`, { schema: { tags, summary: 'Update a volume', params: VolumeParams, body: UpdateVolumeBody, response: R.one } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        return { volume: volumeDetail(await services.volumes.update(callerOf(request), request.params.volume_id, parseVolumeChanges(request.body)), ctx) };
      });
      app.delete<{ Params: Params; Querystring: Query }>(`${prefix}/volumes/:volume_id`, { schema: { tags, summary: 'Delete a volume', params: VolumeParams, response: R.accepted } }, async (request, reply) => {
        ctxOf(request, reply);
        const cascade = request.query.cascade !== undefined && parseBoolean('cascade', String(request.query.cascade));
        await services.volumes.delete(callerOf(request), request.params.volume_id, cascade);
        return reply.status(202).send();
      });
      app.post<{ Params: Params }>(`${prefix}/volumes/:volume_id/action`, { schema: { tags, summary: 'Act on a volume (os-extend, os-attach ...)', params: VolumeParams, body: VolumeActionBody, response: R.action } }, async (request, reply) => {
        ctxOf(request, reply);
        const action = parseVolumeAction(request.body);
        await services.volumes.act(callerOf(request), request.params.volume_id, action);
        return reply.status(VOLUME_ACTION_STATUS[action.kind]).send();
      });

      app.get<{ Params: Params }>(`${prefix}/volumes/:volume_id/metadata`, { schema: { tags, summary: "Show a volume's metadata", params: VolumeParams, response: R.metadata } }, async (request, reply) => {
        ctxOf(request, reply);
        return { metadata: await services.volumes.metadata(callerOf(request), request.params.volume_id) };
      });
      app.post<{ Params: Params }>(`${prefix}/volumes/:volume_id/metadata`, { schema: { tags, summary: "Add to a volume's metadata", params: VolumeParams, body: MetadataBody, response: R.metadata } }, async (request, reply) => {
        ctxOf(request, reply);
        return { metadata: await services.volumes.setMetadata(callerOf(request), request.params.volume_id, parseMetadataBody(request.body), false) };
      });
      app.put<{ Params: Params }>(`${prefix}/volumes/:volume_id/metadata`, { schema: { tags, summary: "Replace a volume's metadata", params: VolumeParams, body: MetadataBody, response: R.metadata } }, async (request, reply) => {
        ctxOf(request, reply);
        return { metadata: await services.volumes.setMetadata(callerOf(request), request.params.volume_id, parseMetadataBody(request.body), true) };
      });
      app.get<{ Params: Params }>(`${prefix}/volumes/:volume_id/metadata/:key`, { schema: { tags, summary: 'Show one metadata item', params: VolumeItemParams, response: R.metaItem } }, async (request, reply) => {
        ctxOf(request, reply);
        return { meta: await services.volumes.metadataItem(callerOf(request), request.params.volume_id, request.params.key) };
      });
      app.put<{ Params: Params }>(`${prefix}/volumes/:volume_id/metadata/:key`, { schema: { tags, summary: 'Set one metadata item', params: VolumeItemParams, body: MetaItemBody, response: R.metaItem } }, async (request, reply) => {
        ctxOf(request, reply);
        return { meta: await services.volumes.setMetadataItem(callerOf(request), request.params.volume_id, parseMetaItem(request.body, request.params.key)) };
      });
      app.delete<{ Params: Params }>(`${prefix}/volumes/:volume_id/metadata/:key`, { schema: { tags, summary: 'Delete one metadata item', params: VolumeItemParams, response: R.deleted } }, async (request, reply) => {
        ctxOf(request, reply);
        await services.volumes.deleteMetadataItem(callerOf(request), request.params.volume_id, request.params.key);
        return reply.status(200).send();
      });
    }
  };
}
