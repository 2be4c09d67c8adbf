import { ApiError } from '../../common/errors.js';
import type { AuthBody } from '../schemas/identity.js';

/** A malformed token request: Keystone's 400, in the identity envelope. */
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
  if (scope.project === undefined) return { auth: { identity, scope } };
  const where = 'auth.scope.project';
  const project = object(scope.project, where);
  return { auth: { identity, scope: { project: { id: optionalText(project, 'id', where), name: optionalText(project, 'name', where), domain: domainRef(project, where) } } } };
}
