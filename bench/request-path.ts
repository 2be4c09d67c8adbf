/**
 * `node dist/bench/request-path.js [--seconds N] [--connections N] [--profile DIR]`: what an
 * authenticated read costs against what Fastify alone costs (issue 17, a lean request path).
 * Starts a real `vbs serve` (SQLite, fresh data directory), creates a volume, then loads
 * `GET /v3/{project}/volumes/{id}` with a token, and a bare Fastify route answering the same
 * JSON body in a server process of the same kind, each over keep-alive connections for a fixed
 * time, and prints requests a second, p50, p99 and the ratio of the two rates.
 * --profile writes a V8 CPU profile of each server under load into DIR.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import Fastify from 'fastify';
import { freePort } from '../test/support/net.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI_MAIN = path.resolve(here, '../src/cli/main.js');
const SELF = fileURLToPath(import.meta.url);

/** A server child: its standard input takes what it serves, its standard output says when it serves. */
type Server = ChildProcessByStdio<Writable, Readable, null>;

/** What one server answered under load: each 200's latency (ms), the other answers, the time taken, its CPU seconds. */
interface Load {
  latencies: number[];
  errors: number;
  seconds: number;
  cpu: number;
}

/** CPU seconds (user and system) a process has used, from /proc; NaN where there is none. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The time is split in slices taken in turn on each server, so a change in the machine's load falls on both alike. */
const SLICES = 4;

/** Resolves once the child prints `ready` on its standard output. */
function started(child: Server, ready: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code} before it served`)));
  });
}

async function stop(child: Server): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** `connections` loops, each sending its next request when the last is answered, for `seconds`. */
async function load(server: Server, url: string, headers: Record<string, string>, connections: number, seconds: number): Promise<Load> {
  const cpuBefore = await cpuSeconds(server.pid);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const t = performance.now();
      const req = http.get(url, { agent, headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - t);
          else errors += 1;
          resolve();
        });
      });
      req.on('error', () => {
        errors += 1;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) await once();
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { latencies, errors, seconds: elapsed, cpu: (await cpuSeconds(server.pid)) - cpuBefore };
}

function merged(loads: Load[]): Load {
  const sum = (f: (l: Load) => number) => loads.reduce((n, l) => n + f(l), 0);
  return { latencies: loads.flatMap((l) => l.latencies), errors: sum((l) => l.errors), seconds: sum((l) => l.seconds), cpu: sum((l) => l.cpu) };
}

const rateOf = (l: Load) => l.latencies.length / l.seconds;

function line(name: string, l: Load): string {
  const sorted = Float64Array.from(l.latencies).sort();
  const ms = (p: number) => percentile(sorted, p).toFixed(1).padStart(6);
  // The server's CPU: near 100% of a core, it is the bottleneck; well below, the load generator or the machine is.
  const cpu = `server CPU ${((l.cpu / l.seconds) * 100).toFixed(0)}% of a core, ${((l.cpu / l.latencies.length) * 1e6).toFixed(0)} µs a request`;
  return `${name.padEnd(34)} ${rateOf(l).toFixed(0).padStart(7)} req/s   p50 ${ms(50)} ms   p99 ${ms(99)} ms   ${cpu}${l.errors ? `   (${l.errors} not 200)` : ''}`;
}

/** The bare server: Fastify and one route answering `body`, in a process of its own like vbs serve. */
async function bareServer(port: number, body: unknown): Promise<void> {
  const app = Fastify();
  app.get('/v3/:project_id/volumes/:id', async () => body);
  await app.listen({ port, host: '127.0.0.1' });
  console.log('bare: serving');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--seconds <n>', 'seconds of load on each server', '10')
    .option('--connections <n>', 'concurrent keep-alive connections', '50')
    .option('--profile <dir>', 'write a CPU profile of each server under load into this folder')
    .option('--bare-server <port>', '(internal) serve the bare route on this port; the body is on standard input')
    .parse()
    .opts<{ seconds: string; connections: string; profile?: string; bareServer?: string }>();
  if (opts.bareServer) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return bareServer(Number(opts.bareServer), JSON.parse(text));
  }
  const seconds = Number(opts.seconds);
  const connections = Number(opts.connections);

  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vbs-request-bench-'));
  const port = await freePort();
  // The rate limit stays on (its hook is part of the path) but far above what is sent.
  const env = { ...process.env, VBS_DATA_DIR: dataDir, VBS_PORT: String(port), VBS_ADMIN_PASSWORD: 'bench', VBS_RATE_LIMIT: '1000000' };
  const profile = opts.profile ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(opts.profile)] : [];
  const vbs = spawn(process.execPath, [...profile, CLI_MAIN, 'serve'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  let bare: Server | undefined;
  try {
    await started(vbs, 'serving on');
    const url = `http://127.0.0.1:${port}`;
    const auth = await fetch(`${url}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'bench' } } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        },
      }),
    });
    const token = auth.headers.get('x-subject-token');
    const projectId = ((await auth.json()) as { token: { project: { id: string } } }).token.project.id;
    if (!token) throw new Error(`no token: ${auth.status}`);
    const created = await fetch(`${url}/v3/${projectId}/volumes`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ volume: { size: 1, name: 'bench' } }),
    });
    const volumeId = ((await created.json()) as { volume: { id: string } }).volume.id;
    const route = `/v3/${projectId}/volumes/${volumeId}`;
    const shown = await fetch(`${url}${route}`, { headers: { 'x-auth-token': token } });
    if (shown.status !== 200) throw new Error(`volume show: ${shown.status} ${await shown.text()}`);
    const body = await shown.text();

    const barePort = await freePort();
    bare = spawn(process.execPath, [...profile, SELF, '--bare-server', String(barePort)], { stdio: ['pipe', 'pipe', 'inherit'] });
    bare.stdin.end(body);
    await started(bare, 'bare: serving');

    // A short warm-up of each, so neither is measured while V8 still compiles it.
    await load(vbs, `${url}${route}`, { 'x-auth-token': token }, connections, 1);
    await load(bare, `http://127.0.0.1:${barePort}${route}`, {}, connections, 1);
    const apiSlices: Load[] = [];
    const plainSlices: Load[] = [];
    for (let i = 0; i < SLICES; i += 1) {
      apiSlices.push(await load(vbs, `${url}${route}`, { 'x-auth-token': token }, connections, seconds / SLICES));
      plainSlices.push(await load(bare, `http://127.0.0.1:${barePort}${route}`, {}, connections, seconds / SLICES));
    }
    const api = merged(apiSlices);
    const plain = merged(plainSlices);

    console.log(`${connections} keep-alive connections, ${seconds} s each in ${SLICES} slices taken in turn, body ${body.length} bytes, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(line('GET volume, authenticated (vbs)', api));
    console.log(line('GET, bare Fastify route', plain));
    console.log(`ratio: ${((rateOf(api) / rateOf(plain)) * 100).toFixed(0)}% of the bare route's requests a second`);
  } finally {
    if (bare) await stop(bare);
    await stop(vbs);
    await fs.rm(dataDir, { recursive: true, force: true });
    if (opts.profile) console.log(`profiles in ${path.resolve(opts.profile)}: vbs serve ${vbs.pid}, bare ${bare?.pid} (the pid is in the file name)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
