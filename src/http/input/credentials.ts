import { ApiError } from '../../common/errors.js';
import { CREDENTIAL_STATUSES, type CredentialStatus } from '../../services/identity/credential-repository.js';
import type { CredentialChanges, NewCredential } from '../../services/identity/credentials.js';
import { CredentialCreateBody, CredentialUpdateBody } from '../schemas/credentials.js';
import { refuseUnknownFields } from './common.js';

type Obj = Record<string, unknown>;

function invalid(what: string): ApiError {
  return new ApiError('common.0400', `Invalid input: ${what}.`);
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The body's `credential` object, holding only the fields its schema names. */
function credentialObject(body: unknown, schema: typeof CredentialCreateBody | typeof CredentialUpdateBody): Obj {
  if (isObject(body)) refuseUnknownFields(body, schema, 'common.0400', 'Invalid input: the request body');
  const c = isObject(body) ? body.credential : undefined;
  if (!isObject(c)) throw invalid('the body needs a "credential" object');
  refuseUnknownFields(c, schema.properties.credential, 'common.0400', 'Invalid input: credential');
  return c;
}

function optionalString(c: Obj, key: string, max = 255): string | undefined {
  const v = c[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`credential.${key} must be a string`);
  if (v.length > max) throw invalid(`credential.${key} must be at most ${max} characters`);
  return v;
}

/** POST /identity/v3.0/OS-CREDENTIAL/credentials. */
export function parseCredentialCreate(body: unknown): NewCredential {
  const c = credentialObject(body, CredentialCreateBody);
  const userId = optionalString(c, 'user_id', 64);
  if (!userId) throw invalid('credential.user_id is required');
  return { userId, description: optionalString(c, 'description'), projectId: optionalString(c, 'project_id', 64) };
}

/** PUT /identity/v3.0/OS-CREDENTIAL/credentials/{access}. */
export function parseCredentialUpdate(body: unknown): CredentialChanges {
  const c = credentialObject(body, CredentialUpdateBody);
  const out: CredentialChanges = {};
  if (c.status !== undefined) {
    if (!(CREDENTIAL_STATUSES as readonly unknown[]).includes(c.status)) throw invalid(`credential.status must be ${CREDENTIAL_STATUSES.join(' or ')}`);
    out.status = c.status as CredentialStatus;
  }
  const description = optionalString(c, 'description');
  if (description !== undefined) out.description = description;
  if (Object.keys(out).length === 0) throw invalid('credential must name status or description');
  return out;
}

/** GET .../credentials?user_id=. */
export function parseCredentialsQuery(query: Record<string, unknown>): { userId?: string } {
  const v = query.user_id;
  if (v === undefined) return {};
  if (typeof v !== 'string' || v === '') throw invalid('user_id must be given once, not empty');
  return { userId: v };
}
