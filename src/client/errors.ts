/**
 * What the client reports to its user: one line each, no stack trace. The service's own words
 * are kept: each API family wraps its message in its own envelope, and the message is what a
 * user can act on.
 */

/** A problem on this side of the wire: configuration, arguments, a server that cannot be reached. */
export class ClientError extends Error {}

/** A request the service refused, with the status and the family's code when it gave one. */
export class ApiFailure extends ClientError {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** A job (or a backup or volume followed without one) that ended in failure. */
export class JobFailure extends ClientError {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The code and message of an error body, whichever envelope it comes in: VBS and AutoBackup
 * `{"error": {"code", "message"}}`, Keystone `{"error": {"code": 401, "title", "message"}}`,
 * Cinder `{"itemNotFound": {"code": 404, "message"}}` (the key names the fault), CBR
 * `{"error_code", "error_msg"}`.
 */
export function errorOf(body: unknown): { code: string | null; message: string } | null {
  if (!isObject(body)) return null;
  if (typeof body.error_msg === 'string') return { code: typeof body.error_code === 'string' ? body.error_code : null, message: body.error_msg };
  const keys = Object.keys(body);
  if (keys.length !== 1) return null;
  const inner = body[keys[0]];
  if (!isObject(inner) || typeof inner.message !== 'string') return null;
  // A numeric code is the HTTP status again (Cinder, Keystone): only a family's own code says more.
  return { code: typeof inner.code === 'string' ? inner.code : null, message: inner.message };
}

/** The failure a reply stands for, in the service's words when it gave some. */
export function failureOf(status: number, statusText: string, body: unknown, what: string): ApiFailure {
  const e = errorOf(body);
  if (e) return new ApiFailure(status, e.code, e.code ? `${e.message} (${e.code}, HTTP ${status})` : `${e.message} (HTTP ${status})`);
  return new ApiFailure(status, null, `${what} failed: HTTP ${status} ${statusText}`.trim());
}
