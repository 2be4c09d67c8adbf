import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import { policyView, resourceOutcomesView, tagQueryView, tagsView } from '../views/policies.js';
import { callerOf } from './cinder-context.js';

type Params = { project_id: string; policy_id: string; key: string };

/** Backup policy records, their volumes and their tags (/v2/{project_id}/backuppolicy...). */
export function policyRoutes(services: Services): FastifyPluginAsync {
  const { policies, policyTags } = services;
  const tags = ['backup policies'];
  return async (app) => {
    const base = '/v2/:project_id/backuppolicy';
    app.post(base, { schema: { tags, summary: 'Create a backup policy' } }, async (request) => {
      const policy = await policies.create(callerOf(request), request.body);
      return { backup_policy_id: policy.id };
    });
    app.get(base, { schema: { tags, summary: 'List the backup policies of the project' } }, async (request) => {
      return { backup_policies: (await policies.list(callerOf(request))).map(policyView) };
    });
    app.put<{ Params: Params }>(`${base}/:policy_id`, { schema: { tags, summary: 'Modify a backup policy' } }, async (request) => {
      const policy = await policies.update(callerOf(request), request.params.policy_id, request.body);
      return { backup_policy_id: policy.id };
    });
    app.delete<{ Params: Params }>(`${base}/:policy_id`, { schema: { tags, summary: 'Delete a backup policy' } }, async (request, reply) => {
      await policies.delete(callerOf(request), request.params.policy_id);
      return reply.status(204).send();
    });

    app.post('/v2/:project_id/backuppolicyresources', { schema: { tags, summary: 'Associate volumes with a backup policy' } }, async (request) => {
      return resourceOutcomesView(await policies.associate(callerOf(request), request.body), true);
    });
    app.post<{ Params: Params }>(
      '/v2/:project_id/backuppolicyresources/:policy_id/deleted_resources',
      { schema: { tags, summary: 'Disassociate volumes from a backup policy' } },
      async (request) => resourceOutcomesView(await policies.disassociate(callerOf(request), request.params.policy_id, request.body), false),
    );

    app.get(`${base}/tags`, { schema: { tags, summary: 'Every tag of the project\'s backup policies' } }, async (request) => {
      return { tags: await policyTags.projectTags(callerOf(request)) };
    });
    // A query sent as a POST: it writes nothing, so readers may send it.
    app.post(`${base}/resource_instances/action`, { config: { readerMayWrite: true }, schema: { tags, summary: 'Find or count backup policies by tags' } }, async (request) => {
      return tagQueryView(await policyTags.query(callerOf(request), request.body));
    });
    app.get<{ Params: Params }>(`${base}/:policy_id/tags`, { schema: { tags, summary: 'Tags of a backup policy' } }, async (request) => {
      return { tags: tagsView(await policyTags.list(callerOf(request), request.params.policy_id)) };
    });
    app.post<{ Params: Params }>(`${base}/:policy_id/tags`, { schema: { tags, summary: 'Add a tag to a backup policy' } }, async (request, reply) => {
      await policyTags.add(callerOf(request), request.params.policy_id, request.body);
      return reply.status(204).send();
    });
    app.post<{ Params: Params }>(`${base}/:policy_id/tags/action`, { schema: { tags, summary: 'Create, update or delete tags of a backup policy' } }, async (request, reply) => {
      await policyTags.batch(callerOf(request), request.params.policy_id, request.body);
      return reply.status(204).send();
    });
    app.delete<{ Params: Params }>(`${base}/:policy_id/tags/:key`, { schema: { tags, summary: 'Remove a tag from a backup policy' } }, async (request, reply) => {
      await policyTags.remove(callerOf(request), request.params.policy_id, request.params.key);
      return reply.status(204).send();
    });
  };
}
