import { ApiError, errorFromBody } from './errors.js';

/** The Cinder microversion the console speaks on /v3 (with_count, fuzzy filters, backup metadata). */
export const VOLUME_MICROVERSION = '3.59';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/**
 * Same-origin JSON over fetch: the token in X-Auth-Token, the microversion on /v3, every error
 * turned into an ApiError with the family's message. A 401 with a token means the token expired
 * or was revoked: `onUnauthorized` takes the user back to the login form.
 */
export class ApiClient {
  constructor(
    private readonly token: string | null,
    private readonly onUnauthorized: (err: ApiError) => void = () => {},
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.token) headers['x-auth-token'] = this.token;
    if (path.startsWith('/v3/')) headers['openstack-api-version'] = `volume ${VOLUME_MICROVERSION}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await fetch(withQuery(path, options.query), { method, headers, body, credentials: 'omit' });
    } catch (err) {
      throw new ApiError(`The server could not be reached: ${err instanceof Error ? err.message : String(err)}`, 0, 'network');
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const err = errorFromBody(res.status, parsed, res.statusText);
      if (res.status === 401 && this.token) this.onUnauthorized(err);
      throw err;
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.request<T>('GET', path, { query })).body;
  }
  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>('POST', path, { body })).body;
  }
  async put<T>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>('PUT', path, { body })).body;
  }
  async delete<T = undefined>(path: string, query?: Query): Promise<T> {
    return (await this.request<T>('DELETE', path, { query })).body;
  }
}
