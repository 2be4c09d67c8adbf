import { createHash } from 'node:crypto';

export const ROLES = ['admin', 'member', 'reader'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Stable role ids, so every process and restart names a role the same way. */
export function roleId(role: string): string {
  return createHash('sha256').update(`role:${role}`).digest('hex').slice(0, 32);
}

/** A role as Keystone shows it: a built-in one (which grants rights) or a custom one (which grants none). */
export interface RoleRecord {
  id: string;
  name: string;
  description: string | null;
  builtIn: boolean;
}

export const BUILT_IN_ROLES: ReadonlyArray<RoleRecord & { name: Role }> = ROLES.map((name) => ({ id: roleId(name), name, description: null, builtIn: true }));

/** The built-in role of a stored role id, if it is one. */
export function builtInRoleOf(id: string): Role | undefined {
  return BUILT_IN_ROLES.find((r) => r.id === id)?.name;
}

/** Who a request acts as, whichever way it authenticated. */
export interface Principal {
  userId: string;
  userName: string;
  domainId: string;
  /** The project the credentials are scoped to; null for an unscoped or domain-scoped token. */
  projectId: string | null;
  projectName: string | null;
  /** The domain a domain-scoped token is scoped to; null otherwise. */
  scopeDomainId: string | null;
  /** The roles on the scope (project or domain). */
  roles: Role[];
  /** Whether the scope is the admin project (Keystone's is_admin_project). */
  isAdminProject: boolean;
  /** Cloud administration, as cloudAdministration decides it. */
  cloudAdmin: boolean;
  method: 'token' | 'aksk';
}

/**
 * The one rule of cloud administration (Keystone's policy.v3cloudsample): the admin role on
 * the admin project, or the admin role on the admin project's domain, in a scoped token (an
 * unscoped one grants nothing). The admin role on any other project makes a project
 * administrator, whose rights end at its project.
 */
export function cloudAdministration(grounds: { scoped: boolean; scopeRoles: Role[]; isAdminProject: boolean; adminDomainRoles: Role[] }): boolean {
  if (!grounds.scoped) return false;
  return (grounds.isAdminProject && grounds.scopeRoles.includes('admin')) || grounds.adminDomainRoles.includes('admin');
}

/** Whether the caller administers the cloud: every project, identity, the back end. */
export function isCloudAdmin(p: Principal): boolean {
  return p.cloudAdmin;
}

export function canWrite(p: Principal): boolean {
  return p.cloudAdmin || p.roles.includes('admin') || p.roles.includes('member');
}
