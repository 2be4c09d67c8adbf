import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ApiError } from '../../common/errors.js';
import type { Services } from '../../container.js';
import { IdentityError, type IssuedToken, type ScopeRequest, type UserRecord } from '../../services/identity/identity.js';
import { isCloudAdmin } from '../../services/identity/roles.js';
import { parseAuthBody, parseNameFilter } from '../input/identity.js';
import { AuthBody, CatalogQuery, ProjectParams, ProjectsQuery, SubjectTokenHeaders, identityReplies } from '../schemas/identity.js';
import { catalog, collectionLinks, domainView, projectView, tokenView, versionView } from '../views/identity.js';

function subjectToken(request: FastifyRequest): string {
  const v = request.headers['x-subject-token'];
  const token = Array.isArray(v) ? v[0] : v;
  if (!token) throw new ApiError('common.0400', 'X-Subject-Token header is required.');
  return token;
}

/** Keystone v3 compatible identity: tokens, projects, catalogue. */
export function identityRoutes(services: Services, options: { versionDocument: boolean }): FastifyPluginAsync {
  const { identity, identityAdmin, config } = services;
  const settings = { publicUrl: config.publicUrl, region: config.region };

  /** The user a token request names, after checking the credentials, the scope it asks for and the token it comes from. */
  async function resolve(body: AuthBody): Promise<{ user: UserRecord; scope: ScopeRequest | null; parent?: IssuedToken }> {
    const { identity: who, scope } = body.auth;
    let user: UserRecord;
    let parent: IssuedToken | undefined;
    let defaultScope: ScopeRequest | null = null;
    if (who.methods.includes('password') && who.password) {
      const u = who.password.user;
      if (!u.id && !u.name) throw new ApiError('common.0400', 'auth.identity.password.user needs an id or a name.');
      user = await identity.authenticatePassword({ id: u.id, name: u.name, domainId: u.domain?.id, domainName: u.domain?.name }, u.password);
      if (user.default_project_id) defaultScope = { project: { id: user.default_project_id } };
    } else if (who.methods.includes('token') && who.token) {
      parent = await identity.validateToken(who.token.id);
      const found = await identity.getUser(parent.principal.userId);
      if (!found) throw new IdentityError('unauthorized', 'The token owner is gone.');
      user = found;
      const { projectId } = parent.principal;
      defaultScope = projectId ? { project: { id: projectId } } : parent.scopeDomain ? { domain: { id: parent.scopeDomain.id } } : null;
    } else {
      throw new ApiError('common.0400', 'Only the password and token methods are supported.');
    }
    if (scope === undefined) return { user, scope: defaultScope, parent };
    if (scope === 'unscoped') return { user, scope: null, parent };
    if ('project' in scope) {
      if (!scope.project.id && !scope.project.name) throw new ApiError('common.0400', 'scope.project needs an id or a name.');
      return { user, scope: { project: scope.project }, parent };
    }
    if ('domain' in scope) {
      if (!scope.domain.id && !scope.domain.name) throw new ApiError('common.0400', 'scope.domain needs an id or a name.');
      return { user, scope: { domain: scope.domain }, parent };
    }
    throw new ApiError('common.0400', 'Only project and domain scopes are supported.');
  }

  return async (app) => {
    // Registered under /identity/v3 and /v3: the prefix fixes each path's error envelope.
    const R = identityReplies(app.prefix);
    const tags = ['identity'];
    const open = { config: { public: true } };
    // Public routes: an empty list lifts the document-wide token or AK/SK requirement.
    const security: Array<Record<string, string[]>> = [];

    if (options.versionDocument) {
      app.get('/', { ...open, schema: { tags, summary: 'Identity v3 version document', security, response: R.version } }, async () => versionView(config.publicUrl));
    }

    app.post<{ Body: unknown; Querystring: { nocatalog?: string } }>(
      '/auth/tokens',
      { ...open, schema: { tags, summary: 'Issue a token', security, querystring: CatalogQuery, body: AuthBody, response: R.issued } },
      async (request, reply) => {
        const body = parseAuthBody(request.body);
        const { user, scope, parent } = await resolve(body);
        const issued = await identity.issueToken(user, scope, body.auth.identity.methods, parent);
        const nocatalog = 'nocatalog' in request.query;
        return reply.status(201).header('X-Subject-Token', issued.token).send(tokenView(issued, settings, !nocatalog));
      },
    );

    app.get<{ Querystring: { nocatalog?: string } }>(
      '/auth/tokens',
      { schema: { tags, summary: 'Validate a token', headers: SubjectTokenHeaders, querystring: CatalogQuery, response: R.validated } },
      async (request, reply) => {
        const subject = subjectToken(request);
        const issued = await identity.validateToken(subject).catch(() => {
          throw new ApiError('common.0404', 'Could not find token.');
        });
        if (issued.principal.userId !== request.principal.userId && !isCloudAdmin(request.principal)) {
          throw new ApiError('common.0403', 'You are not authorized to validate another user\'s token.');
        }
        return reply.header('X-Subject-Token', subject).send(tokenView(issued, settings, !('nocatalog' in request.query)));
      },
    );

    app.delete(
      '/auth/tokens',
      { config: { readerMayWrite: true }, schema: { tags, summary: 'Revoke a token', headers: SubjectTokenHeaders, response: R.revoked } },
      async (request, reply) => {
        const subject = subjectToken(request);
        const issued = await identity.validateToken(subject).catch(() => {
          throw new ApiError('common.0404', 'Could not find token.');
        });
        if (issued.principal.userId !== request.principal.userId && !isCloudAdmin(request.principal)) {
          throw new ApiError('common.0403', 'You are not authorized to revoke another user\'s token.');
        }
        await identity.revokeToken(subject);
        return reply.status(204).send();
      },
    );

    app.get('/auth/catalog', { schema: { tags, summary: "The catalogue of the caller's token", response: R.catalog } }, async (request) => ({
      catalog: catalog(settings, request.principal.projectId),
      links: { self: `${config.publicUrl}/identity/v3/auth/catalog` },
    }));

    app.get('/auth/projects', { schema: { tags, summary: 'Projects the caller has a role on', response: R.authProjects } }, async (request) => ({
      projects: (await identity.projectsOfUser(request.principal.userId)).map((p) => projectView(p, config.publicUrl)),
      links: collectionLinks(config.publicUrl, request.url),
    }));

    app.get('/auth/domains', { schema: { tags, summary: 'Domains the caller has a role on', response: R.authDomains } }, async (request) => ({
      domains: (await identity.domainsOfUser(request.principal.userId)).map((d) => domainView(d, config.publicUrl)),
      links: collectionLinks(config.publicUrl, request.url),
    }));

    app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
      '/projects',
      { schema: { tags, summary: "All projects (admin) or the caller's", querystring: ProjectsQuery, response: R.projects } },
      async (request) => {
        const filter = parseNameFilter(request.query);
        const projects = await identityAdmin.listProjects(isCloudAdmin(request.principal) ? filter : { ...filter, memberOf: request.principal.userId });
        return { projects: projects.map((p) => projectView(p, config.publicUrl)), links: collectionLinks(config.publicUrl, request.url) };
      },
    );

    // Keystone lets a member read its own project; another's is as unknown to it as a missing one.
    app.get<{ Params: { id: string } }>('/projects/:id', { schema: { tags, summary: 'Show a project', params: ProjectParams, response: R.project } }, async (request) => {
      const { id } = request.params;
      const mine = isCloudAdmin(request.principal) || (await identity.projectsOfUser(request.principal.userId)).some((p) => p.id === id);
      if (!mine) throw new ApiError('common.0404', `Could not find project: ${id}.`);
      return { project: projectView(await identityAdmin.getProject(id), config.publicUrl) };
    });
  };
}
