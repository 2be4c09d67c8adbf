import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors.js';

export const MIN_MICROVERSION = '3.0';
/** The highest block-storage microversion whose behaviour this service implements. */
export const MAX_MICROVERSION = '3.59';

export interface Microversion {
  major: number;
  minor: number;
}

function parse(v: string): Microversion | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

const MIN = parse(MIN_MICROVERSION)!;
const MAX = parse(MAX_MICROVERSION)!;

function compare(a: Microversion, b: Microversion): number {
  return a.major - b.major || a.minor - b.minor;
}

/** The versions views ask for, parsed once: a listing asks for each of its rows. */
const wantedVersions = new Map<string, Microversion>();

export function atLeast(v: Microversion, wanted: string): boolean {
  let w = wantedVersions.get(wanted);
  if (!w) wantedVersions.set(wanted, (w = parse(wanted)!));
  return compare(v, w) >= 0;
}

function requested(request: FastifyRequest): string | undefined {
  const modern = request.headers['openstack-api-version'];
  const value = Array.isArray(modern) ? modern[0] : modern;
  if (value) {
    // "volume 3.44", possibly among other services' entries.
    for (const part of value.split(',')) {
      const [service, version] = part.trim().split(/\s+/);
      if ((service === 'volume' || service === 'block-storage') && version) return version;
    }
  }
  const legacy = request.headers['x-openstack-volume-api-version'];
  return Array.isArray(legacy) ? legacy[0] : legacy;
}

/**
 * The microversion of a /v3 request ("latest" is the maximum), echoed on the reply. /v2 is 2.0.
 * A version outside the supported range gets 406, a malformed one 400.
 */
export function negotiate(request: FastifyRequest, reply: FastifyReply): Microversion {
  if (request.url.startsWith('/v2/')) return { major: 2, minor: 0 };
  const asked = requested(request);
  let version = MIN;
  if (asked) {
    if (asked === 'latest') version = MAX;
    else {
      const parsed = parse(asked);
      if (!parsed) throw new ApiError('common.0400', `Invalid microversion "${asked}"; use "volume 3.N".`);
      if (compare(parsed, MIN) < 0 || compare(parsed, MAX) > 0) {
        throw new ApiError('common.0406', `Version ${asked} is not supported by the API. Minimum is ${MIN_MICROVERSION} and maximum is ${MAX_MICROVERSION}.`);
      }
      version = parsed;
    }
  }
  const text = `${version.major}.${version.minor}`;
  void reply.header('OpenStack-API-Version', `volume ${text}`);
  void reply.header('X-OpenStack-Volume-API-Version', text);
  void reply.header('Vary', 'OpenStack-API-Version, X-OpenStack-Volume-API-Version');
  return version;
}
