import type { Db } from '../../db/connect.js';
import { isoSeconds } from '../../common/clock.js';
import { isRole, type Role } from './roles.js';

/** The database or a transaction on it. */
export type Executor = Pick<Db, 'insertInto' | 'selectFrom' | 'updateTable' | 'deleteFrom'>;

export interface ProjectRecord {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  enabled: boolean;
}

export interface UserRecord {
  id: string;
  name: string;
  domain_id: string;
  default_project_id: string | null;
  enabled: boolean;
}

export interface RoleAssignment {
  project_id: string;
  role: string;
}

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
}

export interface StoredCredential {
  accessKey: string;
  secretKey: string;
  userId: string;
  projectId: string;
}

/** Domains, projects, users, role assignments, tokens and access keys; the rules on them are IdentityService's. */
export class IdentityRepository {
  constructor(private readonly db: Db) {}

  // ---- domains ----

  async domainExists(id: string, executor: Executor = this.db): Promise<boolean> {
    return (await executor.selectFrom('domains').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  async domainIdByName(name: string): Promise<string | undefined> {
    return (await this.db.selectFrom('domains').select('id').where('name', '=', name).executeTakeFirst())?.id;
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
      })
      .execute();
  }

  async getProject(id: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toProject(row);
  }

  async projectByName(name: string, domainId: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
    return row && toProject(row);
  }

  /** Every project, by name. */
  async listProjects(): Promise<ProjectRecord[]> {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('name').execute();
    return rows.map(toProject);
  }

  /** The projects the user has any role on, by name. */
  async projectsOfUser(userId: string): Promise<ProjectRecord[]> {
    const rows = await this.db
      .selectFrom('projects')
      .innerJoin('role_assignments', 'role_assignments.project_id', 'projects.id')
      .selectAll('projects')
      .where('role_assignments.user_id', '=', userId)
      .distinct()
      .orderBy('projects.name')
      .execute();
    return rows.map(toProject);
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
      })
      .execute();
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async userByName(name: string, domainId: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
    return row && toUser(row);
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
    const assignments = await this.db.selectFrom('role_assignments').selectAll().execute();
    return users.map((u) => ({
      ...toUser(u),
      roles: assignments.filter((a) => a.user_id === u.id).map((a) => ({ project_id: a.project_id, role: a.role })),
    }));
  }

  // ---- role assignments ----

  async assignRole(userId: string, projectId: string, role: Role, executor: Executor = this.db): Promise<void> {
    await executor.insertInto('role_assignments').values({ user_id: userId, project_id: projectId, role }).execute();
  }

  /** The user's roles on the project; a stored name that is no known role gives no rights, so it is left out. */
  async rolesOn(userId: string, projectId: string): Promise<Role[]> {
    const rows = await this.db.selectFrom('role_assignments').select('role').where('user_id', '=', userId).where('project_id', '=', projectId).execute();
    return rows.map((r) => r.role).filter(isRole);
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
      }
    );
  }

  async revokeToken(tokenHash: string, at: Date): Promise<void> {
    await this.db.updateTable('tokens').set({ revoked_at: at.toISOString() }).where('token_hash', '=', tokenHash).execute();
  }

  async deleteTokensExpiredBefore(cutoff: Date): Promise<void> {
    await this.db.deleteFrom('tokens').where('expires_at', '<', cutoff.toISOString()).execute();
  }

  // ---- access keys ----

  async insertCredential(credential: StoredCredential, createdAt: Date): Promise<void> {
    await this.db
      .insertInto('credentials')
      .values({
        access_key: credential.accessKey,
        secret_key: credential.secretKey,
        user_id: credential.userId,
        project_id: credential.projectId,
        created_at: isoSeconds(createdAt),
      })
      .execute();
  }

  async credentialByAccessKey(accessKey: string): Promise<StoredCredential | undefined> {
    const row = await this.db.selectFrom('credentials').selectAll().where('access_key', '=', accessKey).executeTakeFirst();
    return row && { accessKey: row.access_key, secretKey: row.secret_key, userId: row.user_id, projectId: row.project_id };
  }
}

function toProject(row: { id: string; name: string; domain_id: string; description: string; enabled: number }): ProjectRecord {
  return { id: row.id, name: row.name, domain_id: row.domain_id, description: row.description, enabled: row.enabled === 1 };
}

function toUser(row: { id: string; name: string; domain_id: string; default_project_id: string | null; enabled: number }): UserRecord {
  return { id: row.id, name: row.name, domain_id: row.domain_id, default_project_id: row.default_project_id, enabled: row.enabled === 1 };
}
