/**
 * One error type for every API family. Each family wraps its error differently:
 *   Cinder    {"badRequest": {"code": 400, "message": "..."}} (the key names the kind)
 *   VBS       {"error": {"code": "VolumeBackup.0003", "message": "..."}} (also AutoBackup, sharing)
 *   Keystone  {"error": {"code": 401, "title": "Unauthorized", "message": "..."}}
 * so the one extractor below reads the message (and a code) out of any of them.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The family's code: VolumeBackup.0003, itemNotFound, Unauthorized ...; the status when none. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function errorFromBody(status: number, body: unknown, statusText = ''): ApiError {
  if (isRecord(body)) {
    for (const [kind, inner] of Object.entries(body)) {
      if (!isRecord(inner) || typeof inner.message !== 'string') continue;
      // VBS codes are names (VolumeBackup.0003); Cinder's and Keystone's are the status, so the
      // envelope key (itemNotFound) or Keystone's title says more.
      const code = typeof inner.code === 'string' ? inner.code : typeof inner.title === 'string' ? inner.title : kind === 'error' ? String(status) : kind;
      return new ApiError(inner.message, status, code);
    }
    if (typeof body.message === 'string') return new ApiError(body.message, status, String(status));
  }
  return new ApiError(`HTTP ${status}${statusText ? ` ${statusText}` : ''}: the server gave no error message.`, status, String(status));
}

/** A message for anything a page caught: an API error's own message, or what went wrong on the way. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.code && !/^\d+$/.test(err.code) && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
