import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import type { TaskQuery } from '../../services/policies/policy-runs-service.js';
import { taskQueryOf } from '../input/policies.js';
import { PolicyParams, PolicyReplies as R, TaskListingQuery } from '../schemas/policies.js';
import { taskView } from '../views/policy-runs.js';
import { callerOf } from './cinder-context.js';

type Params = { project_id: string; policy_id: string };

/** Running a backup policy at once, and the tasks of its runs. */
export function policyRunRoutes(services: Services): FastifyPluginAsync {
  const tags = ['backup policies'];
  return async (app) => {
    const base = '/v2/:project_id/backuppolicy/:policy_id';
    app.post<{ Params: Params }>(`${base}/action`, { schema: { tags, summary: 'Execute a backup policy at once', params: PolicyParams, response: R.noContent } }, async (request, reply) => {
      await services.policyRuns.executeNow(callerOf(request), request.params.policy_id);
      return reply.status(204).send();
    });
    app.get<{ Params: Params }>(`${base}/backuptasks`, { schema: { tags, summary: 'Backup tasks of a backup policy', params: PolicyParams, querystring: TaskListingQuery, response: R.tasks } }, async (request) => {
      const caller = callerOf(request);
      const policyId = request.params.policy_id;
      let query: TaskQuery;
      try {
        query = taskQueryOf(request.query as Record<string, unknown>);
      } catch (err) {
        // An unknown policy is answered (AutoBackup.0205) before a malformed query, as it always was.
        await services.policyRuns.ownPolicy(caller, policyId);
        throw err;
      }
      const { count, tasks } = await services.policyRuns.listTasks(caller, policyId, query);
      return { count, tasks: tasks.map(taskView) };
    });
  };
}
