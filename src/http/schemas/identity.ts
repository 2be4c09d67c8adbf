/**
 * Keystone v3 bodies, requests and replies, at /identity/v3 and /v3 (tokens, catalogue,
 * projects, the version document). Keystone's API reference is the model; only what is sent
 * is named.
 */
import { Type, type Static } from '@sinclair/typebox';
import { NoBody, Nullable, Timestamp, errorResponses } from './common.js';
import { familyOf } from '../families.js';

const DomainRef = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });

/** What POST /auth/tokens takes: the password or token method, and an optional project scope. */
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
          Type.Literal('unscoped'),
          Type.Object({}, { additionalProperties: true, description: 'other scopes (domain, system) are refused' }),
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

export const ProjectsQuery = Type.Object({ name: Type.Optional(Type.String({ description: 'only the project of this name' })) });
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
  is_domain: Type.Optional(Type.Boolean()),
  roles: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String() }))),
  catalog: Type.Optional(Type.Array(CatalogEntry, { description: 'project-scoped tokens, unless nocatalog' })),
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
    projects: { 200: Type.Object({ projects: Type.Array(Project), links: CollectionLinks }), ...errors('/projects') },
    project: { 200: Type.Object({ project: Project }), ...errors('/projects/:id') },
  };
}
