import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ApiError } from '../../common/errors.js';
import type { Services } from '../../container.js';
import { isCloudAdmin } from '../../services/identity/roles.js';
import {
  parseAssignmentsQuery,
  parseNameFilter,
  parseProjectCreate,
  parseProjectUpdate,
  parseRoleCreate,
  parseUserCreate,
  parseUserUpdate,
} from '../input/identity.js';
import {
  DomainGrantParams,
  DomainUserParams,
  DomainsQuery,
  GrantParams,
  IdParams,
  IdentityAdminReplies as R,
  ProjectCreateBody,
  ProjectUpdateBody,
  ProjectUserParams,
  RoleAssignmentsQuery,
  RoleCreateBody,
  RolesQuery,
  UserCreateBody,
  UserUpdateBody,
  UsersQuery,
} from '../schemas/identity.js';
import { assignmentView, collectionLinks, domainView, projectView, roleView, userView } from '../views/identity.js';

type Query = Record<string, string | string[] | undefined>;
type Id = { id: string };
type Grant = { id: string; user_id: string; role_id: string };

/**
 * Keystone's policy for administration: a cloud administrator, or where Keystone lets a user
 * see its own records, that user. Checked before the body is read, as Keystone does, so a
 * refused caller learns nothing of it.
 */
function enforce(request: FastifyRequest, action: string, self?: string): void {
  const p = request.principal;
  if (isCloudAdmin(p) || (self !== undefined && p.userId === self)) return;
  throw new ApiError('common.0403', `You are not authorized to perform the requested action: identity:${action}.`);
}

/**
 * Keystone v3 administration at /identity/v3: domains (read), projects, users, roles and role
 * assignments, admin only. Writes declare readerMayWrite so that this policy, not the generic
 * reader rule, answers a non-admin in Keystone's words.
 */
export function identityAdminRoutes(services: Services): FastifyPluginAsync {
  const { identityAdmin: admin, config } = services;
  const url = config.publicUrl;
  const links = (request: FastifyRequest) => collectionLinks(url, request.url);

  return async (app) => {
    const tags = ['identity'];
    const write = { config: { readerMayWrite: true } };

    // ---- domains ----

    app.get<{ Querystring: Query }>('/domains', { schema: { tags, summary: 'List domains', querystring: DomainsQuery, response: R.domains } }, async (request) => {
      enforce(request, 'list_domains');
      const domains = await admin.listDomains(parseNameFilter(request.query));
      return { domains: domains.map((d) => domainView(d, url)), links: links(request) };
    });

    app.get<{ Params: Id }>('/domains/:id', { schema: { tags, summary: 'Show a domain', params: IdParams, response: R.domain } }, async (request) => {
      // Keystone lets a user read the domain its token belongs to.
      if (request.principal.domainId !== request.params.id) enforce(request, 'get_domain');
      return { domain: domainView(await admin.getDomain(request.params.id), url) };
    });

    // ---- projects (listing and showing are identity.ts's, at both prefixes) ----

    app.post('/projects', { ...write, schema: { tags, summary: 'Create a project', body: ProjectCreateBody, response: R.projectCreated } }, async (request, reply) => {
      enforce(request, 'create_project');
      const project = await admin.createProject(parseProjectCreate(request.body));
      return reply.status(201).send({ project: projectView(project, url) });
    });

    app.patch<{ Params: Id }>(
      '/projects/:id',
      { ...write, schema: { tags, summary: 'Update a project', params: IdParams, body: ProjectUpdateBody, response: R.projectUpdated } },
      async (request) => {
        enforce(request, 'update_project');
        return { project: projectView(await admin.updateProject(request.params.id, parseProjectUpdate(request.body)), url) };
      },
    );

    app.delete<{ Params: Id }>(
      '/projects/:id',
      { ...write, schema: { tags, summary: 'Delete a project, its role assignments and the tokens scoped to it', params: IdParams, response: R.deleted } },
      async (request, reply) => {
        enforce(request, 'delete_project');
        await admin.deleteProject(request.params.id);
        return reply.status(204).send();
      },
    );

    // ---- users ----

    app.post('/users', { ...write, schema: { tags, summary: 'Create a user', body: UserCreateBody, response: R.userCreated } }, async (request, reply) => {
      enforce(request, 'create_user');
      const user = await admin.createUser(parseUserCreate(request.body));
      return reply.status(201).send({ user: userView(user, url) });
    });

    app.get<{ Querystring: Query }>('/users', { schema: { tags, summary: 'List users', querystring: UsersQuery, response: R.users } }, async (request) => {
      enforce(request, 'list_users');
      const users = await admin.listUsers(parseNameFilter(request.query));
      return { users: users.map((u) => userView(u, url)), links: links(request) };
    });

    app.get<{ Params: Id }>('/users/:id', { schema: { tags, summary: 'Show a user', params: IdParams, response: R.user } }, async (request) => {
      enforce(request, 'get_user', request.params.id);
      return { user: userView(await admin.getUser(request.params.id), url) };
    });

    app.patch<{ Params: Id }>(
      '/users/:id',
      { ...write, schema: { tags, summary: 'Update a user (disabling it or changing its password revokes its tokens)', params: IdParams, body: UserUpdateBody, response: R.user } },
      async (request) => {
        enforce(request, 'update_user');
        return { user: userView(await admin.updateUser(request.params.id, parseUserUpdate(request.body)), url) };
      },
    );

    app.delete<{ Params: Id }>(
      '/users/:id',
      { ...write, schema: { tags, summary: 'Delete a user, its role assignments and its tokens', params: IdParams, response: R.deleted } },
      async (request, reply) => {
        enforce(request, 'delete_user');
        await admin.deleteUser(request.params.id);
        return reply.status(204).send();
      },
    );

    app.get<{ Params: Id }>(
      '/users/:id/projects',
      { schema: { tags, summary: 'Projects the user has a role on', params: IdParams, response: R.userProjects } },
      async (request) => {
        enforce(request, 'list_user_projects', request.params.id);
        const projects = await admin.projectsOfUser(request.params.id);
        return { projects: projects.map((p) => projectView(p, url)), links: links(request) };
      },
    );

    // ---- roles ----

    app.get<{ Querystring: Query }>('/roles', { schema: { tags, summary: 'List roles', querystring: RolesQuery, response: R.roles } }, async (request) => {
      enforce(request, 'list_roles');
      const roles = await admin.listRoles(parseNameFilter(request.query));
      return { roles: roles.map((r) => roleView(r, url)), links: links(request) };
    });

    app.get<{ Params: Id }>('/roles/:id', { schema: { tags, summary: 'Show a role', params: IdParams, response: R.role } }, async (request) => {
      enforce(request, 'get_role');
      return { role: roleView(await admin.getRole(request.params.id), url) };
    });

    app.post('/roles', { ...write, schema: { tags, summary: 'Create a custom role', body: RoleCreateBody, response: R.roleCreated } }, async (request, reply) => {
      enforce(request, 'create_role');
      const role = await admin.createRole(parseRoleCreate(request.body));
      return reply.status(201).send({ role: roleView(role, url) });
    });

    app.delete<{ Params: Id }>(
      '/roles/:id',
      { ...write, schema: { tags, summary: 'Delete a custom role and its assignments', params: IdParams, response: R.deleted } },
      async (request, reply) => {
        enforce(request, 'delete_role');
        await admin.deleteRole(request.params.id);
        return reply.status(204).send();
      },
    );

    // ---- role assignments ----

    const grantOf = (p: Grant) => ({ projectId: p.id, userId: p.user_id, roleId: p.role_id });
    const grantPath = '/projects/:id/users/:user_id/roles/:role_id';

    app.put<{ Params: Grant }>(grantPath, { ...write, schema: { tags, summary: 'Grant a role to a user on a project', params: GrantParams, response: R.grant } }, async (request, reply) => {
      enforce(request, 'create_grant');
      await admin.grant(grantOf(request.params));
      return reply.status(204).send();
    });

    app.get<{ Params: Grant }>(
      grantPath,
      { schema: { tags, summary: 'Check a role of a user on a project (also HEAD)', params: GrantParams, response: R.grant } },
      async (request, reply) => {
        enforce(request, 'check_grant');
        await admin.checkGrant(grantOf(request.params));
        return reply.status(204).send();
      },
    );

    app.delete<{ Params: Grant }>(grantPath, { ...write, schema: { tags, summary: 'Revoke a role of a user on a project', params: GrantParams, response: R.grant } }, async (request, reply) => {
      enforce(request, 'revoke_grant');
      await admin.revoke(grantOf(request.params));
      return reply.status(204).send();
    });

    app.get<{ Params: { id: string; user_id: string } }>(
      '/projects/:id/users/:user_id/roles',
      { schema: { tags, summary: 'Roles of a user on a project', params: ProjectUserParams, response: R.roles } },
      async (request) => {
        enforce(request, 'list_grants');
        const roles = await admin.rolesOf(request.params.id, request.params.user_id);
        return { roles: roles.map((r) => roleView(r, url)), links: links(request) };
      },
    );

    // ---- domain role assignments: the admin role on the admin project's domain administers the cloud ----

    const domainGrantOf = (p: Grant) => ({ domainId: p.id, userId: p.user_id, roleId: p.role_id });
    const domainGrantPath = '/domains/:id/users/:user_id/roles/:role_id';

    app.put<{ Params: Grant }>(
      domainGrantPath,
      { ...write, schema: { tags, summary: 'Grant a role to a user on a domain', params: DomainGrantParams, response: R.grant } },
      async (request, reply) => {
        enforce(request, 'create_grant');
        await admin.grantOnDomain(domainGrantOf(request.params));
        return reply.status(204).send();
      },
    );

    app.get<{ Params: Grant }>(
      domainGrantPath,
      { schema: { tags, summary: 'Check a role of a user on a domain (also HEAD)', params: DomainGrantParams, response: R.grant } },
      async (request, reply) => {
        enforce(request, 'check_grant');
        await admin.checkDomainGrant(domainGrantOf(request.params));
        return reply.status(204).send();
      },
    );

    app.delete<{ Params: Grant }>(
      domainGrantPath,
      { ...write, schema: { tags, summary: 'Revoke a role of a user on a domain', params: DomainGrantParams, response: R.grant } },
      async (request, reply) => {
        enforce(request, 'revoke_grant');
        await admin.revokeDomainGrant(domainGrantOf(request.params));
        return reply.status(204).send();
      },
    );

    app.get<{ Params: { id: string; user_id: string } }>(
      '/domains/:id/users/:user_id/roles',
      { schema: { tags, summary: 'Roles of a user on a domain', params: DomainUserParams, response: R.roles } },
      async (request) => {
        enforce(request, 'list_grants');
        const roles = await admin.domainRolesOf(request.params.id, request.params.user_id);
        return { roles: roles.map((r) => roleView(r, url)), links: links(request) };
      },
    );

    app.get<{ Querystring: Query }>(
      '/role_assignments',
      { schema: { tags, summary: 'List role assignments', querystring: RoleAssignmentsQuery, response: R.assignments } },
      async (request) => {
        enforce(request, 'list_role_assignments');
        const { filter, includeNames, none } = parseAssignmentsQuery(request.query);
        const found = none ? [] : await admin.listAssignments(filter);
        return { role_assignments: found.map((a) => assignmentView(a, url, includeNames)), links: links(request) };
      },
    );
  };
}
