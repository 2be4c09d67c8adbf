/**
 * A `vbs serve` of the benchmark's own (a fresh data directory, a free port) and what a client
 * does with it: sign in, call routes, wait for a job's end or a volume's status, run `vbs`
 * commands against the same data directory as a user on the server would.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/net.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI_MAIN = path.resolve(here, '../src/cli/main.js');
/** The V8 flags `vbs` (bin/vbs.js) and `npm start` run with. */
const NODE_FLAGS = ['--max-semi-space-size=2'];

export interface Session {
  url: string;
  token: string;
  projectId: string;
}

// JSON replies, read field by field by the callers.
export type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function call(s: Session, method: string, route: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${s.url}${route}`, {
    method,
    headers: { 'x-auth-token': s.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Body) : {} };
}

/**
 * Polls `probe` every `periodMs` until it gives a value: the figure is the job's end, so the
 * period is short, yet long enough not to load the server it measures.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, periodMs = 20, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, periodMs));
  }
}

/** Waits for the job's SUCCESS and returns its record; a failed job throws with its reason. */
export async function jobEnd(s: Session, jobId: string, periodMs?: number): Promise<Body> {
  const job = await until(
    `job ${jobId}`,
    async () => {
      const j = (await call(s, 'GET', `/v1/${s.projectId}/jobs/${jobId}`)).body;
      return j.status === 'SUCCESS' || j.status === 'FAIL' ? j : undefined;
    },
    periodMs,
  );
  if (job.status !== 'SUCCESS') throw new Error(`job ${jobId} failed: ${job.fail_reason}`);
  return job;
}

export async function volumeAvailable(s: Session, id: string, periodMs?: number): Promise<void> {
  await until(
    `volume ${id}`,
    async () => {
      const v = (await call(s, 'GET', `/v3/${s.projectId}/volumes/${id}`)).body.volume;
      if (v.status === 'error' || v.status === 'error_restoring') throw new Error(`volume ${id} is ${v.status}`);
      return v.status === 'available' ? true : undefined;
    },
    periodMs,
  );
}

export async function backupAvailable(s: Session, id: string): Promise<void> {
  await until(`backup ${id}`, async () => ((await call(s, 'GET', `/v3/${s.projectId}/backups/${id}`)).body.backup.status === 'available' ? true : undefined));
}

export interface Service {
  session: Session;
  dataDir: string;
  pid: number;
  env: NodeJS.ProcessEnv;
  /** Runs `vbs <args>` on the service's data directory; its standard output. */
  vbs(args: string[]): Promise<string>;
  /** Peak resident memory of the server process over its life so far, in bytes. */
  peakRssBytes(): number;
  /**
   * Peak resident memory since the last call (or the start), in bytes: the kernel's high-water
   * mark is reset after reading it (false in `reset` where the kernel does not allow that, and
   * then the figure is the peak since the start).
   */
  takePeakRss(): { bytes: number; reset: boolean };
  /** CPU seconds (user + system) the server process has used so far, all its threads. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const ADMIN_PASSWORD = 'bench';

async function signIn(url: string): Promise<Session> {
  const auth = await fetch(`${url}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } } },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    }),
  });
  if (auth.status !== 201) throw new Error(`sign-in answered ${auth.status}: ${await auth.text()}`);
  return { url, token: auth.headers.get('x-subject-token')!, projectId: ((await auth.json()) as Body).token.project.id };
}

function waitServing(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let out: string | undefined = '';
    // Read to the end (the log goes on there), keeping only what is needed to see the start.
    child.stdout!.on('data', (d: Buffer) => {
      if (out === undefined) return;
      out += d.toString();
      if (out.includes('serving on')) {
        out = undefined;
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`vbs serve exited ${code}`)));
  });
}

/** /proc/PID/status VmHWM: the process's peak resident set, threads included. */
function vmHwmBytes(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** utime + stime of /proc/PID/stat, in clock ticks of 1/100 s (USER_HZ on Linux). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface ServiceOptions {
  /** Settings beside the defaults, e.g. VBS_QUOTA_GIGABYTES. */
  env?: NodeJS.ProcessEnv;
  /** More Node flags for the server, e.g. --cpu-prof for a profile of it. */
  nodeFlags?: string[];
}

/**
 * Starts `vbs serve` on `dataDir` with default settings but no request budget (the benchmark
 * polls jobs tightly) and signs in as its administrator.
 */
export async function startService(dataDir: string, options: ServiceOptions = {}): Promise<Service> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VBS_DATA_DIR: dataDir,
    VBS_PORT: String(port),
    VBS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    VBS_RATE_LIMIT: '0',
    ...options.env,
  };
  const child = spawn(process.execPath, [...NODE_FLAGS, ...(options.nodeFlags ?? []), CLI_MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitServing(child);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  const session = await signIn(`http://127.0.0.1:${port}`);
  const pid = child.pid!;
  let lifePeak = 0;
  const readPeak = () => {
    const bytes = vmHwmBytes(pid);
    lifePeak = Math.max(lifePeak, bytes);
    return bytes;
  };
  return {
    session,
    dataDir,
    pid,
    env,
    vbs: (args) =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, [...NODE_FLAGS, CLI_MAIN, ...args], { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`vbs ${args.join(' ')}: ${stderr.trim() || err.message}`));
          else resolve(stdout);
        });
      }),
    peakRssBytes: () => Math.max(lifePeak, readPeak()),
    takePeakRss: () => {
      const bytes = readPeak();
      try {
        // 5: reset the peak resident set size (proc(5), clear_refs).
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return { bytes, reset: true };
      } catch {
        return { bytes, reset: false };
      }
    },
    cpuSeconds: () => cpuSecondsOf(pid),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
