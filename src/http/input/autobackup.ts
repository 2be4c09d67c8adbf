/** Rules every AutoBackup (backup policy) request body and path id meets, with the family's codes. */
import type { TObject } from '@sinclair/typebox';
import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import { refuseUnknownFields } from './common.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The body as an object; an absent or empty one is AutoBackup.0000. */
export function requireBody(body: unknown): Json {
  if (body === undefined || body === null || (isObject(body) && Object.keys(body).length === 0)) {
    throw new ApiError('AutoBackup.0000', 'The request body is empty.');
  }
  if (!isObject(body)) throw new ApiError('AutoBackup.0008', 'The request body must be a JSON object.');
  refuseAngleBrackets(body);
  return body;
}

/** No string anywhere in a policy request may hold "<" or ">" (AutoBackup.0221). */
function refuseAngleBrackets(value: unknown, path = 'body'): void {
  if (typeof value === 'string') {
    if (/[<>]/.test(value)) throw new ApiError('AutoBackup.0221', `The request contains invalid parameters: ${path} must not contain "<" or ">".`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => refuseAngleBrackets(v, `${path}[${i}]`));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (/[<>]/.test(k)) throw new ApiError('AutoBackup.0221', `The request contains invalid parameters: ${path} has a field name with "<" or ">".`);
      refuseAngleBrackets(v, `${path}.${k}`);
    }
  }
}

/** A policy id of the path (or of a body): empty is AutoBackup.0006, not a UUID AutoBackup.0205. */
export function policyIdOf(raw: string | undefined): string {
  if (!raw) throw new ApiError('AutoBackup.0006', 'The backup policy id is empty.');
  if (!isUuid(raw)) throw new ApiError('AutoBackup.0205', `Backup policy ${raw} does not exist.`);
  return raw;
}

/** A field `schema` does not name is AutoBackup.0221, with a message naming it and `where` it is. */
export function refuseUnknown(value: Json, schema: TObject, where: string): void {
  refuseUnknownFields(value, schema, 'AutoBackup.0221', where);
}
