/**
 * An authenticated conversation with the service over HTTP: a project-scoped token (from the
 * cache or from Keystone), the endpoints of its service catalogue, and requests whose refusals
 * become errors in the service's own words.
 */
import type { Credentials } from './credentials.js';
import { ApiFailure, ClientError, failureOf } from './errors.js';
import { cacheFile, forgetToken, readToken, writeToken, type CachedToken, type CatalogEntry } from './token-cache.js';

/** The services of the catalogue the client calls; `jobs` is the VBS job API at /v1/{project}. */
export type Service = 'volumev3' | 'volumev2' | 'vbs' | 'jobs' | 'identity';

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** A Cinder microversion, e.g. "3.47". */
  microversion?: string;
}

/** An error from fetch itself (nothing answered), as one line naming the server. */
function unreachable(url: string, err: unknown): ClientError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new ClientError(`cannot reach the service at ${new URL(url).origin}: ${why}`);
}

async function bodyOf(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface TokenBody {
  token: {
    expires_at: string;
    user: { id: string; name: string };
    project?: { id: string; name: string };
    catalog?: CatalogEntry[];
  };
}

export class Session {
  private token: CachedToken | null;
  private readonly file: string;

  constructor(
    readonly credentials: Credentials,
    env: Record<string, string | undefined> = process.env,
  ) {
    this.file = cacheFile(credentials, env);
    this.token = readToken(this.file);
  }

  /** A token straight from Keystone (also replacing the cached one). */
  async login(): Promise<CachedToken> {
    const c = this.credentials;
    const project = c.projectId ? { id: c.projectId } : { name: c.projectName, domain: { name: c.projectDomainName } };
    const identity = c.token
      ? { methods: ['token'], token: { id: c.token } }
      : { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } } };
    const url = `${c.authUrl}/auth/tokens`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ auth: { identity, scope: { project } } }),
      });
    } catch (err) {
      throw unreachable(url, err);
    }
    const body = await bodyOf(res);
    if (res.status === 401) {
      const who = c.token ? 'the token (OS_TOKEN)' : `user ${c.username} (domain ${c.userDomainName})`;
      throw new ApiFailure(401, null, `authentication failed for ${who} at ${c.authUrl}: wrong user name or password, or no role on project ${c.projectId ?? c.projectName}`);
    }
    if (res.status !== 201) throw failureOf(res.status, res.statusText, body, `authentication at ${url}`);
    const t = (body as TokenBody).token;
    const subject = res.headers.get('x-subject-token');
    if (!subject || !t?.project || !Array.isArray(t.catalog)) throw new ClientError(`${url} answered no project-scoped token with a catalogue`);
    this.token = { token: subject, expiresAt: t.expires_at, user: { id: t.user.id, name: t.user.name }, project: t.project, catalog: t.catalog };
    writeToken(this.file, this.token);
    return this.token;
  }

  /** The cached token if it is still good, else a new one. */
  async current(): Promise<CachedToken> {
    return this.token ?? this.login();
  }

  /** The public URL of a service of the token's catalogue (so VBS_PUBLIC_URL is what the client calls). */
  async endpoint(service: Service): Promise<string> {
    const t = await this.current();
    const type = service === 'jobs' ? 'vbs' : service;
    const entry = t.catalog.find((e) => e.type === type) ?? (type === 'volumev3' ? t.catalog.find((e) => e.type === 'block-storage') : undefined);
    const region = this.credentials.regionName;
    const endpoints = (entry?.endpoints ?? []).filter((e) => e.interface === 'public' && (!region || e.region_id === region || e.region === region));
    if (endpoints.length === 0) throw new ClientError(`the service catalogue has no public ${type} endpoint${region ? ` in region ${region}` : ''}`);
    const url = endpoints[0].url.replace(/\/+$/, '');
    // Jobs are answered under /v1/{project_id}, beside the VBS API's /v2/{project_id}.
    return service === 'jobs' ? url.replace(/\/v2\/([^/]+)$/, '/v1/$1') : url;
  }

  /** One request; a refused token is renewed once, any other refusal is thrown as an ApiFailure. */
  async request<T>(method: string, service: Service, path: string, options: RequestOptions = {}): Promise<T> {
    const send = async (): Promise<Response> => {
      const base = await this.endpoint(service);
      const url = new URL(base + path);
      for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = { accept: 'application/json', 'x-auth-token': this.token!.token };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.microversion) headers['openstack-api-version'] = `volume ${options.microversion}`;
      try {
        return await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
      } catch (err) {
        throw unreachable(url.href, err);
      }
    };
    let res = await send();
    if (res.status === 401) {
      // Revoked, or expired early: authenticate once more, and only once.
      await res.body?.cancel();
      forgetToken(this.file);
      await this.login();
      res = await send();
    }
    const body = await bodyOf(res);
    if (!res.ok) throw failureOf(res.status, res.statusText, body, `${method} ${path}`);
    return body as T;
  }
}
