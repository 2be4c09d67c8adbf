import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { isCloudAdmin } from '../../services/identity/roles.js';
import type { Caller } from '../../services/common/caller.js';
import { ComputeQuotaParams, QuotaReplies } from '../schemas/cinder-quotas.js';

/** Where clouds.yaml points openstackclient's compute client. */
export const COMPUTE_QUOTA_PREFIX = '/compute/v2.1';

type Params = { target_id: string };

function callerOf(request: FastifyRequest): Caller {
  const p = request.principal;
  return { projectId: p.projectId ?? '', userId: p.userId, admin: isCloudAdmin(p) };
}

/**
 * openstackclient 6.0's `quota show` asks the compute service before the volume service and
 * fails when there is none. This service runs no servers, so its compute quota set is empty:
 * the client then shows the volume and backup quotas alone. It is not in the catalogue, so no
 * other client mistakes this service for a compute service.
 */
export function computeQuotaRoutes(services: Services): FastifyPluginAsync {
  const schema = { tags: ['quotas'], summary: 'The empty compute quota set openstackclient reads before the volume quotas', params: ComputeQuotaParams, response: QuotaReplies.compute };
  return async (app) => {
    for (const suffix of ['', '/detail', '/defaults']) {
      app.get<{ Params: Params }>(`${COMPUTE_QUOTA_PREFIX}/os-quota-sets/:target_id${suffix}`, { schema }, async (request) => {
        // The same rule as the volume quotas: one's own project, or any as an administrator.
        await services.quotaSets.show(callerOf(request), request.params.target_id);
        return { quota_set: { id: request.params.target_id } };
      });
    }
  };
}
