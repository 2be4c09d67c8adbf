import { randomBytes, randomUUID } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX32_RE = /^[0-9a-f]{32}$/;

export function newUuid(): string {
  return randomUUID();
}

/** Project, user and job ids: 32 lowercase hex characters. */
export function newHexId(): string {
  return randomBytes(16).toString('hex');
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

export function isHexId(value: unknown): value is string {
  return typeof value === 'string' && HEX32_RE.test(value);
}
