import fs from 'node:fs/promises';
import os from 'node:os';

/** This host and its one back end and pool, named as Cinder names them: host, host@backend, host@backend#pool. */
export const BACKEND_NAME = 'file';
export const POOL_NAME = 'file';

export function hostName(): string {
  return os.hostname();
}
export function backendHost(): string {
  return `${hostName()}@${BACKEND_NAME}`;
}
export function poolHost(): string {
  return `${backendHost()}#${POOL_NAME}`;
}

/** Whether a host as a client names it (host, host@backend or host@backend#pool) is this back end. */
export function isThisBackend(host: string): boolean {
  return host === hostName() || host === backendHost() || host === poolHost();
}

/** What the file back end reports of itself, as a Cinder driver reports its stats. */
export interface BackendCapabilities {
  volume_backend_name: string;
  vendor_name: string;
  driver_version: string;
  storage_protocol: string;
  pool_name: string;
  total_capacity_gb: number;
  free_capacity_gb: number;
  allocated_capacity_gb: number;
  reserved_percentage: number;
  max_over_subscription_ratio: string;
  thin_provisioning_support: boolean;
  thick_provisioning_support: boolean;
  QoS_support: boolean;
  multiattach: boolean;
  backend_state: 'up' | 'down';
  timestamp: string;
}

const GiB = 1024 ** 3;

/**
 * The file back end: sparse images in the data directory. Its capacity is the data directory's
 * file system's; what it has allocated is the size of the volumes recorded on it.
 */
export class FileBackend {
  constructor(
    private readonly dataDir: string,
    private readonly allocatedGb: () => Promise<number>,
  ) {}

  async capabilities(now: Date): Promise<BackendCapabilities> {
    const st = await fs.statfs(this.dataDir);
    const round = (bytes: number) => Math.round((bytes / GiB) * 100) / 100;
    return {
      volume_backend_name: BACKEND_NAME,
      vendor_name: 'Open Source',
      driver_version: '1.0.0',
      storage_protocol: 'file',
      pool_name: POOL_NAME,
      total_capacity_gb: round(st.blocks * st.bsize),
      free_capacity_gb: round(st.bavail * st.bsize),
      allocated_capacity_gb: await this.allocatedGb(),
      reserved_percentage: 0,
      max_over_subscription_ratio: '20.0',
      thin_provisioning_support: true,
      thick_provisioning_support: false,
      QoS_support: false,
      multiattach: true,
      backend_state: 'up',
      timestamp: now.toISOString(),
    };
  }
}

type Capability = string | number | boolean;

/** How Python (and so a Cinder extra spec) writes a capability value. */
function asText(v: Capability): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** One extra spec requirement against a capability, with Cinder's operators (<is>, <in>, <or>, ==, >=, s== ...). */
export function satisfies(capability: Capability, requirement: string): boolean {
  const words = requirement.trim().split(/\s+/);
  const value = asText(capability);
  const op = words[0];
  const arg = words.slice(1).join(' ');
  const num = (s: string) => Number(s);
  switch (op) {
    case '<is>':
      return value.toLowerCase() === arg.toLowerCase();
    case '<in>':
      return value.includes(arg);
    case '<all-in>':
      return words.slice(1).every((w) => value.includes(w));
    case '<or>':
      return requirement.split('<or>').map((w) => w.trim()).filter(Boolean).includes(value);
    case '=':
    case '>=':
      return num(value) >= num(arg);
    case '<=':
      return num(value) <= num(arg);
    case '==':
      return num(value) === num(arg);
    case '!=':
      return num(value) !== num(arg);
    case 's==':
      return value === arg;
    case 's!=':
      return value !== arg;
    case 's<':
      return value < arg;
    case 's<=':
      return value <= arg;
    case 's>':
      return value > arg;
    case 's>=':
      return value >= arg;
    default:
      return value === requirement;
  }
}

/**
 * The first extra spec the back end does not satisfy, as Cinder's capabilities filter judges:
 * unscoped keys and keys scoped `capabilities:` must name a capability it reports, with a
 * matching value; keys of other scopes belong to other filters and drivers.
 */
export function unmetSpec(specs: Record<string, string>, caps: BackendCapabilities): string | undefined {
  for (const [key, requirement] of Object.entries(specs)) {
    const scope = key.split(':');
    if (scope.length > 1 && scope[0] !== 'capabilities') continue;
    const name = scope.length > 1 ? scope.slice(1).join(':') : key;
    const capability = (caps as unknown as Record<string, Capability | undefined>)[name];
    if (capability === undefined || !satisfies(capability, requirement)) return key;
  }
  return undefined;
}
