import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './roles.js';
import { IdentityError } from './identity.js';

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type CredentialLookup = (access: string) => Promise<{ secret: string; principal: Principal } | undefined>;

/** Records a verified signature of a mutating request until it expires; false when it was used before. */
export type SignatureClaim = (signature: Buffer, expiresAt: Date) => Promise<boolean>;

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** How far X-Sdk-Date may lie from the server's clock, either way: bounds replays and clock drift. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** The payload-hash value the SDK sends for bodies it does not hash (uploads that are not JSON). */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Requests that change nothing may be sent again while their signature is valid. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const AUTHORIZATION = /^SDK-HMAC-SHA256\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9A-Fa-f]{64})\s*$/;
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function reject(message: string): never {
  throw new IdentityError('unauthorized', message);
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 percent-encoding: only unreserved characters stay as they are. */
function encodeComponent(value: string): string {
  try {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    reject('The request URL cannot be canonicalised for signing.');
  }
}

function singleHeader(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The path as sent, every segment encoded once more, ending with a slash (what the signer hashes). */
function canonicalUri(rawPath: string): string {
  const uri = rawPath.split('/').map(encodeComponent).join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/** Parameters decoded, sorted by name and, within a name, by value; then re-encoded. */
function canonicalQuery(rawQuery: string): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  const pairs: string[] = [];
  for (const name of [...byName.keys()].sort()) {
    for (const value of byName.get(name)!.sort()) pairs.push(`${encodeComponent(name)}=${encodeComponent(value)}`);
  }
  return pairs.join('&');
}

function parseSdkDate(value: string | undefined): Date {
  const m = value === undefined ? null : SDK_DATE.exec(value);
  if (!m) reject('X-Sdk-Date is missing or not of the form YYYYMMDDTHHMMSSZ.');
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const when = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 31 February over into March; a real timestamp survives the round trip.
  if (when.getUTCMonth() !== mo - 1 || when.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) reject('X-Sdk-Date is not a valid time.');
  return when;
}

/**
 * The payload hash that was signed; a declared hash must be the body's. Every body is hashed,
 * whatever its type: UNSIGNED-PAYLOAD stands only for a request without one.
 */
function payloadHash(req: SignedRequest): string {
  const actual = sha256Hex(req.body);
  const declared = singleHeader(req.headers, 'x-sdk-content-sha256')?.trim();
  if (declared === undefined) return actual;
  if (declared === UNSIGNED_PAYLOAD) {
    if (req.body.length > 0) reject('A request body must be covered by the signature; UNSIGNED-PAYLOAD is refused for a request with a body.');
    return declared;
  }
  if (declared.toLowerCase() !== actual) reject('X-Sdk-Content-Sha256 does not match the request body.');
  return declared;
}

/**
 * Checks an SDK-HMAC-SHA256 signed request; the principal of its access key, or IdentityError.
 * A signature of a request that changes something is accepted once (`claim`): a replay within
 * its 15 minutes, whatever its body, is refused.
 */
export async function verifySignedRequest(req: SignedRequest, lookup: CredentialLookup, claim: SignatureClaim, now: Date): Promise<Principal> {
  const authorization = singleHeader(req.headers, 'authorization') ?? '';
  const parts = AUTHORIZATION.exec(authorization.trim());
  if (!parts) reject('The Authorization header is not of the form "SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...".');
  const [, access, signedHeaderList, signature] = parts;
  const signedHeaders = signedHeaderList.split(';');
  if (signedHeaders.some((h) => h === '' || h !== h.toLowerCase())) reject('SignedHeaders must list lower-case header names separated by ";".');
  if (!signedHeaders.includes('host')) reject('The signature must cover the Host header.');

  const rawDate = singleHeader(req.headers, 'x-sdk-date')?.trim();
  const signedAt = parseSdkDate(rawDate);
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    reject('The request was signed more than 15 minutes away from the server\'s time; check the client\'s clock.');
  }

  let headerBlock = '';
  for (const name of signedHeaders) {
    const value = singleHeader(req.headers, name);
    if (value === undefined) reject(`The signed header ${name} is missing from the request.`);
    headerBlock += `${name}:${value.trim()}\n`;
  }

  const credential = await lookup(access);
  if (!credential) reject('The access key is unknown or inactive, or its user or project is disabled.');

  const queryAt = req.url.indexOf('?');
  const rawPath = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? '' : req.url.slice(queryAt + 1);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    headerBlock,
    signedHeaderList,
    payloadHash(req),
  ].join('\n');
  const stringToSign = `${SIGNING_ALGORITHM}\n${rawDate}\n${sha256Hex(canonicalRequest)}`;
  const expected = createHmac('sha256', credential.secret).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    reject('The request signature does not match: check the secret key and what was signed.');
  }
  if (!READ_METHODS.has(req.method.toUpperCase()) && !(await claim(given, new Date(signedAt.getTime() + MAX_CLOCK_SKEW_MS)))) {
    reject('This signed request was already used: a request that changes something is accepted once; sign each request anew.');
  }
  return credential.principal;
}
