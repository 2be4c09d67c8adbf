/**
 * Where the client's credentials come from, the way the OpenStack client finds them: a cloud of
 * clouds.yaml named by --os-cloud or OS_CLOUD, otherwise the OS_* variables of an openrc file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ClientError } from './errors.js';

export interface Credentials {
  /** Keystone v3, without a trailing slash (e.g. http://host:8776/identity/v3). */
  authUrl: string;
  username: string | null;
  password: string | null;
  userDomainName: string;
  projectName: string | null;
  projectId: string | null;
  projectDomainName: string;
  /** An existing token (OS_TOKEN, or auth.token of a cloud): used instead of a password. */
  token: string | null;
  regionName: string | null;
  /** Where these came from, for messages. */
  source: string;
}

type Env = Record<string, string | undefined>;

/** The clouds.yaml files the OpenStack client reads, first found wins. */
export function cloudsYamlCandidates(env: Env, cwd = process.cwd()): string[] {
  const home = env.HOME || os.homedir();
  return [env.OS_CLIENT_CONFIG_FILE, path.join(cwd, 'clouds.yaml'), path.join(home, '.config', 'openstack', 'clouds.yaml'), '/etc/openstack/clouds.yaml'].filter(
    (f): f is string => !!f,
  );
}

function str(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keystone's v3 root: a bare URL (".../identity") gets the /v3 the OpenStack client would discover. */
export function keystoneV3(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

function fromCloud(name: string, env: Env): Credentials {
  const candidates = cloudsYamlCandidates(env);
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new ClientError(`cloud "${name}": no clouds.yaml found (looked at ${candidates.join(', ')}); set OS_CLIENT_CONFIG_FILE to its path`);
  let doc: unknown;
  try {
    doc = parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ClientError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const clouds = isObject(doc) && isObject(doc.clouds) ? doc.clouds : {};
  const cloud = clouds[name];
  if (!isObject(cloud)) {
    const known = Object.keys(clouds);
    throw new ClientError(`cloud "${name}" is not defined in ${file}${known.length ? ` (it defines ${known.join(', ')})` : ''}`);
  }
  const auth = isObject(cloud.auth) ? cloud.auth : {};
  const authUrl = str(auth.auth_url);
  if (!authUrl) throw new ClientError(`cloud "${name}" in ${file} has no auth.auth_url`);
  return {
    authUrl: keystoneV3(authUrl),
    username: str(auth.username),
    // A password may be left out of a shared file and given as OS_PASSWORD, as openstackclient allows.
    password: str(auth.password) ?? str(env.OS_PASSWORD),
    userDomainName: str(auth.user_domain_name) ?? str(auth.user_domain_id) ?? 'Default',
    projectName: str(auth.project_name),
    projectId: str(auth.project_id),
    projectDomainName: str(auth.project_domain_name) ?? str(auth.project_domain_id) ?? 'Default',
    token: str(auth.token),
    regionName: str(cloud.region_name),
    source: `cloud "${name}" of ${file}`,
  };
}

function fromEnv(env: Env): Credentials {
  const authUrl = str(env.OS_AUTH_URL);
  if (!authUrl) {
    throw new ClientError('no credentials: give --os-cloud NAME (a cloud of clouds.yaml), set OS_CLOUD, or set OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME (source an openrc file)');
  }
  return {
    authUrl: keystoneV3(authUrl),
    username: str(env.OS_USERNAME),
    password: str(env.OS_PASSWORD),
    userDomainName: str(env.OS_USER_DOMAIN_NAME) ?? str(env.OS_USER_DOMAIN_ID) ?? 'Default',
    projectName: str(env.OS_PROJECT_NAME) ?? str(env.OS_TENANT_NAME),
    projectId: str(env.OS_PROJECT_ID) ?? str(env.OS_TENANT_ID),
    projectDomainName: str(env.OS_PROJECT_DOMAIN_NAME) ?? str(env.OS_PROJECT_DOMAIN_ID) ?? 'Default',
    token: str(env.OS_TOKEN),
    regionName: str(env.OS_REGION_NAME),
    source: 'the OS_* environment variables',
  };
}

/** The credentials to use: the named cloud (option, then OS_CLOUD), else the OS_* variables. */
export function resolveCredentials(cloudOption: string | undefined, env: Env = process.env): Credentials {
  const cloud = cloudOption ?? str(env.OS_CLOUD);
  const c = cloud ? fromCloud(cloud, env) : fromEnv(env);
  if (!c.token) {
    if (!c.username) throw new ClientError(`${c.source} name no user: set the user name (OS_USERNAME or auth.username)`);
    if (!c.password) throw new ClientError(`${c.source} give no password for user ${c.username} (OS_PASSWORD or auth.password)`);
  }
  if (!c.projectName && !c.projectId) throw new ClientError(`${c.source} name no project (OS_PROJECT_NAME / OS_PROJECT_ID or auth.project_name / auth.project_id)`);
  return c;
}
