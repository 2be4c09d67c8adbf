import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAdmin } from '../../services/identity/roles.js';
import type { Caller } from '../../services/common/caller.js';
import { atLeast, negotiate } from '../microversion.js';
import type { CinderViewContext } from '../views/cinder-links.js';

export const CINDER_PREFIXES = ['/v2/:project_id', '/v3/:project_id'] as const;

export type ProjectParams = { project_id: string };
export type Query = Record<string, unknown>;

/** Who acts in which project, from the authenticated principal and the path. */
export function callerOf(request: FastifyRequest): Caller {
  const p = request.principal;
  return { projectId: (request.params as ProjectParams).project_id, userId: p.userId, admin: isAdmin(p) };
}

/** The microversion (negotiated and echoed on /v3) and what views need to render. */
export function viewContext(publicUrl: string, request: FastifyRequest, reply: FastifyReply): CinderViewContext {
  return { publicUrl, projectId: (request.params as ProjectParams).project_id, version: negotiate(request, reply) };
}

/** List features by microversion: fuzzy filters (3.34) and with_count (3.45) exist on v3 only. */
export function listFeatures(ctx: CinderViewContext) {
  const v3 = ctx.version.major === 3;
  return { fuzzy: v3 && atLeast(ctx.version, '3.34'), withCount: v3 && atLeast(ctx.version, '3.45') };
}
