import type { Selectable } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { DomainTable, ProjectTable, RoleTable, UserTable } from '../../db/schema.js';
import { isoSeconds } from '../../common/clock.js';
import { BUILT_IN_ROLES, ROLES, builtInRoleOf, type Role, type RoleRecord } from './roles.js';

/** The database or a transaction on it. */
export type Executor = Pick<Db, 'insertInto' | 'selectFrom' | 'updateTable' | 'deleteFrom'>;

export interface DomainRecord {
  id: string;
  name: string;
  enabled: boolean;
}

export interface ProjectRecord {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  enabled: boolean;
  tags: string[];
}

export interface UserRecord {
  id: string;
  name: string;
  domain_id: string;
  default_project_id: string | null;
  enabled: boolean;
  email: string | null;
  description: string | null;
}

/** A role of a user on a project, by the role's name. */
export interface RoleAssignment {
  project_id: string;
  role: string;
}

/** One stored assignment: a user holds a role (by id) on a project. */
export interface AssignmentRow {
  user_id: string;
  project_id: string;
  role_id: string;
}

/** One stored domain assignment: a user holds a role (by id) on a domain. */
export interface DomainAssignmentRow {
  user_id: string;
  domain_id: string;
  role_id: string;
}

/** Exact-match filters of a listing; an absent one matches everything. */
export interface NameFilter {
  name?: string;
  domainId?: string;
  enabled?: boolean;
}

export type ProjectFields = Partial<Pick<ProjectRecord, 'name' | 'description' | 'enabled' | 'tags'>>;
export type UserFields = Partial<Pick<UserRecord, 'name' | 'enabled' | 'default_project_id' | 'email' | 'description'>> & { passwordHash?: string };

export interface StoredToken {
  /** SHA-256 of the token: what the database keeps instead of the token. */
  tokenHash: string;
  auditId: string;
  userId: string;
  projectId: string | null;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  /** The audit id its chain began with; null: this token began it. */
  auditChainId: string | null;
  /** The domain of a domain-scoped token. */
  domainId: string | null;
}

/** Domains, projects, users, custom roles, role assignments, tokens and access keys; the rules on them are IdentityService's and IdentityAdmin's. */
export class IdentityRepository {
  constructor(private readonly db: Db) {}

  // ---- domains ----

  async domainExists(id: string, executor: Executor = this.db): Promise<boolean> {
    return (await executor.selectFrom('domains').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  async domainIdByName(name: string): Promise<string | undefined> {
    return (await this.db.selectFrom('domains').select('id').where('name', '=', name).executeTakeFirst())?.id;
  }

  async getDomain(id: string): Promise<DomainRecord | undefined> {
    const row = await this.db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDomain(row);
  }

  /** Domains by name. */
  async listDomains(filter: NameFilter): Promise<DomainRecord[]> {
    let q = this.db.selectFrom('domains').selectAll().orderBy('name');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled ? 1 : 0);
    return (await q.execute()).map(toDomain);
  }

  async insertDomain(domain: { id: string; name: string }, createdAt: Date, executor: Executor = this.db): Promise<void> {
    await executor.insertInto('domains').values({ id: domain.id, name: domain.name, enabled: 1, created_at: isoSeconds(createdAt) }).execute();
  }

  // ---- projects ----

  async insertProject(project: ProjectRecord, createdAt: Date, executor: Executor = this.db): Promise<void> {
    await executor
      .insertInto('projects')
      .values({
        id: project.id,
        name: project.name,
        domain_id: project.domain_id,
        description: project.description,
        enabled: project.enabled ? 1 : 0,
        created_at: isoSeconds(createdAt),
        tags: JSON.stringify(project.tags),
      })
      .execute();
  }

  async getProject(id: string, executor: Executor = this.db): Promise<ProjectRecord | undefined> {
    const row = await executor.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toProject(row);
  }

  async projectByName(name: string, domainId: string, executor: Executor = this.db): Promise<ProjectRecord | undefined> {
    const row = await executor.selectFrom('projects').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
    return row && toProject(row);
  }

  /** The projects the filter matches (of them, those a user has a role on), by name. */
  async listProjects(filter: NameFilter & { memberOf?: string } = {}): Promise<ProjectRecord[]> {
    let q = this.db.selectFrom('projects').selectAll().orderBy('name');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled ? 1 : 0);
    const userId = filter.memberOf;
    if (userId !== undefined) {
      q = q.where(({ exists, selectFrom }) =>
        exists(selectFrom('role_assignments').select('role_assignments.user_id').whereRef('role_assignments.project_id', '=', 'projects.id').where('role_assignments.user_id', '=', userId)),
      );
    }
    return (await q.execute()).map(toProject);
  }

  async updateProject(id: string, fields: ProjectFields, executor: Executor = this.db): Promise<void> {
    const { tags, enabled, ...rest } = fields;
    const set = { ...rest, ...(enabled !== undefined ? { enabled: enabled ? 1 : 0 } : {}), ...(tags !== undefined ? { tags: JSON.stringify(tags) } : {}) };
    if (Object.keys(set).length > 0) await executor.updateTable('projects').set(set).where('id', '=', id).execute();
  }

  /** The project and what hangs on it: role assignments, access keys, users' default pointing at it. */
  async deleteProject(id: string, executor: Executor): Promise<boolean> {
    await executor.deleteFrom('role_assignments').where('project_id', '=', id).execute();
    await executor.deleteFrom('credentials').where('project_id', '=', id).execute();
    await executor.updateTable('users').set({ default_project_id: null }).where('default_project_id', '=', id).execute();
    const r = await executor.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** The projects the user has any role on, by name. */
  async projectsOfUser(userId: string): Promise<ProjectRecord[]> {
    return this.listProjects({ memberOf: userId });
  }

  // ---- users ----

  async insertUser(user: UserRecord, passwordHash: string, createdAt: Date, executor: Executor = this.db): Promise<void> {
    await executor
      .insertInto('users')
      .values({
        id: user.id,
        name: user.name,
        domain_id: user.domain_id,
        password_hash: passwordHash,
        default_project_id: user.default_project_id,
        enabled: user.enabled ? 1 : 0,
        created_at: isoSeconds(createdAt),
        email: user.email,
        description: user.description,
      })
      .execute();
  }

  async getUser(id: string, executor: Executor = this.db): Promise<UserRecord | undefined> {
    const row = await executor.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async userByName(name: string, domainId: string, executor: Executor = this.db): Promise<UserRecord | undefined> {
    const row = await executor.selectFrom('users').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
    return row && toUser(row);
  }

  /** The users the filter matches, by name. */
  async listUsers(filter: NameFilter): Promise<UserRecord[]> {
    let q = this.db.selectFrom('users').selectAll().orderBy('name');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled ? 1 : 0);
    return (await q.execute()).map(toUser);
  }

  async updateUser(id: string, fields: UserFields, executor: Executor = this.db): Promise<void> {
    const { passwordHash, enabled, ...rest } = fields;
    const set = { ...rest, ...(enabled !== undefined ? { enabled: enabled ? 1 : 0 } : {}), ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}) };
    if (Object.keys(set).length > 0) await executor.updateTable('users').set(set).where('id', '=', id).execute();
  }

  /** The user, its role assignments and its access keys. */
  async deleteUser(id: string, executor: Executor): Promise<boolean> {
    await executor.deleteFrom('role_assignments').where('user_id', '=', id).execute();
    await executor.deleteFrom('domain_role_assignments').where('user_id', '=', id).execute();
    await executor.deleteFrom('credentials').where('user_id', '=', id).execute();
    const r = await executor.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** A user, by id or by name in a domain, with the hash its password is checked against. */
  async userWithPasswordHash(who: { id: string } | { name: string; domainId: string }): Promise<{ user: UserRecord; passwordHash: string } | undefined> {
    let q = this.db.selectFrom('users').selectAll();
    q = 'id' in who ? q.where('id', '=', who.id) : q.where('name', '=', who.name).where('domain_id', '=', who.domainId);
    const row = await q.executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  /** Every user, by name, with every role assignment of theirs. */
  async listUsersWithRoles(): Promise<Array<UserRecord & { roles: RoleAssignment[] }>> {
    const users = await this.db.selectFrom('users').selectAll().orderBy('name').execute();
    const assignments = await this.listAssignments({});
    const names = new Map([...BUILT_IN_ROLES, ...(await this.listCustomRoles())].map((r) => [r.id, r.name]));
    return users.map((u) => ({
      ...toUser(u),
      roles: assignments.filter((a) => a.user_id === u.id).map((a) => ({ project_id: a.project_id, role: names.get(a.role_id) ?? a.role_id })),
    }));
  }

  // ---- custom roles ----

  /** Custom roles by name; the built-in ones are roles.ts's. */
  async listCustomRoles(executor: Executor = this.db): Promise<RoleRecord[]> {
    return (await executor.selectFrom('roles').selectAll().orderBy('name').execute()).map(toRole);
  }

  async customRole(by: { id: string } | { name: string }, executor: Executor = this.db): Promise<RoleRecord | undefined> {
    const q = executor.selectFrom('roles').selectAll();
    const row = await ('id' in by ? q.where('id', '=', by.id) : q.where('name', '=', by.name)).executeTakeFirst();
    return row && toRole(row);
  }

  async insertRole(role: RoleRecord, createdAt: Date, executor: Executor = this.db): Promise<void> {
    await executor.insertInto('roles').values({ id: role.id, name: role.name, description: role.description, created_at: isoSeconds(createdAt) }).execute();
  }

  /** The custom role and every assignment of it. */
  async deleteRole(id: string, executor: Executor): Promise<boolean> {
    await executor.deleteFrom('role_assignments').where('role_id', '=', id).execute();
    await executor.deleteFrom('domain_role_assignments').where('role_id', '=', id).execute();
    const r = await executor.deleteFrom('roles').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- role assignments ----

  /** Grants the role; granting it again changes nothing. */
  async assignRole(userId: string, projectId: string, roleId: string, executor: Executor = this.db): Promise<void> {
    await executor
      .insertInto('role_assignments')
      .values({ user_id: userId, project_id: projectId, role_id: roleId })
      .onConflict((oc) => oc.columns(['user_id', 'project_id', 'role_id']).doNothing())
      .execute();
  }

  /** Whether there was such an assignment to take away. */
  async unassignRole(userId: string, projectId: string, roleId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('role_assignments').where('user_id', '=', userId).where('project_id', '=', projectId).where('role_id', '=', roleId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Assignments the filter matches, in a stable order. */
  async listAssignments(filter: { userId?: string; projectId?: string; roleId?: string }): Promise<AssignmentRow[]> {
    let q = this.db.selectFrom('role_assignments').selectAll().orderBy('project_id').orderBy('user_id').orderBy('role_id');
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
    if (filter.roleId !== undefined) q = q.where('role_id', '=', filter.roleId);
    return q.execute();
  }

  /** The user's built-in roles on the project: custom roles grant no rights here, so they are left out. */
  async rolesOn(userId: string, projectId: string): Promise<Role[]> {
    const rows = await this.listAssignments({ userId, projectId });
    return ROLES.filter((role) => rows.some((r) => builtInRoleOf(r.role_id) === role));
  }

  // ---- domain role assignments ----

  /** Grants the role on the domain; granting it again changes nothing. */
  async assignDomainRole(userId: string, domainId: string, roleId: string): Promise<void> {
    await this.db
      .insertInto('domain_role_assignments')
      .values({ user_id: userId, domain_id: domainId, role_id: roleId })
      .onConflict((oc) => oc.columns(['user_id', 'domain_id', 'role_id']).doNothing())
      .execute();
  }

  /** Whether there was such an assignment to take away. */
  async unassignDomainRole(userId: string, domainId: string, roleId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('domain_role_assignments').where('user_id', '=', userId).where('domain_id', '=', domainId).where('role_id', '=', roleId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Domain assignments the filter matches, in a stable order. */
  async listDomainAssignments(filter: { userId?: string; domainId?: string; roleId?: string }): Promise<DomainAssignmentRow[]> {
    let q = this.db.selectFrom('domain_role_assignments').selectAll().orderBy('domain_id').orderBy('user_id').orderBy('role_id');
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.roleId !== undefined) q = q.where('role_id', '=', filter.roleId);
    return q.execute();
  }

  /** The user's built-in roles on the domain. */
  async rolesOnDomain(userId: string, domainId: string): Promise<Role[]> {
    const rows = await this.listDomainAssignments({ userId, domainId });
    return ROLES.filter((role) => rows.some((r) => builtInRoleOf(r.role_id) === role));
  }

  // ---- tokens ----

  async insertToken(token: StoredToken): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({
        token_hash: token.tokenHash,
        audit_id: token.auditId,
        user_id: token.userId,
        project_id: token.projectId,
        methods: JSON.stringify(token.methods),
        issued_at: token.issuedAt.toISOString(),
        expires_at: token.expiresAt.toISOString(),
        revoked_at: token.revokedAt?.toISOString() ?? null,
        audit_chain_id: token.auditChainId,
        domain_id: token.domainId,
      })
      .execute();
  }

  async tokenByHash(tokenHash: string): Promise<StoredToken | undefined> {
    const row = await this.db.selectFrom('tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return (
      row && {
        tokenHash: row.token_hash,
        auditId: row.audit_id,
        userId: row.user_id,
        projectId: row.project_id,
        methods: JSON.parse(row.methods) as string[],
        issuedAt: new Date(row.issued_at),
        expiresAt: new Date(row.expires_at),
        revokedAt: row.revoked_at ? new Date(row.revoked_at) : null,
        auditChainId: row.audit_chain_id,
        domainId: row.domain_id,
      }
    );
  }

  /** Revokes every live token of the chain that began with the token of this audit id. */
  async revokeChain(chainId: string, at: Date): Promise<void> {
    await this.db
      .updateTable('tokens')
      .set({ revoked_at: at.toISOString() })
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('audit_id', '=', chainId), eb('audit_chain_id', '=', chainId)]))
      .execute();
  }

  /** Whether the token that began a chain is revoked (false once it is pruned: its chain has expired with it). */
  async chainRevoked(chainId: string): Promise<boolean> {
    const row = await this.db.selectFrom('tokens').select('revoked_at').where('audit_id', '=', chainId).where('audit_chain_id', 'is', null).executeTakeFirst();
    return row?.revoked_at != null;
  }

  /** Revokes every live token of a user, or every token scoped to a project. */
  async revokeTokensOf(owner: { userId: string } | { projectId: string }, at: Date, executor: Executor = this.db): Promise<void> {
    const q = executor.updateTable('tokens').set({ revoked_at: at.toISOString() }).where('revoked_at', 'is', null);
    await ('userId' in owner ? q.where('user_id', '=', owner.userId) : q.where('project_id', '=', owner.projectId)).execute();
  }

  async deleteTokensExpiredBefore(cutoff: Date): Promise<void> {
    await this.db.deleteFrom('tokens').where('expires_at', '<', cutoff.toISOString()).execute();
  }

  // ---- access keys (their records are CredentialRepository's) ----

  /** Records a used signature; false when it was recorded before (by any process of the database). */
  async insertUsedSignature(signatureHash: string, expiresAt: Date): Promise<boolean> {
    const inserted = await this.db
      .insertInto('aksk_signatures')
      .values({ signature_hash: signatureHash, expires_at: expiresAt.toISOString() })
      .onConflict((oc) => oc.column('signature_hash').doNothing())
      .returning('signature_hash')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async deleteSignaturesExpiredBefore(cutoff: Date): Promise<void> {
    await this.db.deleteFrom('aksk_signatures').where('expires_at', '<', cutoff.toISOString()).execute();
  }
}

function toDomain(row: Selectable<DomainTable>): DomainRecord {
  return { id: row.id, name: row.name, enabled: row.enabled === 1 };
}

function toProject(row: Selectable<ProjectTable>): ProjectRecord {
  return { id: row.id, name: row.name, domain_id: row.domain_id, description: row.description, enabled: row.enabled === 1, tags: JSON.parse(row.tags) as string[] };
}

function toUser(row: Selectable<UserTable>): UserRecord {
  return {
    id: row.id,
    name: row.name,
    domain_id: row.domain_id,
    default_project_id: row.default_project_id,
    enabled: row.enabled === 1,
    email: row.email,
    description: row.description,
  };
}

function toRole(row: Selectable<RoleTable>): RoleRecord {
  return { id: row.id, name: row.name, description: row.description, builtIn: false };
}
