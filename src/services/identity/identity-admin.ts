import type { Db } from '../../db/connect.js';
import type { Clock } from '../../common/clock.js';
import { newHexId } from '../../common/ids.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../common/errors.js';
import {
  IdentityRepository,
  type AssignmentRow,
  type DomainRecord,
  type Executor,
  type NameFilter,
  type ProjectFields,
  type ProjectRecord,
  type UserFields,
  type UserRecord,
} from './identity-repository.js';
import { hashPassword } from './passwords.js';
import { BUILT_IN_ROLES, type RoleRecord } from './roles.js';
import { IdentityChanges } from './trust-cache.js';

export type { NameFilter } from './identity-repository.js';

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

export interface NewProject {
  name: string;
  /** Absent or null: the Default domain. */
  domainId?: string | null;
  description?: string | null;
  enabled?: boolean;
  isDomain?: boolean;
  /** Absent, null or the domain: a top-level project, the only kind there is. */
  parentId?: string | null;
  tags?: string[];
}

/** What an update may change; the domain, is_domain and the parent may only be named unchanged. */
export type ProjectChanges = Partial<NewProject>;

export interface NewUser {
  name: string;
  /** Absent or null: the user cannot log in with a password. */
  password?: string | null;
  domainId?: string | null;
  defaultProjectId?: string | null;
  enabled?: boolean;
  email?: string | null;
  description?: string | null;
  /** A role (by name) to grant on the default project in the same transaction: a user is never left without it. */
  role?: string;
}

/** What an update may change; the domain may only be named unchanged. */
export type UserChanges = Partial<Omit<NewUser, 'role'>>;

export interface NewRole {
  name: string;
  description?: string | null;
  /** Only global roles (null) exist. */
  domainId?: string | null;
}

export interface Grant {
  projectId: string;
  userId: string;
  roleId: string;
}

/** A role of a user on a domain. */
export interface DomainGrant {
  domainId: string;
  userId: string;
  roleId: string;
}

export interface AssignmentFilter {
  userId?: string;
  /** Only assignments on this project. */
  projectId?: string;
  /** Only assignments on this domain. */
  domainId?: string;
  roleId?: string;
}

/** An assignment with what it names, so a view can show names (include_names): on a project or on a domain. */
export type AssignmentRecord = {
  role: RoleRecord;
  user: { id: string; name: string; domain: DomainRecord };
} & ({ project: { id: string; name: string; domain: DomainRecord }; domain?: undefined } | { domain: DomainRecord; project?: undefined });

const PROJECT_NAME_MAX = 64;
const USER_NAME_MAX = 255;
const ROLE_NAME_MAX = 255;
const TAGS_MAX = 80;
const TAG_MAX = 255;

/** Keystone's names: 1 to max characters, not only blanks. */
function checkName(kind: string, name: string, max: number): void {
  if (name.length < 1 || name.length > max || !/\S/.test(name)) throw new InvalidInput(`${kind} name must be 1 to ${max} characters, not only blanks`);
}

function checkTags(tags: string[]): void {
  if (tags.length > TAGS_MAX) throw new InvalidInput(`a project has at most ${TAGS_MAX} tags, got ${tags.length}`);
  if (new Set(tags).size !== tags.length) throw new InvalidInput('project tags must be unique');
  for (const tag of tags) {
    if (tag.length < 1 || tag.length > TAG_MAX || /[,/]/.test(tag)) throw new InvalidInput(`tag "${tag}" must be 1 to ${TAG_MAX} characters without "," or "/"`);
  }
}

const projectNotFound = (id: string) => new NotFound('project', id, `Could not find project: ${id}.`);
const userNotFound = (id: string) => new NotFound('user', id, `Could not find user: ${id}.`);
const roleNotFound = (id: string) => new NotFound('role', id, `Could not find role: ${id}.`);
const domainNotFound = (id: string) => new NotFound('domain', id, `Could not find domain: ${id}.`);

/**
 * Keystone v3 administration: domains (read), projects, users, roles and role assignments. A
 * change that leaves a token without its ground revokes it: deleting or disabling a project
 * revokes the tokens scoped to it, deleting or disabling a user or changing its password revokes
 * the user's. The built-in roles (admin, member, reader) grant this service's rights; custom
 * roles are kept and assigned as Keystone does, and grant none.
 */
export class IdentityAdmin {
  private readonly records: IdentityRepository;
  /** Hears of every change made here that may end or alter what a credential grants. */
  readonly changes = new IdentityChanges();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.records = new IdentityRepository(db);
  }

  // ---- domains ----

  async listDomains(filter: NameFilter): Promise<DomainRecord[]> {
    return this.records.listDomains(filter);
  }

  async getDomain(id: string): Promise<DomainRecord> {
    const domain = await this.records.getDomain(id);
    if (!domain) throw domainNotFound(id);
    return domain;
  }

  // ---- projects ----

  async createProject(cmd: NewProject): Promise<ProjectRecord> {
    checkName('project', cmd.name, PROJECT_NAME_MAX);
    const domainId = cmd.domainId ?? DEFAULT_DOMAIN.id;
    if (cmd.isDomain) throw new InvalidInput('projects acting as domains are not supported: is_domain must be false');
    if (cmd.parentId != null && cmd.parentId !== domainId) throw new InvalidInput('nested projects are not supported: parent_id must be the domain or null');
    const tags = cmd.tags ?? [];
    checkTags(tags);
    if (!(await this.records.domainExists(domainId))) throw new InvalidInput(`domain ${domainId} does not exist`);
    const project: ProjectRecord = { id: newHexId(), name: cmd.name, domain_id: domainId, description: cmd.description ?? '', enabled: cmd.enabled ?? true, tags };
    await this.unique('project', cmd.name, domainId, async (trx) => {
      if (await this.records.projectByName(cmd.name, domainId, trx)) throw this.duplicate('project', cmd.name, domainId);
      await this.records.insertProject(project, this.clock.now(), trx);
    });
    this.changes.changed();
    return project;
  }

  /** Projects the filter matches; with memberOf, only those that user has a role on. */
  async listProjects(filter: NameFilter & { memberOf?: string }): Promise<ProjectRecord[]> {
    return this.records.listProjects(filter);
  }

  async getProject(id: string): Promise<ProjectRecord> {
    const project = await this.records.getProject(id);
    if (!project) throw projectNotFound(id);
    return project;
  }

  async updateProject(id: string, changes: ProjectChanges): Promise<ProjectRecord> {
    const current = await this.getProject(id);
    if (changes.domainId !== undefined && changes.domainId !== current.domain_id) throw new InvalidInput('the domain of a project cannot change');
    if (changes.isDomain) throw new InvalidInput('a project cannot become a domain');
    if (changes.parentId != null && changes.parentId !== current.domain_id) throw new InvalidInput('the parent of a project cannot change');
    if (changes.name !== undefined) checkName('project', changes.name, PROJECT_NAME_MAX);
    if (changes.tags !== undefined) checkTags(changes.tags);
    const fields: ProjectFields = {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description ?? '' } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.tags !== undefined ? { tags: changes.tags } : {}),
    };
    await this.unique('project', changes.name ?? current.name, current.domain_id, async (trx) => {
      if (changes.name !== undefined && changes.name !== current.name && (await this.records.projectByName(changes.name, current.domain_id, trx))) {
        throw this.duplicate('project', changes.name, current.domain_id);
      }
      await this.records.updateProject(id, fields, trx);
      // A disabled project's tokens stay dead when it is enabled again, as Keystone's do.
      if (changes.enabled === false) await this.records.revokeTokensOf({ projectId: id }, this.clock.now(), trx);
    });
    this.changes.changed();
    return { ...current, ...fields };
  }

  /** Deletes the project with its role assignments and access keys, and revokes the tokens scoped to it. */
  async deleteProject(id: string): Promise<void> {
    const deleted = await this.db.transaction().execute(async (trx) => {
      const gone = await this.records.deleteProject(id, trx);
      if (gone) await this.records.revokeTokensOf({ projectId: id }, this.clock.now(), trx);
      return gone;
    });
    this.changes.changed();
    if (!deleted) throw projectNotFound(id);
  }

  // ---- users ----

  async createUser(cmd: NewUser): Promise<UserRecord> {
    checkName('user', cmd.name, USER_NAME_MAX);
    const domainId = cmd.domainId ?? DEFAULT_DOMAIN.id;
    if (!(await this.records.domainExists(domainId))) throw new InvalidInput(`domain ${domainId} does not exist`);
    const defaultProjectId = cmd.defaultProjectId ?? null;
    if (defaultProjectId !== null && !(await this.records.getProject(defaultProjectId))) throw new InvalidInput(`default project ${defaultProjectId} does not exist`);
    let role: RoleRecord | undefined;
    if (cmd.role !== undefined) {
      if (defaultProjectId === null) throw new InvalidInput('a role is granted on the default project: name one');
      role = await this.roleNamed(cmd.role);
      if (!role) throw new InvalidInput(`role "${cmd.role}" does not exist`);
    }
    const passwordHash = cmd.password == null ? '' : await hashPassword(cmd.password);
    const user: UserRecord = {
      id: newHexId(),
      name: cmd.name,
      domain_id: domainId,
      default_project_id: defaultProjectId,
      enabled: cmd.enabled ?? true,
      email: cmd.email ?? null,
      description: cmd.description ?? null,
    };
    await this.unique('user', cmd.name, domainId, async (trx) => {
      if (await this.records.userByName(cmd.name, domainId, trx)) throw this.duplicate('user', cmd.name, domainId);
      await this.records.insertUser(user, passwordHash, this.clock.now(), trx);
      if (role && defaultProjectId) await this.records.assignRole(user.id, defaultProjectId, role.id, trx);
    });
    return user;
  }

  async listUsers(filter: NameFilter): Promise<UserRecord[]> {
    return this.records.listUsers(filter);
  }

  async getUser(id: string): Promise<UserRecord> {
    const user = await this.records.getUser(id);
    if (!user) throw userNotFound(id);
    return user;
  }

  async updateUser(id: string, changes: UserChanges): Promise<UserRecord> {
    const current = await this.getUser(id);
    if (changes.domainId !== undefined && changes.domainId !== current.domain_id) throw new InvalidInput('the domain of a user cannot change');
    if (changes.name !== undefined) checkName('user', changes.name, USER_NAME_MAX);
    const project = changes.defaultProjectId;
    if (project != null && !(await this.records.getProject(project))) throw new InvalidInput(`default project ${project} does not exist`);
    const fields: Omit<UserFields, 'passwordHash'> = {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.defaultProjectId !== undefined ? { default_project_id: changes.defaultProjectId } : {}),
      ...(changes.email !== undefined ? { email: changes.email } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
    };
    const passwordHash = changes.password === undefined ? undefined : changes.password === null ? '' : await hashPassword(changes.password);
    await this.unique('user', changes.name ?? current.name, current.domain_id, async (trx) => {
      if (changes.name !== undefined && changes.name !== current.name && (await this.records.userByName(changes.name, current.domain_id, trx))) {
        throw this.duplicate('user', changes.name, current.domain_id);
      }
      await this.records.updateUser(id, passwordHash === undefined ? fields : { ...fields, passwordHash }, trx);
      // Tokens got with the old password, or before the user was disabled, end here, as Keystone's do.
      if (changes.enabled === false || changes.password !== undefined) await this.records.revokeTokensOf({ userId: id }, this.clock.now(), trx);
    });
    this.changes.changed();
    return { ...current, ...fields };
  }

  /** Deletes the user with its role assignments and access keys, and revokes its tokens. */
  async deleteUser(id: string): Promise<void> {
    const deleted = await this.db.transaction().execute(async (trx) => {
      const gone = await this.records.deleteUser(id, trx);
      if (gone) await this.records.revokeTokensOf({ userId: id }, this.clock.now(), trx);
      return gone;
    });
    this.changes.changed();
    if (!deleted) throw userNotFound(id);
  }

  /** The projects the user has any role on. */
  async projectsOfUser(userId: string): Promise<ProjectRecord[]> {
    await this.getUser(userId);
    return this.records.projectsOfUser(userId);
  }

  // ---- roles ----

  async listRoles(filter: { name?: string }): Promise<RoleRecord[]> {
    const all = [...BUILT_IN_ROLES, ...(await this.records.listCustomRoles())].sort((a, b) => a.name.localeCompare(b.name));
    return filter.name === undefined ? all : all.filter((r) => r.name === filter.name);
  }

  async getRole(id: string): Promise<RoleRecord> {
    const role = BUILT_IN_ROLES.find((r) => r.id === id) ?? (await this.records.customRole({ id }));
    if (!role) throw roleNotFound(id);
    return role;
  }

  async createRole(cmd: NewRole): Promise<RoleRecord> {
    checkName('role', cmd.name, ROLE_NAME_MAX);
    if (cmd.domainId != null) throw new InvalidInput('domain-specific roles are not supported: domain_id must be null');
    const role: RoleRecord = { id: newHexId(), name: cmd.name, description: cmd.description ?? null, builtIn: false };
    // Names are compared without case, as clients look roles up (Tempest lower-cases both sides).
    const taken = async (trx: Executor) => BUILT_IN_ROLES.some((r) => r.name === cmd.name.toLowerCase()) || (await this.roleNamed(cmd.name, trx)) !== undefined;
    await this.unique('role', cmd.name, null, async (trx) => {
      if (await taken(trx)) throw this.duplicate('role', cmd.name, null);
      await this.records.insertRole(role, this.clock.now(), trx);
    });
    return role;
  }

  /** Deletes a custom role and every assignment of it; the built-in roles stay. */
  async deleteRole(id: string): Promise<void> {
    const role = await this.getRole(id);
    if (role.builtIn) throw new Forbidden(`The built-in role ${role.name} cannot be deleted.`);
    await this.db.transaction().execute((trx) => this.records.deleteRole(id, trx));
    this.changes.changed();
  }

  // ---- role assignments ----

  /** Grants the role; granting it again is no error. */
  async grant(g: Grant): Promise<void> {
    await this.grantParts(g);
    await this.records.assignRole(g.userId, g.projectId, g.roleId);
    this.changes.changed();
  }

  /** Throws NotFound unless the user holds the role on the project. */
  async checkGrant(g: Grant): Promise<void> {
    await this.grantParts(g);
    const held = await this.records.listAssignments(g);
    if (held.length === 0) throw this.noAssignment(g);
  }

  async revoke(g: Grant): Promise<void> {
    await this.grantParts(g);
    const taken = await this.records.unassignRole(g.userId, g.projectId, g.roleId);
    this.changes.changed();
    if (!taken) throw this.noAssignment(g);
  }

  /** The roles the user holds on the project. */
  async rolesOf(projectId: string, userId: string): Promise<RoleRecord[]> {
    await this.getProject(projectId);
    await this.getUser(userId);
    const held = new Set((await this.records.listAssignments({ projectId, userId })).map((a) => a.role_id));
    return (await this.listRoles({})).filter((r) => held.has(r.id));
  }

  /** Direct assignments of users on projects, then on domains (there are no groups or inherited assignments to expand). */
  async listAssignments(filter: AssignmentFilter): Promise<AssignmentRecord[]> {
    const { domainId, ...rest } = filter;
    const rows = domainId !== undefined ? [] : await this.records.listAssignments(rest);
    const domainRows = filter.projectId !== undefined ? [] : await this.records.listDomainAssignments(filter);
    if (rows.length === 0 && domainRows.length === 0) return [];
    const roles = new Map((await this.listRoles({})).map((r) => [r.id, r]));
    const domains = new Map((await this.records.listDomains({})).map((d) => [d.id, d]));
    const projects = new Map((await this.records.listProjects()).map((p) => [p.id, p]));
    const users = new Map((await this.records.listUsers({})).map((u) => [u.id, u]));
    const domain = (id: string): DomainRecord => domains.get(id) ?? { id, name: id, enabled: true };
    const onProjects = rows.flatMap((a: AssignmentRow) => {
      const role = roles.get(a.role_id);
      const user = users.get(a.user_id);
      const project = projects.get(a.project_id);
      // Rows of a deleted custom role or user never outlive them; this only skips a delete racing the listing.
      if (!role || !user || !project) return [];
      return [{ role, user: { id: user.id, name: user.name, domain: domain(user.domain_id) }, project: { id: project.id, name: project.name, domain: domain(project.domain_id) } }];
    });
    const onDomains = domainRows.flatMap((a) => {
      const role = roles.get(a.role_id);
      const user = users.get(a.user_id);
      if (!role || !user) return [];
      return [{ role, user: { id: user.id, name: user.name, domain: domain(user.domain_id) }, domain: domain(a.domain_id) }];
    });
    return [...onProjects, ...onDomains];
  }

  // ---- domain role assignments ----

  /** Grants the role on the domain; granting it again is no error. */
  async grantOnDomain(g: DomainGrant): Promise<void> {
    await this.domainGrantParts(g);
    await this.records.assignDomainRole(g.userId, g.domainId, g.roleId);
    this.changes.changed();
  }

  /** Throws NotFound unless the user holds the role on the domain. */
  async checkDomainGrant(g: DomainGrant): Promise<void> {
    await this.domainGrantParts(g);
    if ((await this.records.listDomainAssignments(g)).length === 0) throw this.noAssignment({ userId: g.userId, roleId: g.roleId, projectId: g.domainId });
  }

  async revokeDomainGrant(g: DomainGrant): Promise<void> {
    await this.domainGrantParts(g);
    const taken = await this.records.unassignDomainRole(g.userId, g.domainId, g.roleId);
    this.changes.changed();
    if (!taken) throw this.noAssignment({ userId: g.userId, roleId: g.roleId, projectId: g.domainId });
  }

  /** The roles the user holds on the domain. */
  async domainRolesOf(domainId: string, userId: string): Promise<RoleRecord[]> {
    await this.getDomain(domainId);
    await this.getUser(userId);
    const held = new Set((await this.records.listDomainAssignments({ domainId, userId })).map((a) => a.role_id));
    return (await this.listRoles({})).filter((r) => held.has(r.id));
  }

  // ---- helpers ----

  private async roleNamed(name: string, executor?: Executor): Promise<RoleRecord | undefined> {
    const lower = name.toLowerCase();
    return BUILT_IN_ROLES.find((r) => r.name === lower) ?? (await this.records.listCustomRoles(executor)).find((r) => r.name.toLowerCase() === lower);
  }

  /** The project, user and role of a grant exist: each missing one is Keystone's 404. */
  private async grantParts(g: Grant): Promise<void> {
    await this.getProject(g.projectId);
    await this.getUser(g.userId);
    await this.getRole(g.roleId);
  }

  /** The domain, user and role of a domain grant exist: each missing one is Keystone's 404. */
  private async domainGrantParts(g: DomainGrant): Promise<void> {
    await this.getDomain(g.domainId);
    await this.getUser(g.userId);
    await this.getRole(g.roleId);
  }

  private noAssignment(g: Grant): NotFound {
    return new NotFound('role_assignment', `${g.userId}/${g.projectId}/${g.roleId}`, `Could not find role assignment with role: ${g.roleId}, user or group: ${g.userId}, project, domain, or system: ${g.projectId}.`);
  }

  private duplicate(kind: 'project' | 'user' | 'role', name: string, domainId: string | null): Conflict {
    return new Conflict(`${kind} "${name}" already exists${domainId ? ` in domain ${domainId}` : ''}`);
  }

  /**
   * Runs a check-then-write of a named record in one transaction; a concurrent writer of the
   * same name that wins the race makes the unique index refuse the loser, which is then the
   * same Conflict as when the check sees it.
   */
  private async unique(kind: 'project' | 'user' | 'role', name: string, domainId: string | null, work: (trx: Executor) => Promise<void>): Promise<void> {
    try {
      await this.db.transaction().execute(work);
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicate(kind, name, domainId);
      throw err;
    }
  }
}

/** Unique-index violations, as SQLite and PostgreSQL report them. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
