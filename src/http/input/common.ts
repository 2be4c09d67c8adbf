import type { TObject } from '@sinclair/typebox';
import { ApiError, type ErrorCode } from '../../common/errors.js';

/** Checks of request bodies shared by volumes and snapshots; each failure is 400 with a clear message. */
export function bad(message: string): ApiError {
  return new ApiError('common.0400', `Invalid input received: ${message}`);
}

export function bodyObject(body: unknown, key: string): Record<string, unknown> {
  const inner = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[key] : undefined;
  if (!inner || typeof inner !== 'object' || Array.isArray(inner)) {
    throw new ApiError('common.0400', `Missing required element '${key}' in request body.`);
  }
  return inner as Record<string, unknown>;
}

export function optionalText(obj: Record<string, unknown>, field: string, max = 255): string | null | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string') throw bad(`${field} must be a string.`);
  if (v.length > max) throw bad(`${field} must be at most ${max} characters, got ${v.length}.`);
  return v;
}

/** name/description, also under their v1 names display_name/display_description. */
export function nameAndDescription(obj: Record<string, unknown>): { name?: string | null; description?: string | null } {
  const out: { name?: string | null; description?: string | null } = {};
  const name = optionalText(obj, 'name') ?? optionalText(obj, 'display_name');
  const description = optionalText(obj, 'description') ?? optionalText(obj, 'display_description');
  if (name !== undefined || 'name' in obj) out.name = name ?? null;
  if (description !== undefined || 'description' in obj) out.description = description ?? null;
  return out;
}

export function metadataOf(raw: unknown, field = 'metadata'): Record<string, string> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`${field} must be an object of string keys and values.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k.length === 0 || k.length > 255) throw bad(`${field} keys must be 1 to 255 characters.`);
    if (typeof v !== 'string') throw bad(`${field} value of "${k}" must be a string.`);
    if (v.length > 255) throw bad(`${field} value of "${k}" must be at most 255 characters.`);
    out[k] = v;
  }
  return out;
}

/** A whole number of GiB, also as a numeric string (Cinder accepts "10"). */
export function positiveSize(raw: unknown, field = 'size'): number {
  const n = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) {
    throw bad(`${field} must be a whole number of GiB from 1, got ${JSON.stringify(raw)}.`);
  }
  return n;
}

/** true/false, also as the strings Cinder accepts ("true", "False", "1" ...). */
export function booleanOf(raw: unknown, field: string): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    if (/^(true|t|yes|y|1|on)$/i.test(raw)) return true;
    if (/^(false|f|no|n|0|off)$/i.test(raw)) return false;
  }
  throw bad(`${field} must be a boolean, got ${JSON.stringify(raw)}.`);
}

/**
 * Refuses an object holding a field its schema does not name, so a misspelled field is an error
 * and not silently ignored. The route's documented schema is the one list of fields.
 */
export function refuseUnknownFields(value: Record<string, unknown>, schema: TObject, code: ErrorCode, where: string): void {
  const known = Object.keys(schema.properties);
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ApiError(code, `${where} has no field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; its fields are ${known.join(', ')}.`);
  }
}

/**
 * Cinder's JSON schemas refuse keys they do not name at the top of a resource body, and for
 * most bodies inside the resource too (a volume create only from microversion 3.53): 400
 * badRequest, before anything is looked at.
 */
export function refuseUnknownCinderKeys(body: unknown, schema: TObject, resource: string, inner = true): void {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  refuseUnknownFields(body as Record<string, unknown>, schema, 'common.0400', 'Invalid input: the request body');
  const spec = (body as Record<string, unknown>)[resource];
  const specSchema = schema.properties[resource] as TObject | undefined;
  if (inner && specSchema?.properties && spec && typeof spec === 'object' && !Array.isArray(spec)) {
    refuseUnknownFields(spec as Record<string, unknown>, specSchema, 'common.0400', `Invalid input: ${resource}`);
  }
}
