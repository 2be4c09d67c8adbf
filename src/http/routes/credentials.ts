import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { isCloudAdmin } from '../../services/identity/roles.js';
import type { CredentialCaller } from '../../services/identity/credentials.js';
import { parseCredentialCreate, parseCredentialUpdate, parseCredentialsQuery } from '../input/credentials.js';
import { CredentialCreateBody, CredentialParams, CredentialReplies as R, CredentialUpdateBody, CredentialsQuery } from '../schemas/credentials.js';
import { createdCredentialView, credentialView } from '../views/credentials.js';

type Access = { access: string };

function callerOf(request: FastifyRequest): CredentialCaller {
  return { userId: request.principal.userId, admin: isCloudAdmin(request.principal) };
}

/**
 * Huawei Cloud IAM's permanent access keys, at /identity/v3.0/OS-CREDENTIAL/credentials: a user
 * manages its own keys whatever its role (readerMayWrite), a cloud administrator anyone's.
 */
export function credentialRoutes(services: Services): FastifyPluginAsync {
  const keys = services.identity.credentials;
  return async (app) => {
    const tags = ['identity'];
    const write = { config: { readerMayWrite: true } };
    const base = '/OS-CREDENTIAL/credentials';

    app.post(base, { ...write, schema: { tags, summary: 'Create a permanent access key (its secret is shown in this reply only)', body: CredentialCreateBody, response: R.created } }, async (request, reply) => {
      const created = await keys.create(callerOf(request), parseCredentialCreate(request.body));
      return reply.status(201).send({ credential: createdCredentialView(created) });
    });

    app.get(base, { schema: { tags, summary: 'List permanent access keys of a user, without secrets', querystring: CredentialsQuery, response: R.list } }, async (request) => {
      const { userId } = parseCredentialsQuery(request.query as Record<string, unknown>);
      return { credentials: (await keys.list(callerOf(request), userId)).map(credentialView) };
    });

    app.get<{ Params: Access }>(`${base}/:access`, { schema: { tags, summary: 'Show a permanent access key', params: CredentialParams, response: R.one } }, async (request) => {
      return { credential: credentialView(await keys.show(callerOf(request), request.params.access)) };
    });

    app.put<{ Params: Access }>(
      `${base}/:access`,
      { ...write, schema: { tags, summary: 'Change the status (active, inactive) or description of a permanent access key', params: CredentialParams, body: CredentialUpdateBody, response: R.one } },
      async (request) => {
        return { credential: credentialView(await keys.update(callerOf(request), request.params.access, parseCredentialUpdate(request.body))) };
      },
    );

    app.delete<{ Params: Access }>(`${base}/:access`, { ...write, schema: { tags, summary: 'Delete a permanent access key', params: CredentialParams, response: R.deleted } }, async (request, reply) => {
      await keys.delete(callerOf(request), request.params.access);
      return reply.status(204).send();
    });
  };
}
