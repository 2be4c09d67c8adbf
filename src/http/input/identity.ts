import type { TObject } from '@sinclair/typebox';
import { ApiError } from '../../common/errors.js';
import type { AssignmentFilter, NameFilter, NewProject, NewRole, NewUser, ProjectChanges, UserChanges } from '../../services/identity/identity-admin.js';
import { ProjectCreateBody, ProjectUpdateBody, RoleCreateBody, UserCreateBody, UserUpdateBody, type AuthBody } from '../schemas/identity.js';
import { refuseUnknownFields } from './common.js';

/** A malformed identity request: Keystone's 400, in the identity envelope. */
function invalid(where: string, what: string): ApiError {
  return new ApiError('common.0400', `Invalid input: ${where} ${what}.`);
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, where: string): Obj {
  if (!isObject(v)) throw invalid(where, 'must be an object');
  return v;
}

function optionalObject(parent: Obj, key: string, where: string): Obj | undefined {
  return parent[key] === undefined ? undefined : object(parent[key], `${where}.${key}`);
}

function text(parent: Obj, key: string, where: string): string {
  const v = parent[key];
  if (typeof v !== 'string') throw invalid(`${where}.${key}`, v === undefined ? 'is required' : 'must be a string');
  return v;
}

function optionalText(parent: Obj, key: string, where: string): string | undefined {
  return parent[key] === undefined ? undefined : text(parent, key, where);
}

function domainRef(parent: Obj, where: string): { id?: string; name?: string } | undefined {
  const d = optionalObject(parent, 'domain', where);
  if (!d) return undefined;
  const at = `${where}.domain`;
  return { id: optionalText(d, 'id', at), name: optionalText(d, 'name', at) };
}

/**
 * POST /auth/tokens: the body as the route's schema (AuthBody) documents it. Fields it does not
 * name are let through, as Keystone does (clients send methods' extras). Whether the methods and
 * the scope are ones this service supports is the route's to say.
 */
export function parseAuthBody(body: unknown): AuthBody {
  const auth = object(isObject(body) ? body.auth : undefined, 'auth');
  const who = object(auth.identity, 'auth.identity');
  const methods = who.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    throw invalid('auth.identity.methods', 'must be a list of at least one method name');
  }
  const identity: AuthBody['auth']['identity'] = { methods: methods as string[] };
  const password = optionalObject(who, 'password', 'auth.identity');
  if (password) {
    const where = 'auth.identity.password.user';
    const user = object(password.user, where);
    identity.password = {
      user: { id: optionalText(user, 'id', where), name: optionalText(user, 'name', where), domain: domainRef(user, where), password: text(user, 'password', where) },
    };
  }
  const token = optionalObject(who, 'token', 'auth.identity');
  if (token) identity.token = { id: text(token, 'id', 'auth.identity.token') };

  const scope = auth.scope;
  if (scope === undefined) return { auth: { identity } };
  if (scope === 'unscoped') return { auth: { identity, scope } };
  if (!isObject(scope)) throw invalid('auth.scope', 'must be an object or "unscoped"');
  if (scope.project === undefined && scope.domain !== undefined) {
    const domain = object(scope.domain, 'auth.scope.domain');
    return { auth: { identity, scope: { domain: { id: optionalText(domain, 'id', 'auth.scope.domain'), name: optionalText(domain, 'name', 'auth.scope.domain') } } } };
  }
  if (scope.project === undefined) return { auth: { identity, scope } };
  const where = 'auth.scope.project';
  const project = object(scope.project, where);
  return { auth: { identity, scope: { project: { id: optionalText(project, 'id', where), name: optionalText(project, 'name', where), domain: domainRef(project, where) } } } };
}

// ---- administration: bodies and queries ----

function nullableText(parent: Obj, key: string, where: string): string | null | undefined {
  return parent[key] === null ? null : optionalText(parent, key, where);
}

function optionalBoolean(parent: Obj, key: string, where: string): boolean | undefined {
  const v = parent[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${where}.${key}`, 'must be true or false');
  return v;
}

function optionalTags(parent: Obj, key: string, where: string): string[] | undefined {
  const v = parent[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((t) => typeof t === 'string')) throw invalid(`${where}.${key}`, 'must be a list of strings');
  return v as string[];
}

/**
 * The resource object of an administration body ({"project": {...}}): the body holds nothing
 * else, as Keystone's schemas say; inside, fields Keystone would keep as extras are let through
 * and not kept.
 */
function resource(body: unknown, schema: TObject, key: string, update: boolean): Obj {
  if (isObject(body)) refuseUnknownFields(body, schema, 'common.0400', 'Invalid input: the request body');
  const inner = object(isObject(body) ? body[key] : undefined, key);
  if (update && Object.keys(inner).length === 0) throw invalid(key, 'must name at least one field to change');
  return inner;
}

/** The fields of a project body, each optional (a create requires the name besides). */
function projectFields(p: Obj): ProjectChanges {
  return {
    name: optionalText(p, 'name', 'project'),
    domainId: nullableText(p, 'domain_id', 'project'),
    description: nullableText(p, 'description', 'project'),
    enabled: optionalBoolean(p, 'enabled', 'project'),
    isDomain: optionalBoolean(p, 'is_domain', 'project'),
    parentId: nullableText(p, 'parent_id', 'project'),
    tags: optionalTags(p, 'tags', 'project'),
  };
}

/** POST /projects. */
export function parseProjectCreate(body: unknown): NewProject {
  const p = resource(body, ProjectCreateBody, 'project', false);
  return { ...projectFields(p), name: text(p, 'name', 'project') };
}

/** PATCH /projects/{id}. */
export function parseProjectUpdate(body: unknown): ProjectChanges {
  return projectFields(resource(body, ProjectUpdateBody, 'project', true));
}

/** The fields of a user body, each optional (a create requires the name besides). */
function userFields(u: Obj): UserChanges {
  return {
    name: optionalText(u, 'name', 'user'),
    password: nullableText(u, 'password', 'user'),
    domainId: optionalText(u, 'domain_id', 'user'),
    defaultProjectId: nullableText(u, 'default_project_id', 'user'),
    enabled: optionalBoolean(u, 'enabled', 'user'),
    email: nullableText(u, 'email', 'user'),
    description: nullableText(u, 'description', 'user'),
  };
}

/** POST /users. */
export function parseUserCreate(body: unknown): NewUser {
  const u = resource(body, UserCreateBody, 'user', false);
  return { ...userFields(u), name: text(u, 'name', 'user') };
}

/** PATCH /users/{id}. */
export function parseUserUpdate(body: unknown): UserChanges {
  return userFields(resource(body, UserUpdateBody, 'user', true));
}

/** POST /roles. */
export function parseRoleCreate(body: unknown): NewRole {
  const r = resource(body, RoleCreateBody, 'role', false);
  if (r.domain_id !== undefined && r.domain_id !== null) throw invalid('role.domain_id', 'must be null: only global roles exist');
  return { name: text(r, 'name', 'role'), description: nullableText(r, 'description', 'role'), domainId: null };
}

type Query = Record<string, string | string[] | undefined>;

/** A query parameter's value; of a repeated one, the last, as Keystone's request args give. */
function queryValue(query: Query, key: string): string | undefined {
  const v = query[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Keystone's boolean list filter: the false strings are false, any other value true. */
function enabledFilter(query: Query): boolean | undefined {
  const v = queryValue(query, 'enabled');
  return v === undefined ? undefined : !/^(f|false|n|no|off|0)$/i.test(v);
}

/** Keystone's flag parameters (effective, include_names): present and not 0. */
function flag(query: Query, key: string): boolean {
  const v = queryValue(query, key);
  return v !== undefined && v !== '0';
}

/** ?name=, ?domain_id=, ?enabled= of the domain, project and user listings. */
export function parseNameFilter(query: Query): NameFilter {
  return { name: queryValue(query, 'name'), domainId: queryValue(query, 'domain_id'), enabled: enabledFilter(query) };
}

/**
 * GET /role_assignments. Every assignment here is a user's on a project: a filter on a group, a
 * domain or the system selects nothing (`none`). Contradicting filters are Keystone's 400s.
 */
export function parseAssignmentsQuery(query: Query): { filter: AssignmentFilter; includeNames: boolean; none: boolean } {
  const has = (key: string) => Boolean(queryValue(query, key));
  if (has('scope.domain.id') && has('scope.project.id')) throw invalid('query', 'names a domain and a project: specify one');
  if (has('scope.system') && (has('scope.domain.id') || has('scope.project.id'))) throw invalid('query', 'names the system and a domain or project: specify one');
  if (has('user.id') && has('group.id')) throw invalid('query', 'names a user and a group: specify one');
  if (flag(query, 'effective') && has('group.id')) throw invalid('query', 'combines effective and a group, which always selects nothing');
  return {
    filter: { userId: queryValue(query, 'user.id'), projectId: queryValue(query, 'scope.project.id'), domainId: queryValue(query, 'scope.domain.id'), roleId: queryValue(query, 'role.id') },
    includeNames: flag(query, 'include_names'),
    none: has('group.id') || has('scope.system'),
  };
}
