/**
 * `node dist/bench/listing-load.js [--db sqlite|postgres] [--rows N] [--concurrency N] [--seconds N] [--runs N]`:
 * how a Cinder backup listing answers under load in a project of many backups (issue 17: a
 * listing's cost follows the page, not the project). It seeds N backups through the repository
 * into a fresh server's database (PostgreSQL: an embedded one of its own), then, for each case,
 * a client process of its own keeps `concurrency` keep-alive requests in flight for `seconds`
 * and reports p50/p99 latency and requests per second. Prints one JSON line per run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { sql } from 'kysely';
import { loadConfig } from '../src/common/config.js';
import { buildApp } from '../src/http/app.js';
import { createServices } from '../src/container.js';
import type { Backup } from '../src/services/backups/backup-repository.js';
import { issueToken } from '../test/support/server.js';
import { startLocalPostgres, type LocalPostgres } from '../test/support/local-postgres.js';
import { freePort } from '../test/support/net.js';

const PASSWORD = 'bench-secret';

interface LoadResult {
  requests: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

/** The client: `concurrency` loops, each one request at a time on a keep-alive connection. */
async function load(url: string, token: string, concurrency: number, seconds: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = http.get(target, { agent, headers: { 'x-auth-token': token, 'openstack-api-version': 'volume 3.45' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
  // A second of warm-up (connections, caches, JIT) is not counted.
  const warmUntil = Date.now() + 1000;
  const until = warmUntil + seconds * 1000;
  const times: number[] = [];
  let failures = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        try {
          const ms = await one();
          if (Date.now() > warmUntil) times.push(ms);
        } catch {
          failures++;
        }
      }
    }),
  );
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (p: number) => Math.round((times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN) * 10) / 10;
  return { requests: times.length, failures, p50: at(0.5), p99: at(0.99), max: at(1), perSecond: Math.round(times.length / seconds) };
}

function runClient(url: string, token: string, concurrency: number, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'client', url, token, String(concurrency), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`client exited ${code}`))));
  });
}

function backup(projectId: string, i: number): Backup {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000);
  return {
    id: crypto.randomUUID(),
    projectId,
    volumeId: `00000000-0000-4000-8000-${String(i % 500).padStart(12, '0')}`,
    snapshotId: null,
    name: `backup-${i}`,
    description: i % 2 ? 'nightly' : null,
    status: i % 50 === 0 ? 'error' : 'available',
    failReason: null,
    size: 1 + (i % 20),
    objectCount: 4,
    container: 'vbs-store',
    availabilityZone: 'nova',
    metadata: { n: String(i) },
    tags: [],
    isIncremental: i % 7 !== 0,
    serviceMetadata: { progress: '100' },
    volumeBootable: false,
    volumeType: 'SATA',
    volumeMetadata: {},
    policyId: null,
    dataTimestamp: at,
    createdAt: at,
    updatedAt: at,
  };
}

interface Options {
  db: string;
  rows: number;
  concurrency: number;
  seconds: number;
  runs: number;
  /** Further query strings to time. */
  queries: string[];
  /** Only these cases (by name or query string) when given. */
  only: string[];
}

async function bench(o: Options): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vbs-listing-load-'));
  let postgres: LocalPostgres | undefined;
  let databaseUrl: string | undefined;
  try {
    if (o.db === 'postgres') {
      postgres = await startLocalPostgres(path.join(work, 'pg'));
      await postgres.createDatabase('vbs');
      databaseUrl = `${postgres.url}/vbs`;
    }
    const config = loadConfig({
      VBS_DATA_DIR: path.join(work, 'data'),
      VBS_PORT: String(await freePort()),
      VBS_LOG_LEVEL: 'silent',
      VBS_RATE_LIMIT: '0',
      ...(databaseUrl ? { VBS_DATABASE_URL: databaseUrl } : {}),
    });
    const services = await createServices(config);
    await services.identity.bootstrap(PASSWORD);
    const project = await services.identity.createProject('listing-load');
    await services.identity.createUser('listing-load-user', PASSWORD, project.id, 'member');
    const seeded = Date.now();
    await services.backups.insertMany(Array.from({ length: o.rows }, (_, i) => backup(project.id, i)));
    // A few backups of another project, which the listing must leave out.
    await services.backups.insertMany(Array.from({ length: 10 }, (_, i) => backup('0'.repeat(32), i)));
    // Fresh statistics after the bulk load, as autovacuum would gather them a little later.
    if (o.db === 'postgres') await sql`analyze`.execute(services.database.db);
    const seedSeconds = (Date.now() - seeded) / 1000;
    const app = await buildApp(services, { logLevel: 'silent' });
    await app.listen({ host: config.host, port: config.port });
    const { token } = await issueToken(config.publicUrl, 'listing-load-user', PASSWORD, 'listing-load');
    const base = `${config.publicUrl}/v3/${project.id}/backups/detail`;
    const middle = (await services.backups.page(project.id, { exact: {}, fuzzy: {}, metadata: undefined, allTenants: false, sort: [{ key: 'created_at', dir: 'desc' }], limit: 1, offset: Math.floor(o.rows / 2), marker: undefined, withCount: false })).items[0].id;
    const cases: Record<string, string> = {
      'limit=100': `${base}?limit=100`,
      'limit=100&with_count=true': `${base}?limit=100&with_count=true`,
      'limit=100&marker=(middle)': `${base}?limit=100&marker=${middle}`,
    };
    for (const query of o.queries) cases[query] = `${base}?${query}`;
    for (const [name, url] of Object.entries(cases).filter(([name]) => o.only.length === 0 || o.only.includes(name))) {
      for (let run = 1; run <= o.runs; run++) {
        const cpu = process.cpuUsage();
        const result = await runClient(url, token, o.concurrency, o.seconds);
        const used = process.cpuUsage(cpu);
        // The server's CPU per request (warm-up included, so a little high): a figure a loaded machine changes less than latency.
        const serverCpuMs = Math.round(((used.user + used.system) / 1000 / (result.requests * (1 + 1 / o.seconds))) * 100) / 100;
        console.log(JSON.stringify({ db: o.db, rows: o.rows, case: name, run, concurrency: o.concurrency, ...result, serverCpuMs, load: os.loadavg().map((l) => Math.round(l * 100) / 100), seedSeconds }));
      }
    }
    await app.close();
    await services.close();
  } finally {
    await postgres?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'client') {
  const [url, token, concurrency, seconds] = process.argv.slice(3);
  load(url, token, Number(concurrency), Number(seconds)).then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  const program = new Command()
    .option('--db <kind>', 'sqlite or postgres', 'sqlite')
    .option('--rows <n>', 'backups in the project', '100000')
    .option('--concurrency <n>', 'requests in flight', '50')
    .option('--seconds <n>', 'measured seconds per run', '10')
    .option('--runs <n>', 'runs per case', '3')
    .option('--query <q...>', 'a further query string to time, e.g. "limit=100&sort=name:asc"', [])
    .option('--only <case...>', 'only these cases (a name printed as "case", or a --query)', [])
    .parse();
  const opts = program.opts<{ db: string; rows: string; concurrency: string; seconds: string; runs: string; query: string[]; only: string[] }>();
  bench({ db: opts.db, rows: Number(opts.rows), concurrency: Number(opts.concurrency), seconds: Number(opts.seconds), runs: Number(opts.runs), queries: opts.query, only: opts.only }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
