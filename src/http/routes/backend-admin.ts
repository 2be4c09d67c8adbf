import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import { BackendReplies as R, HostParams, HostsQuery, PoolsQuery, ServiceActionBody, ServiceActionParams, ServicesQuery } from '../schemas/cinder-backend.js';
import { serviceActionRequest } from '../input/services.js';
import { booleanOf } from '../input/common.js';
import { capabilitiesView, extensionsView, hostResourceView, hostView, serviceView } from '../views/cinder-backend.js';
import { CINDER_PREFIXES, callerOf, viewContext } from './cinder-context.js';

type Params = { project_id: string; action: string; host: string };
type Query = Record<string, string | undefined>;

/** os-services, os-hosts, scheduler-stats pools, capabilities, availability zones and extensions, at /v2 and /v3. */
export function backendAdminRoutes(services: Services): FastifyPluginAsync {
  const { serviceRegistry: registry, backendQueries: backend } = services;
  const ctxOf = (request: FastifyRequest, reply: FastifyReply) => viewContext(services.config.publicUrl, request, reply);
  const tags = ['back end'];
  return async (app) => {
    for (const prefix of CINDER_PREFIXES) {
      app.get<{ Params: Params; Querystring: Query }>(`${prefix}/os-services`, { schema: { tags, summary: 'List services (admin)', params: ProjectParams, querystring: ServicesQuery, response: R.services } }, async (request, reply) => {
        const ctx = ctxOf(request, reply);
        const list = await registry.list(callerOf(request), { host: request.query.host, binary: request.query.binary });
        const volume = list.find((s) => s.binary === 'cinder-volume');
        return { services: list.map((s) => serviceView(s, ctx, volume && volume.up ? 'up' : 'down')) };
      });
      app.put<{ Params: Params }>(`${prefix}/os-services/:action`, { schema: { tags, summary: 'Enable, disable, freeze or thaw a service (admin)', params: ServiceActionParams, body: ServiceActionBody, response: R.serviceChange } }, async (request, reply) => {
        ctxOf(request, reply);
        const caller = callerOf(request);
        const req = serviceActionRequest(request.params.action, request.body);
        if (req.action === 'freeze' || req.action === 'thaw') {
          await registry.setFrozen(caller, req.host, req.action === 'freeze');
          return reply.status(200).send();
        }
        const s = await registry.setEnabled(caller, req.host, req.binary, req.action === 'enable', req.reason);
        const answer = { host: req.host, service: req.service, binary: req.binaryField, status: s.disabled ? ('disabled' as const) : ('enabled' as const), disabled: s.disabled };
        if (req.action === 'enable') return { ...answer, disabled_reason: s.disabledReason };
        if (req.action === 'disable-log-reason') return { ...answer, disabled_reason: req.reason ?? null };
        return answer;
      });

      app.get<{ Params: Params; Querystring: Query }>(`${prefix}/os-hosts`, { schema: { tags, summary: 'List the hosts of the services (admin)', params: ProjectParams, querystring: HostsQuery, response: R.hosts } }, async (request, reply) => {
        ctxOf(request, reply);
        return { hosts: (await backend.hosts(callerOf(request), request.query.zone)).map(hostView) };
      });
      app.get<{ Params: Params }>(`${prefix}/os-hosts/:host`, { schema: { tags, summary: 'What a volume host holds, in total and per project (admin)', params: HostParams, response: R.host } }, async (request, reply) => {
        ctxOf(request, reply);
        return { host: (await backend.host(callerOf(request), request.params.host)).map(hostResourceView) };
      });

      app.get<{ Params: Params; Querystring: Query }>(`${prefix}/scheduler-stats/get_pools`, { schema: { tags, summary: "List the back end's pools, with detail=true their capacity (admin)", params: ProjectParams, querystring: PoolsQuery, response: R.pools } }, async (request, reply) => {
        ctxOf(request, reply);
        const detail = request.query.detail !== undefined && booleanOf(request.query.detail, 'detail');
        const pools = await backend.pools(callerOf(request), { name: request.query.name, backendName: request.query.volume_backend_name });
        return { pools: pools.map((p) => (detail ? p : { name: p.name })) };
      });
      app.get<{ Params: Params }>(`${prefix}/capabilities/:host`, { schema: { tags, summary: 'Show what the back end of a host offers (admin)', params: HostParams, response: R.capabilities } }, async (request, reply) => {
        ctxOf(request, reply);
        return capabilitiesView(request.params.host, await backend.capabilities(callerOf(request), request.params.host));
      });

      app.get(`${prefix}/os-availability-zone`, { schema: { tags, summary: 'List the availability zones', params: ProjectParams, response: R.zones } }, async (request, reply) => {
        ctxOf(request, reply);
        return { availabilityZoneInfo: (await backend.zones()).map((z) => ({ zoneName: z.name, zoneState: { available: z.available } })) };
      });
      app.get(`${prefix}/extensions`, { schema: { tags, summary: 'List the Cinder extensions this service implements', params: ProjectParams, response: R.extensions } }, async (request, reply) => {
        ctxOf(request, reply);
        return extensionsView();
      });
    }
  };
}

