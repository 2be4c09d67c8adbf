import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import type { Clock } from '../../common/clock.js';
import { isoSeconds } from '../../common/clock.js';
import { newHexId } from '../../common/ids.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { isRole, type Principal, type Role } from './roles.js';

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

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

export interface IssuedToken {
  token: string;
  principal: Principal;
  issuedAt: Date;
  expiresAt: Date;
  auditId: string;
  methods: string[];
}

/** Why an identity call failed; the HTTP layer maps each kind to Keystone's envelope. */
export class IdentityError extends Error {
  constructor(
    readonly kind: 'unauthorized' | 'not_found' | 'conflict' | 'bad_request' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const TOKEN_PREFIX = 'vbs1_';

export class IdentityService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly tokenTtlSeconds: number,
  ) {}

  /** Creates the default domain, project `admin` and user `admin` once; says whether it did. */
  async bootstrap(adminPassword: string): Promise<boolean> {
    const existing = await this.db.selectFrom('domains').select('id').where('id', '=', DEFAULT_DOMAIN.id).executeTakeFirst();
    if (existing) return false;
    const now = isoSeconds(this.clock.now());
    const passwordHash = await hashPassword(adminPassword);
    return this.db.transaction().execute(async (trx) => {
      const again = await trx.selectFrom('domains').select('id').where('id', '=', DEFAULT_DOMAIN.id).executeTakeFirst();
      if (again) return false;
      await trx.insertInto('domains').values({ ...DEFAULT_DOMAIN, enabled: 1, created_at: now }).execute();
      const projectId = newHexId();
      await trx
        .insertInto('projects')
        .values({ id: projectId, name: 'admin', domain_id: DEFAULT_DOMAIN.id, description: 'Bootstrap project', enabled: 1, created_at: now })
        .execute();
      const userId = newHexId();
      await trx
        .insertInto('users')
        .values({ id: userId, name: 'admin', domain_id: DEFAULT_DOMAIN.id, password_hash: passwordHash, default_project_id: projectId, enabled: 1, created_at: now })
        .execute();
      await trx.insertInto('role_assignments').values({ user_id: userId, project_id: projectId, role: 'admin' }).execute();
      return true;
    });
  }

  /** Whether bootstrap has run on this database: admin commands need its default domain. */
  async isBootstrapped(): Promise<boolean> {
    return (await this.db.selectFrom('domains').select('id').where('id', '=', DEFAULT_DOMAIN.id).executeTakeFirst()) !== undefined;
  }

  // ---- projects ----

  async createProject(name: string, description = '', domainId: string = DEFAULT_DOMAIN.id): Promise<ProjectRecord> {
    if (!name || name.length > 64) throw new IdentityError('bad_request', 'project name must be 1 to 64 characters');
    const taken = await this.db.selectFrom('projects').select('id').where('domain_id', '=', domainId).where('name', '=', name).executeTakeFirst();
    if (taken) throw new IdentityError('conflict', `project "${name}" already exists`);
    const row = { id: newHexId(), name, domain_id: domainId, description, enabled: 1, created_at: isoSeconds(this.clock.now()) };
    await this.db.insertInto('projects').values(row).execute();
    return toProject(row);
  }

  async listProjects(): Promise<ProjectRecord[]> {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('name').execute();
    return rows.map(toProject);
  }

  async getProject(id: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toProject(row);
  }

  /** A project by id, or by name in the default domain. */
  async findProject(idOrName: string): Promise<ProjectRecord | undefined> {
    return (await this.getProject(idOrName)) ?? (await this.projectByName(idOrName, DEFAULT_DOMAIN.id));
  }

  async projectByName(name: string, domainId: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
    return row && toProject(row);
  }

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

  async createUser(name: string, password: string, projectId: string, role: Role): Promise<UserRecord> {
    if (!name || name.length > 64) throw new IdentityError('bad_request', 'user name must be 1 to 64 characters');
    if (!password) throw new IdentityError('bad_request', 'a password is required');
    if (!isRole(role)) throw new IdentityError('bad_request', `role must be admin, member or reader, got "${role}"`);
    const project = await this.getProject(projectId);
    if (!project) throw new IdentityError('not_found', `project ${projectId} does not exist`);
    const taken = await this.db.selectFrom('users').select('id').where('domain_id', '=', DEFAULT_DOMAIN.id).where('name', '=', name).executeTakeFirst();
    if (taken) throw new IdentityError('conflict', `user "${name}" already exists`);
    const passwordHash = await hashPassword(password);
    const row = {
      id: newHexId(),
      name,
      domain_id: DEFAULT_DOMAIN.id,
      password_hash: passwordHash,
      default_project_id: projectId,
      enabled: 1,
      created_at: isoSeconds(this.clock.now()),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(row).execute();
      await trx.insertInto('role_assignments').values({ user_id: row.id, project_id: projectId, role }).execute();
    });
    return toUser(row);
  }

  async listUsers(): Promise<Array<UserRecord & { roles: Array<{ project_id: string; role: string }> }>> {
    const users = await this.db.selectFrom('users').selectAll().orderBy('name').execute();
    const assignments = await this.db.selectFrom('role_assignments').selectAll().execute();
    return users.map((u) => ({
      ...toUser(u),
      roles: assignments.filter((a) => a.user_id === u.id).map((a) => ({ project_id: a.project_id, role: a.role })),
    }));
  }

  async userByName(name: string, domainId: string = DEFAULT_DOMAIN.id): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
    return row && toUser(row);
  }

  async rolesOn(userId: string, projectId: string): Promise<Role[]> {
    const rows = await this.db.selectFrom('role_assignments').select('role').where('user_id', '=', userId).where('project_id', '=', projectId).execute();
    return rows.map((r) => r.role).filter(isRole);
  }

  // ---- password authentication and tokens ----

  /** Checks a password; one message for every failure, so names cannot be probed. */
  async authenticatePassword(who: { id?: string; name?: string; domainId?: string; domainName?: string }, password: string): Promise<UserRecord> {
    const fail = new IdentityError('unauthorized', 'The request you have made requires authentication.');
    let domainId = who.domainId ?? DEFAULT_DOMAIN.id;
    if (!who.domainId && who.domainName) {
      const d = await this.db.selectFrom('domains').select('id').where('name', '=', who.domainName).executeTakeFirst();
      if (!d) throw fail;
      domainId = d.id;
    }
    let q = this.db.selectFrom('users').selectAll();
    q = who.id ? q.where('id', '=', who.id) : q.where('name', '=', who.name ?? '').where('domain_id', '=', domainId);
    const row = await q.executeTakeFirst();
    if (!row || !row.enabled || !(await verifyPassword(password, row.password_hash))) throw fail;
    return toUser(row);
  }

  async issueToken(user: UserRecord, projectId: string | null, methods: string[]): Promise<IssuedToken> {
    let project: ProjectRecord | undefined;
    let roles: Role[] = [];
    if (projectId) {
      project = await this.getProject(projectId);
      if (!project || !project.enabled) throw new IdentityError('unauthorized', `project ${projectId} is not available`);
      roles = await this.rolesOn(user.id, project.id);
      if (roles.length === 0) throw new IdentityError('unauthorized', `user has no role on project ${project.id}`);
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const issuedAt = this.clock.now();
    const expiresAt = new Date(issuedAt.getTime() + this.tokenTtlSeconds * 1000);
    const auditId = randomBytes(16).toString('base64url').slice(0, 22);
    await this.db
      .insertInto('tokens')
      .values({
        token_hash: tokenHash(token),
        audit_id: auditId,
        user_id: user.id,
        project_id: project?.id ?? null,
        methods: JSON.stringify(methods),
        issued_at: issuedAt.toISOString(),
        expires_at: expiresAt.toISOString(),
        revoked_at: null,
      })
      .execute();
    return {
      token,
      issuedAt,
      expiresAt,
      auditId,
      methods,
      principal: {
        userId: user.id,
        userName: user.name,
        domainId: user.domain_id,
        projectId: project?.id ?? null,
        projectName: project?.name ?? null,
        roles,
        method: 'token',
      },
    };
  }

  /** The live token's details, or an IdentityError('unauthorized') naming why not. */
  async validateToken(token: string): Promise<IssuedToken> {
    if (!token.startsWith(TOKEN_PREFIX)) throw new IdentityError('unauthorized', 'The token is not valid.');
    const row = await this.db.selectFrom('tokens').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst();
    if (!row) throw new IdentityError('unauthorized', 'The token is not valid.');
    if (row.revoked_at) throw new IdentityError('unauthorized', 'The token has been revoked.');
    const expiresAt = new Date(row.expires_at);
    if (expiresAt.getTime() <= this.clock.now().getTime()) throw new IdentityError('unauthorized', 'The token has expired.');
    const userRow = await this.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
    if (!userRow || !userRow.enabled) throw new IdentityError('unauthorized', 'The token owner is disabled or gone.');
    let projectName: string | null = null;
    let roles: Role[] = [];
    if (row.project_id) {
      const project = await this.getProject(row.project_id);
      if (!project || !project.enabled) throw new IdentityError('unauthorized', 'The token\'s project is disabled or gone.');
      projectName = project.name;
      // Roles are read live: a role taken away ends the token's rights at once.
      roles = await this.rolesOn(row.user_id, row.project_id);
      if (roles.length === 0) throw new IdentityError('unauthorized', 'The token owner no longer has a role on its project.');
    }
    return {
      token,
      issuedAt: new Date(row.issued_at),
      expiresAt,
      auditId: row.audit_id,
      methods: JSON.parse(row.methods) as string[],
      principal: {
        userId: userRow.id,
        userName: userRow.name,
        domainId: userRow.domain_id,
        projectId: row.project_id,
        projectName,
        roles,
        method: 'token',
      },
    };
  }

  async revokeToken(token: string): Promise<void> {
    await this.validateToken(token);
    await this.db.updateTable('tokens').set({ revoked_at: this.clock.now().toISOString() }).where('token_hash', '=', tokenHash(token)).execute();
  }

  /** Drops tokens that expired more than a day ago; revocations of live tokens stay. */
  async pruneTokens(): Promise<void> {
    const cutoff = new Date(this.clock.now().getTime() - 24 * 3600 * 1000).toISOString();
    await this.db.deleteFrom('tokens').where('expires_at', '<', cutoff).execute();
  }

  // ---- access keys ----

  async createCredential(userName: string, projectIdOrName?: string): Promise<{ access: string; secret: string; project_id: string; user_id: string }> {
    const user = await this.userByName(userName);
    if (!user) throw new IdentityError('not_found', `user "${userName}" does not exist`);
    const project = projectIdOrName ? await this.findProject(projectIdOrName) : user.default_project_id ? await this.getProject(user.default_project_id) : undefined;
    if (!project) throw new IdentityError('not_found', projectIdOrName ? `project "${projectIdOrName}" does not exist` : 'the user has no default project; name one');
    if ((await this.rolesOn(user.id, project.id)).length === 0) throw new IdentityError('bad_request', `user "${userName}" has no role on project ${project.name}`);
    // 20 upper-case characters and a 40-character secret, the shape users know from AK/SK clouds.
    const access = randomBytes(15).toString('base64').replace(/[^A-Za-z0-9]/g, '').toUpperCase().padEnd(20, 'X').slice(0, 20);
    const secret = randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(40, '0').slice(0, 40);
    await this.db
      .insertInto('credentials')
      .values({ access_key: access, secret_key: secret, user_id: user.id, project_id: project.id, created_at: isoSeconds(this.clock.now()) })
      .execute();
    return { access, secret, project_id: project.id, user_id: user.id };
  }

  /** The secret and owner of an access key, for signature checks. */
  async credential(access: string): Promise<{ secret: string; principal: Principal } | undefined> {
    const row = await this.db.selectFrom('credentials').selectAll().where('access_key', '=', access).executeTakeFirst();
    if (!row) return undefined;
    const user = await this.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
    const project = await this.getProject(row.project_id);
    if (!user || !user.enabled || !project || !project.enabled) return undefined;
    const roles = await this.rolesOn(user.id, project.id);
    if (roles.length === 0) return undefined;
    return {
      secret: row.secret_key,
      principal: { userId: user.id, userName: user.name, domainId: user.domain_id, projectId: project.id, projectName: project.name, roles, method: 'aksk' },
    };
  }
}

function toProject(row: { id: string; name: string; domain_id: string; description: string; enabled: number }): ProjectRecord {
  return { id: row.id, name: row.name, domain_id: row.domain_id, description: row.description, enabled: row.enabled === 1 };
}

function toUser(row: { id: string; name: string; domain_id: string; default_project_id: string | null; enabled: number }): UserRecord {
  return { id: row.id, name: row.name, domain_id: row.domain_id, default_project_id: row.default_project_id, enabled: row.enabled === 1 };
}
