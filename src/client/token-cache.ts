/**
 * Tokens kept between runs of the client, one 0600 file per auth URL, user and project under
 * $XDG_CACHE_HOME/vbs (or ~/.cache/vbs), so that a script of many commands authenticates once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Credentials } from './credentials.js';

export interface CatalogEndpoint {
  interface: string;
  region?: string | null;
  region_id?: string | null;
  url: string;
}

export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** What the client keeps of a project-scoped token. */
export interface CachedToken {
  token: string;
  expiresAt: string;
  user: { id: string; name: string };
  project: { id: string; name: string };
  catalog: CatalogEntry[];
}

/** A token this close to its expiry is not reused: a long --wait would outlive it. */
const MARGIN_MS = 5 * 60_000;

type Env = Record<string, string | undefined>;

export function cacheDir(env: Env = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'vbs');
}

/** One file per identity; the key is a hash, so the file name gives nothing away. */
export function cacheFile(c: Credentials, env: Env = process.env): string {
  const who = [c.authUrl, c.userDomainName, c.username ?? '', c.token ? `token ${c.token}` : 'password', c.projectDomainName, c.projectId ?? '', c.projectName ?? ''].join('\n');
  return path.join(cacheDir(env), `token-${createHash('sha256').update(who).digest('hex').slice(0, 32)}.json`);
}

function isCachedToken(v: unknown): v is CachedToken {
  const t = v as CachedToken;
  return typeof t === 'object' && t !== null && typeof t.token === 'string' && typeof t.expiresAt === 'string' && Array.isArray(t.catalog) && typeof t.project?.id === 'string';
}

/** The cached token, if there is one that is not near its expiry. */
export function readToken(file: string, now = Date.now()): CachedToken | null {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!isCachedToken(parsed)) return null;
    return Date.parse(parsed.expiresAt) - MARGIN_MS > now ? parsed : null;
  } catch {
    // Missing, unreadable or half-written: authenticate again.
    return null;
  }
}

export function writeToken(file: string, token: CachedToken): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Whole under a temporary name, then renamed: a concurrent reader sees the old file or the new one.
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(token), { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

export function forgetToken(file: string): void {
  fs.rmSync(file, { force: true });
}
