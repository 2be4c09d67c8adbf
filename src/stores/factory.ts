import path from 'node:path';
import { ConfigError, type Config } from '../common/config.js';
import type { BlockStore } from './block-store.js';
import { FsBlockStore } from './fs-store.js';
import { RetryingBlockStore, type RetryHooks, type RetryPolicy } from './retry.js';
import type { S3Credentials } from './s3-store.js';

/** Where VBS_STORE_URL points, checked. */
export type StoreLocation =
  | { kind: 'fs'; directory: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint: string | undefined; region: string };

const S3_PARAMS = new Set(['endpoint', 'region']);
// S3's own rule for bucket names, which path-style addressing depends on.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads VBS_STORE_URL: unset is the local store in the data dir. Throws ConfigError, one line. */
export function parseStoreUrl(storeUrl: string | undefined, dataDir: string): StoreLocation {
  if (storeUrl === undefined || storeUrl === '') return { kind: 'fs', directory: path.join(dataDir, 'store') };
  // Never echo a secret someone put in the URL.
  const shown = storeUrl.replace(/\/\/[^/@]*@/, '//***@');
  const bad = (why: string) =>
    new ConfigError(`VBS_STORE_URL ${why}, got "${shown}" (expected s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION)`);
  let url: URL;
  try {
    url = new URL(storeUrl);
  } catch {
    throw bad('is not a URL');
  }
  if (url.protocol !== 's3:') throw bad(`has an unsupported scheme "${url.protocol.replace(/:$/, '')}"`);
  if (url.username || url.password) {
    throw bad('must not carry credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead)');
  }
  if (url.port) throw bad('names a bucket, not a host: put the host in endpoint=');
  const bucket = url.hostname;
  if (!BUCKET_NAME.test(bucket)) {
    throw bad(`has an invalid bucket name "${bucket}" (3 to 63 lowercase letters, digits, dots and hyphens)`);
  }
  // The URL parser resolves `..` away silently; the prefix must be what was written.
  const rawPath = storeUrl.split(/[?#]/)[0]!.replace(/^s3:\/\/[^/]*/i, '');
  const segments = rawPath.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw bad(`has a badly escaped prefix segment "${s}"`);
    }
  });
  if (segments.some((s) => s === '.' || s === '..' || s.includes('/'))) throw bad('has "." or ".." in its prefix');
  const prefix = segments.length ? `${segments.join('/')}/` : '';
  for (const name of url.searchParams.keys()) {
    if (!S3_PARAMS.has(name)) throw bad(`has an unknown parameter "${name}"`);
  }
  const endpoint = url.searchParams.get('endpoint') || undefined;
  if (endpoint !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(endpoint);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw bad(`has an endpoint "${endpoint}" that is not an http:// or https:// URL`);
    }
  }
  const region = url.searchParams.get('region') || 'us-east-1';
  return { kind: 's3', bucket, prefix, endpoint: endpoint?.replace(/\/+$/, ''), region };
}

export interface OpenStoreOptions {
  /** Where the S3 credentials come from; the process environment unless given. */
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryPolicy>;
  retryHooks?: RetryHooks;
  /** Timeouts of the S3 client, for tests that must not wait long. */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

function s3Credentials(env: NodeJS.ProcessEnv): S3Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError('VBS_STORE_URL names an S3 store, so AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set');
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

/** The block store the settings name: the local one by default, an S3 bucket behind retries otherwise. */
export async function openBlockStore(
  config: Pick<Config, 'dataDir' | 'storeUrl'>,
  options: OpenStoreOptions = {},
): Promise<BlockStore> {
  const location = parseStoreUrl(config.storeUrl, config.dataDir);
  // Local disk errors (ENOSPC, EACCES) do not pass by themselves: no retries there.
  if (location.kind === 'fs') return new FsBlockStore(location.directory);
  // Loaded only for an S3 store: the AWS SDK adds about 24 MB to every process that loads it.
  const { S3BlockStore } = await import('./s3-store.js');
  const store = new S3BlockStore({
    bucket: location.bucket,
    prefix: location.prefix,
    endpoint: location.endpoint,
    region: location.region,
    credentials: s3Credentials(options.env ?? process.env),
    connectTimeoutMs: options.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
  });
  return new RetryingBlockStore(store, options.retry, options.retryHooks);
}
