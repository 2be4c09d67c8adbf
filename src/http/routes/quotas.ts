import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { parseBoolean } from '../input/listing-query.js';
import { quotaUpdateRequest } from '../input/quota-sets.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import { QuotaClassParams, QuotaParams, QuotaReplies as R, QuotaShowQuery, UpdateQuotaClassBody, UpdateQuotaSetBody } from '../schemas/cinder-quotas.js';
import { limitsView, quotaSet } from '../views/cinder-quotas.js';
import { CINDER_PREFIXES, callerOf, viewContext, type Query } from './cinder-context.js';

type Params = { project_id: string; target_id: string };
type ClassParams = { project_id: string; class_name: string };

/** os-quota-sets (show, usage, defaults, admin update and reset), os-quota-class-sets (admin) and limits, at /v2 and /v3. */
export function quotaRoutes(services: Services): FastifyPluginAsync {
  const negotiate = (request: FastifyRequest, reply: FastifyReply) => viewContext(services.config.publicUrl, request, reply);
  const tags = ['quotas'];
  return async (app) => {
    for (const prefix of CINDER_PREFIXES) {
      app.get<{ Params: Params; Querystring: Query }>(`${prefix}/os-quota-sets/:target_id`, { schema: { tags, summary: "Show a project's quotas", params: QuotaParams, querystring: QuotaShowQuery, response: R.show } }, async (request, reply) => {
        negotiate(request, reply);
        const target = request.params.target_id;
        const usage = request.query.usage !== undefined && parseBoolean('usage', String(request.query.usage));
        const caller = callerOf(request);
        return usage ? quotaSet(await services.quotaSets.showWithUsage(caller, target), target) : quotaSet(await services.quotaSets.show(caller, target), target);
      });
      app.get<{ Params: Params }>(`${prefix}/os-quota-sets/:target_id/defaults`, { schema: { tags, summary: 'Show the default quotas', params: QuotaParams, response: R.limits } }, async (request, reply) => {
        negotiate(request, reply);
        return quotaSet(await services.quotaSets.defaults(callerOf(request), request.params.target_id), request.params.target_id);
      });
      app.put<{ Params: Params }>(`${prefix}/os-quota-sets/:target_id`, { schema: { tags, summary: "Update a project's quotas (admin)", params: QuotaParams, body: UpdateQuotaSetBody, response: R.limits } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        // A member is refused before the body is read: what it holds makes no difference to them.
        services.quotaSets.authorizeChange(caller);
        return quotaSet(await services.quotaSets.update(caller, request.params.target_id, quotaUpdateRequest(request.body)));
      });
      app.delete<{ Params: Params }>(`${prefix}/os-quota-sets/:target_id`, { schema: { tags, summary: "Reset a project's quotas to the defaults (admin)", params: QuotaParams, response: R.reset } }, async (request, reply) => {
        negotiate(request, reply);
        await services.quotaSets.reset(callerOf(request), request.params.target_id);
        return reply.status(200).send();
      });
      app.get<{ Params: ClassParams }>(`${prefix}/os-quota-class-sets/:class_name`, { schema: { tags, summary: "Show a quota class's limits; 'default' holds every project's defaults (admin)", params: QuotaClassParams, response: R.quotaClass } }, async (request, reply) => {
        negotiate(request, reply);
        return { quota_class_set: { id: request.params.class_name, ...(await services.quotaSets.showClass(callerOf(request), request.params.class_name)) } };
      });
      app.put<{ Params: ClassParams }>(`${prefix}/os-quota-class-sets/:class_name`, { schema: { tags, summary: "Update a quota class's limits (admin)", params: QuotaClassParams, body: UpdateQuotaClassBody, response: R.quotaClass } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        services.quotaSets.authorizeChange(caller);
        return { quota_class_set: await services.quotaSets.updateClass(caller, request.params.class_name, quotaUpdateRequest(request.body, 'quota_class_set')) };
      });
      app.get(`${prefix}/limits`, { schema: { tags, summary: "The project's absolute limits and usage", params: ProjectParams, response: R.absolute } }, async (request, reply) => {
        negotiate(request, reply);
        return limitsView(await services.quotaSets.absoluteLimits(callerOf(request)));
      });
    }
  };
}
