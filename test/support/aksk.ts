/**
 * Requests signed by the official Huawei Cloud SDK's own signer, sent to a test server with
 * fetch: the SDK builds and signs the request object exactly as its clients do.
 */
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HttpRequestBuilder } from '@huaweicloud/huaweicloud-sdk-core/http/IHttpRequestBuilder.js';
import type { Reply } from './server.js';

export interface AccessKey {
  access: string;
  secret: string;
}

export interface SignedRequestOptions {
  /** A path template as the SDK's clients write them, e.g. `/v2/{project_id}/volumes`. */
  path: string;
  /** Fills `{project_id}` and sends X-Project-Id, as BasicCredentials.withProjectId does. */
  projectId?: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sign as of this time instead of now (X-Sdk-Date, YYYYMMDDTHHMMSSZ). */
  date?: Date;
}

export interface PreparedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export function sdkDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** The request the SDK would send, signed with the key; not yet sent. */
export async function signRequest(baseUrl: string, key: AccessKey, method: string, options: SignedRequestOptions): Promise<PreparedRequest> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.date) headers['X-Sdk-Date'] = sdkDate(options.date);
  if (options.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  const builder = new HttpRequestBuilder()
    .withEndpoint(baseUrl)
    .withUrl(options.path)
    .withMethod(method)
    .withHeaders(headers)
    .withQueryParams({ ...options.query });
  if (options.body !== undefined) builder.withData(options.body);
  const request = builder.build();
  request.pathParams = {};
  const credentials = new BasicCredentials({ ak: key.access, sk: key.secret });
  if (options.projectId) credentials.withProjectId(options.projectId);
  // The HcClient argument only serves federated tokens, which an AK/SK pair never needs.
  const signed = await credentials.processAuthRequest(null as never, request);
  const query = new URLSearchParams(options.query ?? {}).toString();
  const sent: Record<string, string> = {};
  // fetch derives Host from the URL, which is the value the signer used.
  for (const [name, value] of Object.entries(signed.headers as Record<string, unknown>)) if (name.toLowerCase() !== 'host') sent[name] = String(value);
  return {
    method,
    url: `${signed.endpoint as string}${query ? `?${query}` : ''}`,
    headers: sent,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  };
}

export async function send(prepared: PreparedRequest): Promise<Reply> {
  const res = await fetch(prepared.url, { method: prepared.method, headers: prepared.headers, body: prepared.body });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

export async function signedCall(server: { url: string }, key: AccessKey, method: string, options: SignedRequestOptions): Promise<Reply> {
  return send(await signRequest(server.url, key, method, options));
}
