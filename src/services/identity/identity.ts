import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import type { Clock } from '../../common/clock.js';
import { newHexId } from '../../common/ids.js';
import { InvalidInput } from '../common/errors.js';
import { DEFAULT_DOMAIN, type IdentityAdmin } from './identity-admin.js';
import { IdentityRepository, type DomainRecord, type ProjectRecord, type RoleAssignment, type UserRecord } from './identity-repository.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { CredentialService } from './credentials.js';
import { cloudAdministration, isRole, roleId, type Principal, type Role } from './roles.js';
import { TrustCache } from './trust-cache.js';
import { serializeSetup } from '../../db/setup-lock.js';

export type { ProjectRecord, UserRecord } from './identity-repository.js';
export { DEFAULT_DOMAIN } from './identity-admin.js';

export interface IssuedToken {
  token: string;
  principal: Principal;
  issuedAt: Date;
  expiresAt: Date;
  auditId: string;
  /** The audit id of the token its chain began with; null: this token began it. */
  auditChainId: string | null;
  methods: string[];
  /** The domain of a domain-scoped token. */
  scopeDomain: { id: string; name: string } | null;
}

/** The scope a token request names: a project (by id, or by name in a domain) or a domain. */
export type ScopeRequest =
  | { project: { id?: string; name?: string; domain?: { id?: string; name?: string } } }
  | { domain: { id?: string; name?: string } };

/** What a token is scoped to, once checked. */
type Scope = { project: ProjectRecord; domain?: undefined } | { domain: { id: string; name: string }; project?: undefined } | null;

/**
 * The one answer to every scope a user may not have: an unknown, disabled or foreign project
 * or domain all read alike, so a login learns nothing of what exists.
 */
export const SCOPE_REFUSED = 'The requested scope is not available to this user.';

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

/**
 * The identity rules: bootstrap, who may log in, what a token or an access key grants, on which
 * project. Every statement is IdentityRepository's; the database is here only to open the
 * transactions that keep a change of several rows whole.
 */
/** How often a process drops the used signatures that expired: pruning rides on claims, at most this often. */
const SIGNATURE_PRUNE_INTERVAL_MS = 60 * 1000;

export class IdentityService {
  private readonly records: IdentityRepository;
  /** Access keys: IAM's permanent access key management (OS-CREDENTIAL). */
  readonly credentials: CredentialService;
  private lastSignaturePrune = Number.NEGATIVE_INFINITY;
  /**
   * What authenticates a request, read once a second at most (TRUST_MS) instead of at every
   * request: tokens by their text (the entry holds the token anyway; hashing it at every request
   * cost more than the lookup), access keys, the admin project. Emptied by every identity
   * change made in this process, so a revocation here applies at once.
   */
  private readonly validTokens = new TrustCache<IssuedToken>();
  private readonly signingKeys = new TrustCache<{ secret: string; principal: Principal }>();
  private readonly adminProjects = new TrustCache<ProjectRecord>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly tokenTtlSeconds: number,
    /** Projects and users are made by administration's rules, whoever asks (the CLI, tests). */
    private readonly admin: IdentityAdmin,
    /** The admin project, by id or by name in the Default domain: its admins administer the cloud. */
    private readonly adminProject = 'admin',
  ) {
    this.records = new IdentityRepository(db);
    this.credentials = new CredentialService(db, clock, admin.changes);
    admin.changes.subscribe(() => {
      this.validTokens.clear();
      this.signingKeys.clear();
      this.adminProjects.clear();
    });
  }

  /** Creates the default domain, project `admin` and user `admin` once; says whether it did. */
  async bootstrap(adminPassword: string): Promise<boolean> {
    if (await this.records.domainExists(DEFAULT_DOMAIN.id)) return false;
    const now = this.clock.now();
    const passwordHash = await hashPassword(adminPassword);
    return this.db.transaction().execute(async (trx) => {
      await serializeSetup(trx);
      // Another process may have bootstrapped while the password was hashed.
      if (await this.records.domainExists(DEFAULT_DOMAIN.id, trx)) return false;
      await this.records.insertDomain(DEFAULT_DOMAIN, now, trx);
      const project: ProjectRecord = { id: newHexId(), name: 'admin', domain_id: DEFAULT_DOMAIN.id, description: 'Bootstrap project', enabled: true, tags: [] };
      await this.records.insertProject(project, now, trx);
      const user: UserRecord = { id: newHexId(), name: 'admin', domain_id: DEFAULT_DOMAIN.id, default_project_id: project.id, enabled: true, email: null, description: null };
      await this.records.insertUser(user, passwordHash, now, trx);
      await this.records.assignRole(user.id, project.id, roleId('admin'), trx);
      return true;
    });
  }

  /** Whether bootstrap has run on this database: admin commands need its default domain. */
  async isBootstrapped(): Promise<boolean> {
    return this.records.domainExists(DEFAULT_DOMAIN.id);
  }

  // ---- projects ----

  /** A project in the Default domain (or another), as IdentityAdmin.createProject makes one. */
  async createProject(name: string, description = '', domainId: string = DEFAULT_DOMAIN.id): Promise<ProjectRecord> {
    return this.admin.createProject({ name, description, domainId });
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return this.records.listProjects();
  }

  async getProject(id: string): Promise<ProjectRecord | undefined> {
    return this.records.getProject(id);
  }

  /** A project by id, or by name in the default domain. */
  async findProject(idOrName: string): Promise<ProjectRecord | undefined> {
    return (await this.getProject(idOrName)) ?? (await this.projectByName(idOrName, DEFAULT_DOMAIN.id));
  }

  async projectByName(name: string, domainId: string): Promise<ProjectRecord | undefined> {
    return this.records.projectByName(name, domainId);
  }

  async projectsOfUser(userId: string): Promise<ProjectRecord[]> {
    return this.records.projectsOfUser(userId);
  }

  /** The domains the user holds a role on, by name. */
  async domainsOfUser(userId: string): Promise<DomainRecord[]> {
    const ids = new Set((await this.records.listDomainAssignments({ userId })).map((a) => a.domain_id));
    return (await this.records.listDomains({})).filter((d) => ids.has(d.id));
  }

  // ---- users ----

  /** A user of the Default domain with a built-in role on its default project, as IdentityAdmin.createUser makes one. */
  async createUser(name: string, password: string, projectId: string, role: Role): Promise<UserRecord> {
    if (!password) throw new InvalidInput('a password is required');
    if (!isRole(role)) throw new InvalidInput(`role must be admin, member or reader, got "${role}"`);
    return this.admin.createUser({ name, password, defaultProjectId: projectId, role });
  }

  async listUsers(): Promise<Array<UserRecord & { roles: RoleAssignment[] }>> {
    return this.records.listUsersWithRoles();
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    return this.records.getUser(id);
  }

  async userByName(name: string, domainId: string = DEFAULT_DOMAIN.id): Promise<UserRecord | undefined> {
    return this.records.userByName(name, domainId);
  }

  async rolesOn(userId: string, projectId: string): Promise<Role[]> {
    return this.records.rolesOn(userId, projectId);
  }

  // ---- password authentication and tokens ----

  /** Checks a password; one message for every failure, so names cannot be probed. */
  async authenticatePassword(who: { id?: string; name?: string; domainId?: string; domainName?: string }, password: string): Promise<UserRecord> {
    const fail = new IdentityError('unauthorized', 'The request you have made requires authentication.');
    let domainId = who.domainId ?? DEFAULT_DOMAIN.id;
    if (!who.domainId && who.domainName) {
      const named = await this.records.domainIdByName(who.domainName);
      if (!named) throw fail;
      domainId = named;
    }
    const found = await this.records.userWithPasswordHash(who.id ? { id: who.id } : { name: who.name ?? '', domainId });
    if (!found || !found.user.enabled || !(await verifyPassword(password, found.passwordHash))) throw fail;
    return found.user;
  }

  /**
   * Issues a token of the user on the scope (null: unscoped). A token got from another (parent)
   * continues its chain: it ends when the parent does and is revoked with it, as Keystone's.
   */
  async issueToken(user: UserRecord, requested: ScopeRequest | null, methods: string[], parent?: IssuedToken): Promise<IssuedToken> {
    const scope = await this.checkScope(user.id, requested);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const issuedAt = this.clock.now();
    const expiresAt = parent ? parent.expiresAt : new Date(issuedAt.getTime() + this.tokenTtlSeconds * 1000);
    const auditId = randomBytes(16).toString('base64url').slice(0, 22);
    const auditChainId = parent ? (parent.auditChainId ?? parent.auditId) : null;
    const allMethods = parent ? [...new Set([...methods, ...parent.methods])] : methods;
    await this.records.insertToken({
      tokenHash: tokenHash(token),
      auditId,
      auditChainId,
      userId: user.id,
      projectId: scope?.project?.id ?? null,
      domainId: scope?.domain?.id ?? null,
      methods: allMethods,
      issuedAt,
      expiresAt,
      revokedAt: null,
    });
    return { token, issuedAt, expiresAt, auditId, auditChainId, methods: allMethods, scopeDomain: scope?.domain ?? null, principal: await this.principalOf(user, scope, 'token') };
  }

  /** The project or domain of a token request, if the user holds a role there; SCOPE_REFUSED otherwise. */
  private async checkScope(userId: string, requested: ScopeRequest | null): Promise<Scope> {
    if (requested === null) return null;
    const refused = new IdentityError('unauthorized', SCOPE_REFUSED);
    if ('domain' in requested) {
      const { id, name } = requested.domain;
      const domainId = id ?? (name !== undefined ? await this.records.domainIdByName(name) : undefined);
      const domain = domainId === undefined ? undefined : await this.records.getDomain(domainId);
      if (!domain || !domain.enabled || (await this.records.rolesOnDomain(userId, domain.id)).length === 0) throw refused;
      return { domain: { id: domain.id, name: domain.name } };
    }
    const { id, name, domain } = requested.project;
    let project: ProjectRecord | undefined;
    if (id !== undefined) project = await this.getProject(id);
    else if (name !== undefined) {
      const domainId = domain?.id ?? (domain?.name !== undefined ? await this.records.domainIdByName(domain.name) : DEFAULT_DOMAIN.id);
      project = domainId === undefined ? undefined : await this.projectByName(name, domainId);
    }
    if (!project || !project.enabled || (await this.rolesOn(userId, project.id)).length === 0) throw refused;
    return { project };
  }

  /**
   * Who the user is on the scope, read from the database: a role taken away ends a token's
   * rights (within TRUST_MS where the principal is cached). Throws `gone` when the scope no
   * longer grants the user anything.
   */
  private async principalOf(user: UserRecord, scope: Scope, method: Principal['method'], gone?: () => Error): Promise<Principal> {
    const roles = scope?.project ? await this.rolesOn(user.id, scope.project.id) : scope?.domain ? await this.records.rolesOnDomain(user.id, scope.domain.id) : [];
    if (scope && roles.length === 0 && gone) throw gone();
    const adminProject = await this.adminProjects.get(this.adminProject, () => this.findProject(this.adminProject));
    const isAdminProject = adminProject !== undefined && scope?.project?.id === adminProject.id;
    const adminDomainRoles = scope ? await this.records.rolesOnDomain(user.id, adminProject?.domain_id ?? DEFAULT_DOMAIN.id) : [];
    return {
      userId: user.id,
      userName: user.name,
      domainId: user.domain_id,
      projectId: scope?.project?.id ?? null,
      projectName: scope?.project?.name ?? null,
      scopeDomainId: scope?.domain?.id ?? null,
      roles,
      isAdminProject,
      cloudAdmin: cloudAdministration({ scoped: scope !== null, scopeRoles: roles, isAdminProject, adminDomainRoles }),
      method,
    };
  }

  /** The live token's details, or an IdentityError('unauthorized') naming why not. */
  async validateToken(token: string): Promise<IssuedToken> {
    if (!token.startsWith(TOKEN_PREFIX)) throw new IdentityError('unauthorized', 'The token is not valid.');
    const valid = await this.validTokens.get(token, () => this.readToken(token));
    if (!valid) throw new IdentityError('unauthorized', 'The token is not valid.');
    // A token read valid may have expired since (the clock of a test moves at will).
    if (valid.expiresAt.getTime() <= this.clock.now().getTime()) throw new IdentityError('unauthorized', 'The token has expired.');
    return valid;
  }

  /** The token as the database has it now, or an IdentityError('unauthorized') naming why it is not valid. */
  private async readToken(token: string): Promise<IssuedToken> {
    const stored = await this.records.tokenByHash(tokenHash(token));
    if (!stored) throw new IdentityError('unauthorized', 'The token is not valid.');
    // A chain is revoked whole; the check of its first token also covers a token derived while it was being revoked.
    if (stored.revokedAt || (stored.auditChainId !== null && (await this.records.chainRevoked(stored.auditChainId)))) {
      throw new IdentityError('unauthorized', 'The token has been revoked.');
    }
    const { expiresAt } = stored;
    if (expiresAt.getTime() <= this.clock.now().getTime()) throw new IdentityError('unauthorized', 'The token has expired.');
    const owner = await this.records.getUser(stored.userId);
    if (!owner || !owner.enabled) throw new IdentityError('unauthorized', 'The token owner is disabled or gone.');
    let scope: Scope = null;
    if (stored.projectId) {
      const project = await this.getProject(stored.projectId);
      if (!project || !project.enabled) throw new IdentityError('unauthorized', "The token's project is disabled or gone.");
      scope = { project };
    } else if (stored.domainId) {
      const domain = await this.records.getDomain(stored.domainId);
      if (!domain || !domain.enabled) throw new IdentityError('unauthorized', "The token's domain is disabled or gone.");
      scope = { domain: { id: domain.id, name: domain.name } };
    }
    const principal = await this.principalOf(owner, scope, 'token', () => new IdentityError('unauthorized', 'The token owner no longer has a role on its scope.'));
    return {
      token,
      issuedAt: stored.issuedAt,
      expiresAt,
      auditId: stored.auditId,
      auditChainId: stored.auditChainId,
      methods: stored.methods,
      scopeDomain: scope?.domain ?? null,
      principal,
    };
  }

  /** Revokes the token and every token of its chain: the one it came from and those got from them. */
  async revokeToken(token: string): Promise<void> {
    const t = await this.validateToken(token);
    await this.records.revokeChain(t.auditChainId ?? t.auditId, this.clock.now());
    this.admin.changes.changed();
  }

  /** Drops tokens that expired more than a day ago; revocations of live tokens stay. */
  async pruneTokens(): Promise<void> {
    await this.records.deleteTokensExpiredBefore(new Date(this.clock.now().getTime() - 24 * 3600 * 1000));
  }

  // ---- access keys ----

  /** A key of the user named (in the Default domain), as an administrator makes one: `vbs admin credential create`. */
  async createCredential(userName: string, projectIdOrName?: string): Promise<{ access: string; secret: string; project_id: string; user_id: string }> {
    const user = await this.userByName(userName);
    if (!user) throw new IdentityError('not_found', `user "${userName}" does not exist`);
    const project = projectIdOrName ? await this.findProject(projectIdOrName) : undefined;
    if (projectIdOrName && !project) throw new IdentityError('not_found', `project "${projectIdOrName}" does not exist`);
    const c = await this.credentials.create({ userId: null, admin: true }, { userId: user.id, projectId: project?.id });
    return { access: c.accessKey, secret: c.secretKey, project_id: c.projectId, user_id: c.userId };
  }

  /**
   * Claims a verified signature of a request that changes something: true the first time, in
   * whichever server process of the database; false for a replay. Kept until it expires.
   */
  async claimSignature(signature: Buffer, expiresAt: Date): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (now - this.lastSignaturePrune >= SIGNATURE_PRUNE_INTERVAL_MS) {
      this.lastSignaturePrune = now;
      await this.records.deleteSignaturesExpiredBefore(new Date(now));
    }
    return this.records.insertUsedSignature(createHash('sha256').update(signature).digest('hex'), expiresAt);
  }

  /** The secret and owner of an active access key, for signature checks. */
  async credential(access: string): Promise<{ secret: string; principal: Principal } | undefined> {
    return this.signingKeys.get(access, () => this.readCredential(access));
  }

  private async readCredential(access: string): Promise<{ secret: string; principal: Principal } | undefined> {
    const stored = await this.credentials.signingKey(access);
    if (!stored) return undefined;
    const user = await this.records.getUser(stored.userId);
    const project = await this.getProject(stored.projectId);
    if (!user || !user.enabled || !project || !project.enabled) return undefined;
    const principal = await this.principalOf(user, { project }, 'aksk');
    if (principal.roles.length === 0) return undefined;
    return { secret: stored.secretKey, principal };
  }
}
