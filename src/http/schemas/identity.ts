/**
 * Keystone v3 bodies, requests and replies, at /identity/v3 and /v3 (tokens, catalogue,
 * projects, the version document) and at /identity/v3 alone (administration: domains, projects,
 * users, roles, role assignments). Keystone's API reference is the model; only what is sent is
 * named.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { NoBody, Nullable, Timestamp, errorResponses } from './common.js';
import { familyOf } from '../families.js';

const DomainRef = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });

/** What POST /auth/tokens takes: the password or token method, and an optional project or domain scope. */
export const AuthBody = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String(), { minItems: 1, description: 'password or token' }),
      password: Type.Optional(
        Type.Object({
          user: Type.Object({
            id: Type.Optional(Type.String()),
            name: Type.Optional(Type.String({ description: 'with domain, when there is no id' })),
            domain: Type.Optional(DomainRef),
            password: Type.String(),
          }),
        }),
      ),
      token: Type.Optional(Type.Object({ id: Type.String() })),
    }),
    scope: Type.Optional(
      Type.Union(
        [
          Type.Object({
            project: Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()), domain: Type.Optional(DomainRef) }),
          }),
          Type.Object({ domain: DomainRef }, { description: 'a domain the user holds a role on' }),
          Type.Literal('unscoped'),
          Type.Object({}, { additionalProperties: true, description: 'other scopes (system) are refused' }),
        ],
        { description: "absent: the user's default project" },
      ),
    ),
  }),
});
export type AuthBody = Static<typeof AuthBody>;

export const CatalogQuery = Type.Object({
  nocatalog: Type.Optional(Type.String({ description: 'present (any value): the token comes without its catalogue' })),
});

export const SubjectTokenHeaders = Type.Object({
  'X-Subject-Token': Type.String({ description: 'the token to validate or revoke' }),
});

const EnabledFilter = Type.String({ description: 'f, false, n, no, off or 0: only disabled ones; any other value: only enabled ones' });

export const ProjectsQuery = Type.Object({
  name: Type.Optional(Type.String({ description: 'only the project of this name' })),
  domain_id: Type.Optional(Type.String({ description: 'only projects of this domain' })),
  enabled: Type.Optional(EnabledFilter),
});
export const ProjectParams = Type.Object({ id: Type.String() });

const Domain = Type.Object({ id: Type.String(), name: Type.String() });

export const CatalogEntry = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'identity, volumev2, volumev3, block-storage, vbs, cbr' }),
  name: Type.String(),
  endpoints: Type.Array(
    Type.Object({
      id: Type.String(),
      interface: Type.String({ description: 'public' }),
      region: Type.String(),
      region_id: Type.String(),
      url: Type.String(),
    }),
  ),
});

export const Token = Type.Object({
  methods: Type.Array(Type.String()),
  user: Type.Object({ id: Type.String(), name: Type.String(), domain: Domain, password_expires_at: Nullable(Timestamp) }),
  audit_ids: Type.Array(Type.String()),
  issued_at: Timestamp,
  expires_at: Timestamp,
  project: Type.Optional(Type.Object({ id: Type.String(), name: Nullable(Type.String()), domain: Domain }, { description: 'project-scoped tokens' })),
  domain: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() }, { description: 'domain-scoped tokens' })),
  is_domain: Type.Optional(Type.Boolean()),
  is_admin_project: Type.Optional(Type.Boolean({ description: 'project-scoped tokens: whether the project is the admin project, whose admins administer the cloud' })),
  roles: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String() }))),
  catalog: Type.Optional(Type.Array(CatalogEntry, { description: 'scoped tokens, unless nocatalog' })),
});
export const TokenBody = Type.Object({ token: Token });
export type TokenBody = Static<typeof TokenBody>;

export const Project = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domain_id: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  is_domain: Type.Boolean(),
  parent_id: Type.String({ description: 'the domain, for a top-level project' }),
  tags: Type.Array(Type.String()),
  links: Type.Object({ self: Type.String() }),
});
export type Project = Static<typeof Project>;

const CollectionLinks = Type.Object({ self: Type.String(), next: Nullable(Type.String()), previous: Nullable(Type.String()) });
export type CollectionLinks = Static<typeof CollectionLinks>;
const SelfLink = Type.Object({ self: Type.String() });
/** Resource options Keystone has (MFA rules, immutability ...): none are set here. */
const NoOptions = Type.Object({}, { description: 'always empty' });

export const DomainView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  tags: Type.Array(Type.String()),
  options: NoOptions,
  links: SelfLink,
});
export type DomainView = Static<typeof DomainView>;

export const User = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domain_id: Type.String(),
  enabled: Type.Boolean(),
  default_project_id: Type.Optional(Type.String({ description: 'when the user has one' })),
  email: Type.Optional(Type.String({ description: 'when set' })),
  description: Type.Optional(Type.String({ description: 'when set' })),
  password_expires_at: Nullable(Timestamp),
  options: NoOptions,
  links: SelfLink,
});
export type User = Static<typeof User>;

export const Role = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domain_id: Type.Null({ description: 'roles are global' }),
  description: Type.Optional(Type.String({ description: 'when set' })),
  options: NoOptions,
  links: SelfLink,
});
export type Role = Static<typeof Role>;

const NamedInDomain = Type.Object({ id: Type.String(), name: Type.String() });
export const RoleAssignment = Type.Object({
  role: Type.Object({ id: Type.String(), name: Type.Optional(Type.String({ description: 'include_names' })) }),
  user: Type.Object({ id: Type.String(), name: Type.Optional(Type.String({ description: 'include_names' })), domain: Type.Optional(NamedInDomain) }),
  scope: Type.Object({
    project: Type.Optional(Type.Object({ id: Type.String(), name: Type.Optional(Type.String({ description: 'include_names' })), domain: Type.Optional(NamedInDomain) })),
    domain: Type.Optional(Type.Object({ id: Type.String(), name: Type.Optional(Type.String({ description: 'include_names' })) })),
  }, { description: 'a project or a domain' }),
  links: Type.Object({ assignment: Type.String({ description: 'the grant: /projects/{id}/users/{id}/roles/{id} or /domains/{id}/users/{id}/roles/{id}' }) }),
});
export type RoleAssignment = Static<typeof RoleAssignment>;

/** Fields Keystone keeps as a resource's extras: taken and not kept here. */
const extras = { additionalProperties: true };

/** A project body's fields but the name; on an update, the domain, is_domain and the parent only unchanged. */
const projectFields = {
  domain_id: Type.Optional(Nullable(Type.String({ description: 'absent or null: the Default domain' }))),
  description: Type.Optional(Nullable(Type.String())),
  enabled: Type.Optional(Type.Boolean({ description: 'default true; false revokes the tokens scoped to the project' })),
  is_domain: Type.Optional(Type.Boolean({ description: 'false: projects acting as domains are not supported' })),
  parent_id: Type.Optional(Nullable(Type.String({ description: 'null or the domain: projects do not nest' }))),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^,/]*$' }), { maxItems: 80, uniqueItems: true })),
};
const ProjectName = Type.String({ minLength: 1, maxLength: 64 });

export const ProjectCreateBody = Type.Object({ project: Type.Object({ name: ProjectName, ...projectFields }, extras) });
export const ProjectUpdateBody = Type.Object({ project: Type.Object({ name: Type.Optional(ProjectName), ...projectFields }, { ...extras, minProperties: 1 }) });

/** A user body's fields but the name; on an update, the domain only unchanged. */
const userFields = {
  password: Type.Optional(Nullable(Type.String({ description: "absent or null: no password login; a change revokes the user's tokens" }))),
  domain_id: Type.Optional(Type.String({ description: 'absent: the Default domain' })),
  default_project_id: Type.Optional(Nullable(Type.String())),
  enabled: Type.Optional(Type.Boolean({ description: "default true; false revokes the user's tokens" })),
  email: Type.Optional(Nullable(Type.String())),
  description: Type.Optional(Nullable(Type.String())),
};
const UserName = Type.String({ minLength: 1, maxLength: 255 });

export const UserCreateBody = Type.Object({ user: Type.Object({ name: UserName, ...userFields }, extras) });
export const UserUpdateBody = Type.Object({ user: Type.Object({ name: Type.Optional(UserName), ...userFields }, { ...extras, minProperties: 1 }) });

export const RoleCreateBody = Type.Object({
  role: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 255 }),
      description: Type.Optional(Nullable(Type.String())),
      domain_id: Type.Optional(Type.Null({ description: 'only global roles' })),
    },
    extras,
  ),
});

export const DomainsQuery = Type.Object({ name: Type.Optional(Type.String()), enabled: Type.Optional(EnabledFilter) });
export const UsersQuery = Type.Object({ name: Type.Optional(Type.String()), domain_id: Type.Optional(Type.String()), enabled: Type.Optional(EnabledFilter) });
export const RolesQuery = Type.Object({ name: Type.Optional(Type.String()) });
const flag = (what: string) => Type.String({ description: `present with any value but 0: ${what}` });
export const RoleAssignmentsQuery = Type.Object({
  'user.id': Type.Optional(Type.String()),
  'scope.project.id': Type.Optional(Type.String()),
  'role.id': Type.Optional(Type.String()),
  'group.id': Type.Optional(Type.String({ description: 'there are no groups: selects nothing' })),
  'scope.domain.id': Type.Optional(Type.String({ description: 'only assignments on this domain' })),
  'scope.system': Type.Optional(Type.String({ description: 'there are no system assignments: selects nothing' })),
  effective: Type.Optional(flag('effective assignments (with no groups or inheritance, the direct ones)')),
  include_names: Type.Optional(flag('names of the role, user, project and their domains')),
});

export const IdParams = Type.Object({ id: Type.String() });
export const ProjectUserParams = Type.Object({ id: Type.String({ description: 'the project' }), user_id: Type.String() });
export const GrantParams = Type.Object({ id: Type.String({ description: 'the project' }), user_id: Type.String(), role_id: Type.String() });
export const DomainUserParams = Type.Object({ id: Type.String({ description: 'the domain' }), user_id: Type.String() });
export const DomainGrantParams = Type.Object({ id: Type.String({ description: 'the domain' }), user_id: Type.String(), role_id: Type.String() });

const listOf = <T extends TSchema>(key: string, item: T) => Type.Object({ [key]: Type.Array(item), links: CollectionLinks });
const adminErrors = errorResponses('identity');

/** The replies of the administration routes, which are served at /identity/v3 only. */
export const IdentityAdminReplies = {
  domains: { 200: listOf('domains', DomainView), ...adminErrors },
  domain: { 200: Type.Object({ domain: DomainView }), ...adminErrors },
  projectCreated: { 201: Type.Object({ project: Project }), ...adminErrors },
  projectUpdated: { 200: Type.Object({ project: Project }), ...adminErrors },
  deleted: { 204: NoBody, ...adminErrors },
  users: { 200: listOf('users', User), ...adminErrors },
  user: { 200: Type.Object({ user: User }), ...adminErrors },
  userCreated: { 201: Type.Object({ user: User }), ...adminErrors },
  userProjects: { 200: listOf('projects', Project), ...adminErrors },
  roles: { 200: listOf('roles', Role), ...adminErrors },
  role: { 200: Type.Object({ role: Role }), ...adminErrors },
  roleCreated: { 201: Type.Object({ role: Role }), ...adminErrors },
  grant: { 204: NoBody, ...adminErrors },
  assignments: { 200: listOf('role_assignments', RoleAssignment), ...adminErrors },
};

export const IdentityVersion = Type.Object({
  version: Type.Object({
    id: Type.String(),
    status: Type.String(),
    updated: Timestamp,
    links: Type.Array(Type.Object({ rel: Type.String(), href: Type.String() })),
    'media-types': Type.Array(Type.Object({ base: Type.String(), type: Type.String() })),
  }),
});

/** The token travels in the X-Subject-Token header, not in the body. */
const withSubjectToken = (description: string) =>
  Type.Object({ token: Token }, { description, headers: { 'X-Subject-Token': Type.String({ description: 'the token' }) } });

/**
 * The replies of identity's routes under one prefix. The error envelope is the family of the
 * route's path: /v3/projects is not under /v3/auth, so it answers in another family's envelope.
 */
export function identityReplies(prefix: string) {
  const errors = (path: string) => errorResponses(familyOf(`${prefix}${path}`));
  return {
    version: { 200: IdentityVersion, ...errors('/') },
    issued: { 201: withSubjectToken('The token issued'), ...errors('/auth/tokens') },
    validated: { 200: withSubjectToken('The token validated'), ...errors('/auth/tokens') },
    revoked: { 204: NoBody, ...errors('/auth/tokens') },
    catalog: { 200: Type.Object({ catalog: Type.Array(CatalogEntry), links: Type.Object({ self: Type.String() }) }), ...errors('/auth/catalog') },
    authProjects: { 200: Type.Object({ projects: Type.Array(Project), links: CollectionLinks }), ...errors('/auth/projects') },
    authDomains: { 200: Type.Object({ domains: Type.Array(DomainView), links: CollectionLinks }), ...errors('/auth/domains') },
    projects: { 200: Type.Object({ projects: Type.Array(Project), links: CollectionLinks }), ...errors('/projects') },
    project: { 200: Type.Object({ project: Project }), ...errors('/projects/:id') },
  };
}
