import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors.js';
import type { Clock } from '../common/clock.js';
import { IdentityError, type IdentityService } from '../services/identity/identity.js';
import { verifySignedRequest } from '../services/identity/aksk.js';
import { canWrite, isCloudAdmin, type Principal } from '../services/identity/roles.js';
import { familyOf } from './families.js';
import { genericCode } from './errors.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function authenticate(request: FastifyRequest, identity: IdentityService, clock: Clock): Promise<Principal> {
  const authorization = header(request, 'authorization');
  try {
    if (authorization?.startsWith('SDK-HMAC-SHA256')) {
      const principal = await verifySignedRequest(
        { method: request.method, url: request.url, headers: request.headers, body: request.rawBody ?? Buffer.alloc(0) },
        (access) => identity.credential(access),
        (signature, expiresAt) => identity.claimSignature(signature, expiresAt),
        clock.now(),
      );
      // X-Project-Id selects the project of a multi-project signature; it may not widen rights.
      const asked = header(request, 'x-project-id');
      if (asked && asked !== principal.projectId && !isCloudAdmin(principal)) {
        throw new ApiError('common.0403', `The access key is not valid for project ${asked}.`);
      }
      return principal;
    }
    const token = header(request, 'x-auth-token');
    if (!token) throw new ApiError(genericCode(familyOf(request.url), 'unauthenticated'), 'The request you have made requires authentication: send X-Auth-Token or an AK/SK signature.');
    return (await identity.validateToken(token)).principal;
  } catch (err) {
    if (err instanceof IdentityError && err.kind === 'unauthorized') {
      const cause = /expired/.test(err.message) ? 'expired' : 'unauthenticated';
      throw new ApiError(genericCode(familyOf(request.url), cause), err.message);
    }
    throw err;
  }
}

/** The caller may act in the project of the path, and may write there. */
async function authorize(request: FastifyRequest, identity: IdentityService): Promise<void> {
  const projectId = (request.params as Record<string, string | undefined>)?.project_id;
  const p = request.principal;
  if (projectId !== undefined) {
    if (!p.projectId) throw new ApiError(genericCode(familyOf(request.url), 'unscoped'), 'The token is not scoped to a project.');
    if (p.projectId !== projectId) {
      if (!isCloudAdmin(p)) throw new ApiError('common.0403', `The credentials are scoped to project ${p.projectId}, not ${projectId}.`);
      if (!(await identity.getProject(projectId))) throw new ApiError('common.0404', `Project ${projectId} does not exist.`);
    }
  }
  if (!READ_METHODS.has(request.method) && !canWrite(p) && !request.routeOptions.config.readerMayWrite) {
    // The code is in the text too: Cinder's envelope carries only the HTTP status as its code.
    throw new ApiError('VolumeBackup.0042', 'VolumeBackup.0042: user role is not allowed for this action: the reader role may only read');
  }
}

/** Every non-public route authenticates its caller and checks project and role. */
export function registerAuth(app: FastifyInstance, identity: IdentityService, clock: Clock): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('preValidation', async (request) => {
    // Unmatched routes fall through to the 404/405 answer; it tells nothing of any project.
    if (!request.routeOptions.url || request.routeOptions.config.public) return;
    request.principal = await authenticate(request, identity, clock);
    await authorize(request, identity);
  });
}
