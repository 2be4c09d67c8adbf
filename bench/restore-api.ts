/**
 * `node dist/bench/restore-api.js [--size-gib N] [--runs N] [--keep]`: how long a restore of a
 * backup of an empty volume takes through the API, from the request to the job's end, on a
 * `vbs serve` of its own (issue 17: restore time follows the data, not the volume size).
 * Cases: into an existing empty volume of the same size (VBS `cloudbackups/{id}/restore`, to
 * the job's end) and into a new volume (Cinder's restore, to the volume available).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI_MAIN = path.resolve(here, '../src/cli/main.js');

interface Session {
  url: string;
  token: string;
  projectId: string;
}

// JSON replies, read field by field below.
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(s: Session, method: string, route: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${s.url}${route}`, {
    method,
    headers: { 'x-auth-token': s.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Body) : {} };
}

/** Polls `probe` every few milliseconds (the figure is the job's end, not the poll's period). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function jobEnd(s: Session, jobId: string): Promise<void> {
  const job = await until(`job ${jobId}`, async () => {
    const j = (await call(s, 'GET', `/v1/${s.projectId}/jobs/${jobId}`)).body;
    return j.status === 'SUCCESS' || j.status === 'FAIL' ? j : undefined;
  });
  if (job.status !== 'SUCCESS') throw new Error(`job ${jobId} failed: ${job.fail_reason}`);
}

async function volumeAvailable(s: Session, id: string): Promise<void> {
  await until(`volume ${id}`, async () => {
    const v = (await call(s, 'GET', `/v3/${s.projectId}/volumes/${id}`)).body.volume;
    if (v.status === 'error' || v.status === 'error_restoring') throw new Error(`volume ${id} is ${v.status}`);
    return v.status === 'available' ? true : undefined;
  });
}

async function newVolume(s: Session, sizeGiB: number): Promise<string> {
  const r = await call(s, 'POST', `/v3/${s.projectId}/volumes`, { volume: { size: sizeGiB, name: 'bench' } });
  if (r.status !== 202) throw new Error(`volume create: ${JSON.stringify(r.body)}`);
  await volumeAvailable(s, r.body.volume.id);
  return r.body.volume.id as string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--size-gib <n>', 'volume size in GiB', '64')
    .option('--runs <n>', 'restores of each kind', '3')
    .option('--keep', 'keep the data directory')
    .parse()
    .opts<{ sizeGib: string; runs: string; keep?: boolean }>();
  const size = Number(opts.sizeGib);
  const runs = Number(opts.runs);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vbs-restore-bench-'));
  const port = await freePort();
  const env = { ...process.env, VBS_DATA_DIR: dataDir, VBS_PORT: String(port), VBS_ADMIN_PASSWORD: 'bench', VBS_LOG_LEVEL: 'warn', VBS_QUOTA_GIGABYTES: '-1' };
  const child = spawn(process.execPath, [CLI_MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('serving on')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`vbs serve exited ${code}`)));
    });
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
    const s: Session = { url, token: auth.headers.get('x-subject-token')!, projectId: ((await auth.json()) as Body).token.project.id };

    const source = await newVolume(s, size);
    const b = await call(s, 'POST', `/v2/${s.projectId}/cloudbackups`, { backup: { volume_id: source, name: 'empty' } });
    await jobEnd(s, b.body.job_id);
    const backupId = (await call(s, 'GET', `/v1/${s.projectId}/jobs/${b.body.job_id}`)).body.entities.backup_id as string;
    const target = await newVolume(s, size);

    const existing: number[] = [];
    const created: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      let t = performance.now();
      const r = await call(s, 'POST', `/v2/${s.projectId}/cloudbackups/${backupId}/restore`, { restore: { volume_id: target } });
      if (r.status !== 200) throw new Error(`restore: ${JSON.stringify(r.body)}`);
      await jobEnd(s, r.body.job_id);
      existing.push((performance.now() - t) / 1000);

      t = performance.now();
      const c = await call(s, 'POST', `/v3/${s.projectId}/backups/${backupId}/restore`, { restore: {} });
      if (c.status !== 202) throw new Error(`restore: ${JSON.stringify(c.body)}`);
      await volumeAvailable(s, c.body.restore.volume_id);
      created.push((performance.now() - t) / 1000);
      await until('backup available', async () => ((await call(s, 'GET', `/v2/${s.projectId}/backups/${backupId}`)).body.backup.status === 'available' ? true : undefined));
      const del = await call(s, 'DELETE', `/v3/${s.projectId}/volumes/${c.body.restore.volume_id}`);
      if (del.status !== 202) throw new Error(`volume delete: ${JSON.stringify(del.body)}`);
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(' ');
    console.log(`restore of a backup of an empty ${size} GiB volume, through the API (s):`);
    console.log(`  into an existing empty volume (VBS, to the job's end): ${fmt(existing)}`);
    console.log(`  into a new volume (Cinder, to the volume available):   ${fmt(created)}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (!opts.keep) await fs.rm(dataDir, { recursive: true, force: true });
    else console.log(`data in ${dataDir}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
