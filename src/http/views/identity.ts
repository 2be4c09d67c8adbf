import type { Static } from '@sinclair/typebox';
import { roleId } from '../../services/identity/roles.js';
import { DEFAULT_DOMAIN, type IssuedToken, type ProjectRecord } from '../../services/identity/identity.js';
import type { CatalogEntry, IdentityVersion, Project, TokenBody } from '../schemas/identity.js';

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
      audit_ids: [t.auditId],
      issued_at: keystoneTime(t.issuedAt),
      expires_at: keystoneTime(t.expiresAt),
      ...(p.projectId
        ? {
            project: { id: p.projectId, name: p.projectName, domain },
            is_domain: false,
            roles: p.roles.map((r) => ({ id: roleId(r), name: r })),
            ...(withCatalog ? { catalog: catalog(settings, p.projectId) } : {}),
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
    tags: [],
    links: { self: `${publicUrl}/identity/v3/projects/${p.id}` },
  };
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
