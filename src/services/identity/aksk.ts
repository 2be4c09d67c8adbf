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

/** Checks an SDK-HMAC-SHA256 signed request; the principal of its access key, or IdentityError. */
export async function verifySignedRequest(_req: SignedRequest, _lookup: CredentialLookup, _now: Date): Promise<Principal> {
  throw new IdentityError('unauthorized', 'AK/SK authentication is not available yet');
}
