import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import { policyIdOf } from '../input/autobackup.js';
import { associationOf, createPolicyOf, disassociationOf, updatePolicyOf } from '../input/policies.js';
import { tagBatchOf, tagKeyOf, tagOf, tagQueryOf } from '../input/policy-tags.js';
import {
  AddTagBody, AssociateBody, CreatePolicyBody, DisassociateBody, PolicyParams, PolicyReplies as R, PolicyTagParams, ProjectParams, TagBatchBody, TagQueryBody, UpdatePolicyBody,
} from '../schemas/policies.js';
import { associationView, disassociationView, policyView, tagQueryView, tagsView } from '../views/policies.js';
import { callerOf } from './cinder-context.js';

type Params = { project_id: string; policy_id: string; key: string };

/**
 * Backup policy records, their volumes and their tags (/v2/{project_id}/backuppolicy...). Where
 * a request has both a path id and a body, they are read in the order the API always checked them.
 */
export function policyRoutes(services: Services): FastifyPluginAsync {
  const { policies, policyTags } = services;
  const tags = ['backup policies'];
  return async (app) => {
    const base = '/v2/:project_id/backuppolicy';
    app.post(base, { schema: { tags, summary: 'Create a backup policy', params: ProjectParams, body: CreatePolicyBody, response: R.id } }, async (request) => {
      const policy = await policies.create(callerOf(request), createPolicyOf(request.body));
      return { backup_policy_id: policy.id };
    });
    app.get(base, { schema: { tags, summary: 'List the backup policies of the project', params: ProjectParams, response: R.list } }, async (request) => {
      return { backup_policies: (await policies.list(callerOf(request))).map(policyView) };
    });
    app.put<{ Params: Params }>(`${base}/:policy_id`, { schema: { tags, summary: 'Modify a backup policy', params: PolicyParams, body: UpdatePolicyBody, response: R.id } }, async (request) => {
      const id = policyIdOf(request.params.policy_id);
      const policy = await policies.update(callerOf(request), id, updatePolicyOf(request.body));
      return { backup_policy_id: policy.id };
    });
    app.delete<{ Params: Params }>(`${base}/:policy_id`, { schema: { tags, summary: 'Delete a backup policy', params: PolicyParams, response: R.noContent } }, async (request, reply) => {
      await policies.delete(callerOf(request), policyIdOf(request.params.policy_id));
      return reply.status(204).send();
    });

    app.post('/v2/:project_id/backuppolicyresources', { schema: { tags, summary: 'Associate volumes with a backup policy', params: ProjectParams, body: AssociateBody, response: R.associated } }, async (request) => {
      const { policyId, resources } = associationOf(request.body);
      return associationView(await policies.associate(callerOf(request), policyId, resources));
    });
    app.post<{ Params: Params }>(
      '/v2/:project_id/backuppolicyresources/:policy_id/deleted_resources',
      { schema: { tags, summary: 'Disassociate volumes from a backup policy', params: PolicyParams, body: DisassociateBody, response: R.disassociated } },
      async (request) => {
        const id = policyIdOf(request.params.policy_id);
        return disassociationView(await policies.disassociate(callerOf(request), id, disassociationOf(request.body)));
      },
    );

    app.get(`${base}/tags`, { schema: { tags, summary: 'Every tag of the project\'s backup policies', params: ProjectParams, response: R.projectTags } }, async (request) => {
      return { tags: await policyTags.projectTags(callerOf(request)) };
    });
    // A query sent as a POST: it writes nothing, so readers may send it.
    app.post(`${base}/resource_instances/action`, { config: { readerMayWrite: true }, schema: { tags, summary: 'Find or count backup policies by tags', params: ProjectParams, body: TagQueryBody, response: R.tagQuery } }, async (request) => {
      return tagQueryView(await policyTags.query(callerOf(request), tagQueryOf(request.body)));
    });
    app.get<{ Params: Params }>(`${base}/:policy_id/tags`, { schema: { tags, summary: 'Tags of a backup policy', params: PolicyParams, response: R.tags } }, async (request) => {
      return { tags: tagsView(await policyTags.list(callerOf(request), policyIdOf(request.params.policy_id))) };
    });
    app.post<{ Params: Params }>(`${base}/:policy_id/tags`, { schema: { tags, summary: 'Add a tag to a backup policy', params: PolicyParams, body: AddTagBody, response: R.noContent } }, async (request, reply) => {
      const tag = tagOf(request.body);
      await policyTags.add(callerOf(request), policyIdOf(request.params.policy_id), tag);
      return reply.status(204).send();
    });
    app.post<{ Params: Params }>(`${base}/:policy_id/tags/action`, { schema: { tags, summary: 'Create, update or delete tags of a backup policy', params: PolicyParams, body: TagBatchBody, response: R.noContent } }, async (request, reply) => {
      const batch = tagBatchOf(request.body);
      await policyTags.batch(callerOf(request), policyIdOf(request.params.policy_id), batch);
      return reply.status(204).send();
    });
    app.delete<{ Params: Params }>(`${base}/:policy_id/tags/:key`, { schema: { tags, summary: 'Remove a tag from a backup policy', params: PolicyTagParams, response: R.noContent } }, async (request, reply) => {
      const key = tagKeyOf(request.params.key);
      await policyTags.remove(callerOf(request), policyIdOf(request.params.policy_id), key);
      return reply.status(204).send();
    });
  };
}
