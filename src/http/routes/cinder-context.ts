import type { FastifyReply, FastifyRequest } from 'fastify';
import { isCloudAdmin } from '../../services/identity/roles.js';
import type { Caller } from '../../services/common/caller.js';
import { atLeast, negotiate } from '../microversion.js';
import type { CinderViewContext } from '../views/cinder-links.js';
import type { ResourceQuery, ResourceSortKey } from '../../services/common/listing.js';
import { parseResourceQuery } from '../input/listing-query.js';

export const CINDER_PREFIXES = ['/v2/:project_id', '/v3/:project_id'] as const;

export type ProjectParams = { project_id: string };
export type Query = Record<string, unknown>;

/** Who acts in which project, from the authenticated principal and the path. */
export function callerOf(request: FastifyRequest): Caller {
  const p = request.principal;
  return { projectId: (request.params as ProjectParams).project_id, userId: p.userId, admin: isCloudAdmin(p) };
}

/** The microversion (negotiated and echoed on /v3) and what views need to render. */
export function viewContext(publicUrl: string, request: FastifyRequest, reply: FastifyReply): CinderViewContext {
  return { publicUrl, projectId: (request.params as ProjectParams).project_id, version: negotiate(request, reply), admin: isCloudAdmin(request.principal) };
}

/**
 * A listing's query checked into a ResourceQuery: fuzzy filters (3.34; backups' 3.31) and
 * with_count (3.45) exist on v3 only; all_tenants only for administrators.
 */
export function listingQuery(
  request: FastifyRequest,
  ctx: CinderViewContext,
  listing: { filters: readonly string[]; sortKeys: readonly ResourceSortKey[] },
  fuzzySince: `3.${number}` = '3.34',
): ResourceQuery {
  const v3 = ctx.version.major === 3;
  return parseResourceQuery(request.query as Query, {
    ...listing,
    fuzzy: v3 && atLeast(ctx.version, fuzzySince),
    withCount: v3 && atLeast(ctx.version, '3.45'),
    admin: isCloudAdmin(request.principal),
  });
}
