import type { Static } from '@sinclair/typebox';
import { roleId, type RoleRecord } from '../../services/identity/roles.js';
import { DEFAULT_DOMAIN, type IssuedToken, type ProjectRecord, type UserRecord } from '../../services/identity/identity.js';
import type { AssignmentRecord } from '../../services/identity/identity-admin.js';
import type { DomainRecord } from '../../services/identity/identity-repository.js';
import type { CatalogEntry, CollectionLinks, DomainView, IdentityVersion, Project, Role, RoleAssignment, TokenBody, User } from '../schemas/identity.js';

export interface CatalogSettings {
  publicUrl: string;
  region: string;
}

function keystoneTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

/** The service catalogue of a project-scoped token. */
export function catalog(settings: CatalogSettings, projectId: string | null): Array<Static<typeof CatalogEntry>> {
  const { publicUrl, region } = settings;
  const entry = (type: string, name: string, url: string) => ({
    id: roleId(`service:${type}`),
    type,
    name,
    endpoints: [{ id: roleId(`endpoint:${type}`), interface: 'public', region, region_id: region, url }],
  });
  const entries = [entry('identity', 'keystone', `${publicUrl}/identity/v3`)];
  if (projectId) {
    entries.push(
      entry('volumev2', 'cinderv2', `${publicUrl}/v2/${projectId}`),
      entry('volumev3', 'cinderv3', `${publicUrl}/v3/${projectId}`),
      entry('block-storage', 'cinder', `${publicUrl}/v3/${projectId}`),
      entry('vbs', 'vbs', `${publicUrl}/v2/${projectId}`),
      entry('cbr', 'cbr', `${publicUrl}/cbr/v3/${projectId}`),
    );
  }
  return entries;
}

export function tokenView(t: IssuedToken, settings: CatalogSettings, withCatalog = true): TokenBody {
  const p = t.principal;
  const domain = { id: p.domainId, name: p.domainId === DEFAULT_DOMAIN.id ? DEFAULT_DOMAIN.name : p.domainId };
  return {
    token: {
      methods: t.methods,
      user: { id: p.userId, name: p.userName, domain, password_expires_at: null },
      // Keystone's: the token's own audit id, then the one its chain began with.
      audit_ids: t.auditChainId ? [t.auditId, t.auditChainId] : [t.auditId],
      issued_at: keystoneTime(t.issuedAt),
      expires_at: keystoneTime(t.expiresAt),
      ...(p.projectId
        ? {
            project: { id: p.projectId, name: p.projectName, domain },
            is_domain: false,
            is_admin_project: p.isAdminProject,
            roles: p.roles.map((r) => ({ id: roleId(r), name: r })),
            ...(withCatalog ? { catalog: catalog(settings, p.projectId) } : {}),
          }
        : {}),
      ...(t.scopeDomain
        ? {
            domain: t.scopeDomain,
            roles: p.roles.map((r) => ({ id: roleId(r), name: r })),
            ...(withCatalog ? { catalog: catalog(settings, null) } : {}),
          }
        : {}),
    },
  };
}

export function projectView(p: ProjectRecord, publicUrl: string): Project {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domain_id,
    description: p.description,
    enabled: p.enabled,
    is_domain: false,
    parent_id: p.domain_id,
    tags: p.tags,
    links: { self: `${publicUrl}/identity/v3/projects/${p.id}` },
  };
}

/** A collection's links: one page holds everything, so there is no next or previous. */
export function collectionLinks(publicUrl: string, url: string): CollectionLinks {
  return { self: `${publicUrl}${url}`, previous: null, next: null };
}

export function domainView(d: DomainRecord, publicUrl: string): DomainView {
  return { id: d.id, name: d.name, description: '', enabled: d.enabled, tags: [], options: {}, links: { self: `${publicUrl}/identity/v3/domains/${d.id}` } };
}

export function userView(u: UserRecord, publicUrl: string): User {
  return {
    id: u.id,
    name: u.name,
    domain_id: u.domain_id,
    enabled: u.enabled,
    ...(u.default_project_id !== null ? { default_project_id: u.default_project_id } : {}),
    ...(u.email !== null ? { email: u.email } : {}),
    ...(u.description !== null ? { description: u.description } : {}),
    password_expires_at: null,
    options: {},
    links: { self: `${publicUrl}/identity/v3/users/${u.id}` },
  };
}

export function roleView(r: RoleRecord, publicUrl: string): Role {
  return {
    id: r.id,
    name: r.name,
    domain_id: null,
    ...(r.description !== null ? { description: r.description } : {}),
    options: {},
    links: { self: `${publicUrl}/identity/v3/roles/${r.id}` },
  };
}

/** Keystone's assignment: ids, and with include_names the names of the role, user, scope and their domains. */
export function assignmentView(a: AssignmentRecord, publicUrl: string, includeNames: boolean): RoleAssignment {
  const named = <T extends { id: string; name: string }>(x: T, extra: object = {}) => (includeNames ? { id: x.id, name: x.name, ...extra } : { id: x.id });
  const domain = (d: DomainRecord) => ({ domain: { id: d.id, name: d.name } });
  const grant = (scope: string) => `${publicUrl}/identity/v3/${scope}/users/${a.user.id}/roles/${a.role.id}`;
  const base = { role: named(a.role), user: named(a.user, domain(a.user.domain)) };
  if (a.project) return { ...base, scope: { project: named(a.project, domain(a.project.domain)) }, links: { assignment: grant(`projects/${a.project.id}`) } };
  return { ...base, scope: { domain: named(a.domain) }, links: { assignment: grant(`domains/${a.domain.id}`) } };
}

/** Keystone's v3 version document, at /identity/v3. */
export function versionView(publicUrl: string): Static<typeof IdentityVersion> {
  return {
    version: {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${publicUrl}/identity/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    },
  };
}
