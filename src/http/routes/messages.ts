import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { ApiError } from '../../common/errors.js';
import { atLeast } from '../microversion.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import { BackendReplies as R, MessageParams } from '../schemas/cinder-backend.js';
import { messageView } from '../views/cinder-backend.js';
import { callerOf, viewContext } from './cinder-context.js';

type Params = { project_id: string; message_id: string };

/** User messages (microversion 3.3): what asynchronous failures told a project, at /v3. */
export function messageRoutes(services: Services): FastifyPluginAsync {
  const tags = ['messages'];
  const ctxOf = (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = viewContext(services.config.publicUrl, request, reply);
    if (!atLeast(ctx.version, '3.3')) throw new ApiError('common.0404', 'User messages need microversion 3.3 or later.');
    return ctx;
  };
  const prefix = '/v3/:project_id';
  return async (app) => {
    app.get(`${prefix}/messages`, { schema: { tags, summary: "List the project's messages (3.3)", params: ProjectParams, response: R.messages } }, async (request, reply) => {
      const ctx = ctxOf(request, reply);
      return { messages: (await services.userMessages.list(callerOf(request))).map((m) => messageView(m, ctx)) };
    });
    app.get<{ Params: Params }>(`${prefix}/messages/:message_id`, { schema: { tags, summary: 'Show a message (3.3)', params: MessageParams, response: R.message } }, async (request, reply) => {
      const ctx = ctxOf(request, reply);
      return { message: messageView(await services.userMessages.get(callerOf(request), request.params.message_id), ctx) };
    });
    app.delete<{ Params: Params }>(`${prefix}/messages/:message_id`, { schema: { tags, summary: 'Delete a message (3.3)', params: MessageParams, response: R.deleted } }, async (request, reply) => {
      ctxOf(request, reply);
      await services.userMessages.delete(callerOf(request), request.params.message_id);
      return reply.status(204).send();
    });
  };
}
