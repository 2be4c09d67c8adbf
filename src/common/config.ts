import os from 'node:os';
import path from 'node:path';

/** Settings of one service process, read once from the environment. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  publicUrl: string;
  /** Unset: the embedded SQLite file in the data dir. */
  databaseUrl: string | undefined;
  /** Unset: the local block store in the data dir. */
  storeUrl: string | undefined;
  adminPassword: string | undefined;
  tokenTtlSeconds: number;
  /** The admin project (an id, or a name in the Default domain): the admin role on it administers the cloud. */
  adminProject: string;
  region: string;
  workers: number;
  /** How long a job's claim lasts without a heartbeat: how soon a dead worker's job is recovered. */
  jobLeaseSeconds: number;
  /** How long a stopping process lets its running jobs finish before giving them back to the queue. */
  drainSeconds: number;
  /** This process's name in logs and job events, telling the nodes of one service apart. */
  nodeName: string;
  logLevel: string;
  /** Availability zone of new volumes when a request names none. */
  availabilityZone: string;
  /** Default per-project limits (VBS_QUOTA_*); -1 is unlimited. */
  quotaDefaults: QuotaDefaults;
  /** Free bytes the data dir and a local store must keep for the service to be ready; 0: not checked. */
  readyMinFreeBytes: number;
  /** Requests per second each project may make (a token bucket of `burst`); 0: no limit. */
  rateLimit: { perSecond: number; burst: number };
}

export interface QuotaDefaults {
  volumes: number;
  gigabytes: number;
  snapshots: number;
  backups: number;
  backup_gigabytes: number;
  per_volume_gigabytes: number;
}

export class ConfigError extends Error {}

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function rateLimitSettings(env: NodeJS.ProcessEnv): Config['rateLimit'] {
  const perSecond = intSetting(env, 'VBS_RATE_LIMIT', 100, 0, 1_000_000);
  // A burst below one request would refuse everything.
  const burst = intSetting(env, 'VBS_RATE_BURST', Math.max(1, 2 * perSecond), 1, 10_000_000);
  return { perSecond, burst };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const host = env.VBS_HOST || '127.0.0.1';
  const port = intSetting(env, 'VBS_PORT', 8776, 0, 65535);
  const dataDir = path.resolve(env.VBS_DATA_DIR || './data');
  // Listening on every address: links name the machine, since a wildcard address reaches nothing.
  const linkHost = host === '0.0.0.0' || host === '::' ? os.hostname() : host;
  const shownHost = linkHost.includes(':') ? `[${linkHost}]` : linkHost;
  const publicUrl = (env.VBS_PUBLIC_URL || `http://${shownHost}:${port}`).replace(/\/+$/, '');
  const databaseUrl = env.VBS_DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`VBS_DATABASE_URL must be a postgres:// URL, got "${databaseUrl}"`);
  }
  return {
    host,
    port,
    dataDir,
    publicUrl,
    databaseUrl,
    storeUrl: env.VBS_STORE_URL || undefined,
    adminPassword: env.VBS_ADMIN_PASSWORD || undefined,
    tokenTtlSeconds: intSetting(env, 'VBS_TOKEN_TTL', 24 * 3600, 1, 365 * 24 * 3600),
    adminProject: env.VBS_ADMIN_PROJECT || 'admin',
    region: env.VBS_REGION || 'RegionOne',
    workers: intSetting(env, 'VBS_WORKERS', 2, 0, 64),
    jobLeaseSeconds: intSetting(env, 'VBS_JOB_LEASE_SECONDS', 30, 1, 3600),
    drainSeconds: intSetting(env, 'VBS_DRAIN_SECONDS', 60, 0, 24 * 3600),
    nodeName: env.VBS_NODE_NAME || os.hostname(),
    logLevel: env.VBS_LOG_LEVEL || 'info',
    availabilityZone: env.VBS_AVAILABILITY_ZONE || 'nova',
    quotaDefaults: {
      volumes: intSetting(env, 'VBS_QUOTA_VOLUMES', 10, -1, 2 ** 31 - 1),
      gigabytes: intSetting(env, 'VBS_QUOTA_GIGABYTES', 1000, -1, 2 ** 31 - 1),
      snapshots: intSetting(env, 'VBS_QUOTA_SNAPSHOTS', 10, -1, 2 ** 31 - 1),
      backups: intSetting(env, 'VBS_QUOTA_BACKUPS', 10, -1, 2 ** 31 - 1),
      backup_gigabytes: intSetting(env, 'VBS_QUOTA_BACKUP_GIGABYTES', 1000, -1, 2 ** 31 - 1),
      per_volume_gigabytes: intSetting(env, 'VBS_QUOTA_PER_VOLUME_GIGABYTES', -1, -1, 2 ** 31 - 1),
    },
    readyMinFreeBytes: intSetting(env, 'VBS_READY_MIN_FREE_MB', 100, 0, 2 ** 31 - 1) * 1024 * 1024,
    rateLimit: rateLimitSettings(env),
  };
}
