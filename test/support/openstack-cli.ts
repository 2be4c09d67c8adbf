/** Debian's python3-openstackclient as a separate process: the client operators actually use. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './net.js';
import { startServe, type ServeProcess } from './cli.js';
import { freshPostgresDatabase, tempDir, type DbKind } from './server.js';

/** Debian's script runs under /usr/bin/python3, whatever python3 is first on PATH. */
export const OPENSTACK = '/usr/bin/openstack';

export interface OpenstackResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The caller's environment without settings that would steer the client elsewhere. */
function clientEnv(cloudsYaml: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // OS_* would override clouds.yaml; PYTHON* from a pyenv shell would break Debian's python3.
    if (k.startsWith('OS_') || k.startsWith('PYTHON') || k.startsWith('VBS_')) continue;
    env[k] = v;
  }
  env.OS_CLIENT_CONFIG_FILE = cloudsYaml;
  return env;
}

export function assertOpenstackInstalled(): void {
  if (!fs.existsSync(OPENSTACK)) {
    throw new Error(`${OPENSTACK} is missing: install Debian's python3-openstackclient (apt-get install -y python3-openstackclient; .ci/run does this)`);
  }
}

/** `openstack --os-cloud <cloud> <args>` against the clouds.yaml the service wrote. */
export function openstack(cloudsYaml: string, args: string[], options: { cloud?: string; cwd?: string; timeoutMs?: number } = {}): Promise<OpenstackResult> {
  assertOpenstackInstalled();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      OPENSTACK,
      ['--os-cloud', options.cloud ?? 'vbs', ...args],
      { env: clientEnv(cloudsYaml), cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const ms = Date.now() - started;
        if (err && typeof err.code !== 'number') return reject(new Error(`openstack ${args.join(' ')} did not finish: ${err.message}; stderr: ${stderr}`));
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr, ms });
      },
    );
  });
}

/** Runs a command that must succeed with `-f json` output; its parsed output. */
export async function openstackJson<T = unknown>(cloudsYaml: string, args: string[], options: { cwd?: string } = {}): Promise<T> {
  const r = await openstack(cloudsYaml, [...args, '-f', 'json'], options);
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`openstack ${args.join(' ')} printed no JSON: ${r.stdout}`);
  }
}

/** Runs a command that must succeed and print nothing (set, delete). */
export async function openstackQuiet(cloudsYaml: string, args: string[], options: { cwd?: string } = {}): Promise<void> {
  const r = await openstack(cloudsYaml, args, options);
  if (r.code !== 0 || r.stdout.trim() !== '') throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
}

/** A `vbs serve` process of one test's own, the client files it wrote, and a working dir for the client. */
export interface OpenstackServe {
  url: string;
  env: Record<string, string | undefined>;
  clouds: string;
  openrc: string;
  /** Outside the data dir, so no ./clouds.yaml can stand in for the configured one. */
  cwd: string;
  proc: ServeProcess;
}

export async function serveForOpenstack(db: DbKind, prefix: string): Promise<OpenstackServe> {
  const dataDir = tempDir(`${prefix}-`);
  const port = await freePort();
  const env = {
    VBS_DATA_DIR: dataDir,
    VBS_PORT: String(port),
    VBS_LOG_LEVEL: 'warn',
    VBS_DATABASE_URL: db === 'postgres' ? await freshPostgresDatabase() : undefined,
  };
  const proc = startServe(env);
  try {
    await proc.waitFor(/vbs: serving on /);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    env,
    clouds: path.join(dataDir, 'clouds.yaml'),
    openrc: path.join(dataDir, 'admin-openrc.sh'),
    cwd: tempDir(`${prefix}-cwd-`),
    proc,
  };
}
