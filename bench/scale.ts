/**
 * `node dist/bench/scale.js [--servers 1,2,3] [--volumes N] [--backups N] [--restores N] [--mib N]`:
 * scale-out as an operator would run it (issue 18). For each count of servers it starts that
 * many `vbs serve` processes on one PostgreSQL database (an embedded one) and one S3 store
 * (s3rver, the S3 server the tests use), sharing one data directory as nodes share their
 * volumes over a network file system, warms them up with a few untimed backups, then runs a
 * fixed mix through a client that sends each request to the next server in turn: `--backups`
 * backups of `--volumes` small volumes (each
 * volume's backups one after another, the volumes at once), a listing loop beside them, then
 * `--restores` restores into new volumes. It reports the mix's wall time and throughput, p50/p99
 * of a backup (request to the job's end) and of the wait before a node took the job, the
 * listings' p99, and the CPU each process used, to say which of servers, database or store
 * bounds the mix.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { S3RVER_ENV, startS3Server } from '../test/stores/s3-fixture.js';
import { startLocalPostgres } from '../test/support/local-postgres.js';
import { call, startService, until, volumeAvailable, type Body, type Service, type Session } from './api-session.js';
import { sec } from './format.js';

const MiB = 1024 * 1024;

/** utime + stime of a process, in seconds (clock ticks of 1/100 s). */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Every process of the user whose command line contains `text`: PostgreSQL's backends, s3rver. */
async function pidsMatching(text: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(text)) out.push(Number(name));
  }
  return out;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

interface MixResult {
  servers: number;
  seconds: number;
  backups: number;
  backupsPerSecond: number;
  backupP50: number;
  backupP99: number;
  waitP50: number;
  waitP99: number;
  listings: number;
  listingP99: number;
  restoreSeconds: number;
  cpu: { servers: number; postgres: number; s3: number };
}

/** The client: each call goes to the next server. */
function roundRobin(sessions: Session[]): () => Session {
  let next = 0;
  return () => sessions[next++ % sessions.length];
}

/**
 * Polls a job as a client would, four times a second: the mix's times are taken from the job's
 * record (begin_time, end_time), so they do not depend on how often it is asked, and the servers
 * spend their CPU on the mix rather than on answering polls.
 */
async function jobEnded(next: () => Session, projectId: string, jobId: string): Promise<Body> {
  return until(`job ${jobId}`, async () => {
    const j = (await call(next(), 'GET', `/v1/${projectId}/jobs/${jobId}`)).body;
    return j.status === 'SUCCESS' || j.status === 'FAIL' ? j : undefined;
  }, 250);
}

/** `count` volumes of 1 GiB, each with `mib` MiB of data written at its start. */
async function createVolumes(services: Service[], next: () => Session, count: number, mib: number, name: string): Promise<string[]> {
  const projectId = services[0].session.projectId;
  const volumes: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await call(next(), 'POST', `/v3/${projectId}/volumes`, { volume: { size: 1, name: `${name}-${i}` } });
    await volumeAvailable(services[0].session, r.body.volume.id);
    const image = (await services[0].vbs(['volume', 'path', r.body.volume.id])).trim();
    const fh = await fs.open(image, 'r+');
    await fh.write(Buffer.alloc(mib * MiB, `${name} ${i} `), 0, mib * MiB, 0);
    await fh.close();
    volumes.push(r.body.volume.id);
  }
  return volumes;
}

interface Backups {
  /** Request to the job's end, ms. */
  times: number[];
  /** Request to a node's taking the job, ms. */
  waits: number[];
  ids: string[];
}

/** `total` backups of the volumes, all volumes at once, each volume's one after another. */
async function backUp(next: () => Session, projectId: string, volumes: string[], total: number): Promise<Backups> {
  const done: Backups = { times: [], waits: [], ids: [] };
  const perVolume = Math.ceil(total / volumes.length);
  await Promise.all(
    volumes.map(async (volumeId, v) => {
      for (let k = 0; k < perVolume && v * perVolume + k < total; k++) {
        const asked = Date.now();
        const r = await call(next(), 'POST', `/v2/${projectId}/cloudbackups`, { backup: { volume_id: volumeId, name: `mix-${v}-${k}` } });
        if (r.status !== 200) throw new Error(`backup create: ${JSON.stringify(r.body)}`);
        const job = await jobEnded(next, projectId, r.body.job_id as string);
        if (job.status !== 'SUCCESS') throw new Error(`backup failed: ${job.fail_reason}`);
        done.times.push(Date.parse(job.end_time as string) - asked);
        done.waits.push(Date.parse(job.begin_time as string) - asked);
        done.ids.push(job.entities.backup_id as string);
        // The volume is available again once its backup's record is: the next one may start.
        await volumeAvailable(next(), volumeId, 20);
      }
    }),
  );
  return done;
}

/**
 * Brings every server to its steady state before the mix is timed: a fresh process compiles
 * its hot paths and starts its scan threads on its first jobs, a cost the servers of a long-running
 * service paid long ago, and one that 2 and 3 servers would pay 2 and 3 times in the mix.
 */
async function warmUp(services: Service[]): Promise<void> {
  const next = roundRobin(services.map((s) => s.session));
  const volumes = await createVolumes(services, next, 4 * services.length, 1, 'warm');
  await backUp(next, services[0].session.projectId, volumes, 2 * volumes.length);
}

async function runMix(services: Service[], o: { volumes: number; backups: number; restores: number; mib: number }): Promise<Omit<MixResult, 'servers' | 'cpu'>> {
  const next = roundRobin(services.map((s) => s.session));
  const projectId = services[0].session.projectId;
  const volumes = await createVolumes(services, next, o.volumes, o.mib, 'mix');
  let listing = true;
  const listingTimes: number[] = [];
  const listings = (async () => {
    while (listing) {
      const t = performance.now();
      await call(next(), 'GET', `/v3/${projectId}/backups/detail?limit=50`);
      listingTimes.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const started = performance.now();
  const backups = await backUp(next, projectId, volumes, o.backups);
  const seconds = (performance.now() - started) / 1000;
  listing = false;
  await listings;
  const restoresStarted = performance.now();
  await Promise.all(
    backups.ids.slice(0, o.restores).map(async (backupId) => {
      const r = await call(next(), 'POST', `/v3/${projectId}/backups/${backupId}/restore`, { restore: {} });
      if (r.status !== 202) throw new Error(`restore: ${JSON.stringify(r.body)}`);
      await volumeAvailable(next(), r.body.restore.volume_id as string, 50);
    }),
  );
  return {
    seconds,
    backups: backups.times.length,
    backupsPerSecond: backups.times.length / seconds,
    backupP50: percentile(backups.times, 0.5) / 1000,
    backupP99: percentile(backups.times, 0.99) / 1000,
    waitP50: percentile(backups.waits, 0.5) / 1000,
    waitP99: percentile(backups.waits, 0.99) / 1000,
    listings: listingTimes.length,
    listingP99: percentile(listingTimes, 0.99),
    restoreSeconds: (performance.now() - restoresStarted) / 1000,
  };
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--servers <list>', 'server counts to run the mix with', '1,2,3')
    .option('--volumes <n>', 'volumes backed up at once', '20')
    .option('--backups <n>', 'backups in the mix', '100')
    .option('--restores <n>', 'restores after the backups', '10')
    .option('--mib <n>', 'data written into each volume, in MiB', '16')
    .parse()
    .opts<{ servers: string; volumes: string; backups: string; restores: string; mib: string }>();
  const counts = o.servers.split(',').map(Number);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vbs-scale-'));
  const postgres = await startLocalPostgres(path.join(work, 'pg'));
  const s3 = await startS3Server();
  const results: MixResult[] = [];
  try {
    for (const n of counts) {
      const database = `vbs_scale_${n}`;
      await postgres.createDatabase(database);
      const bucket = await s3.createBucket();
      const dataDir = path.join(work, `data-${n}`);
      const env = {
        ...S3RVER_ENV,
        VBS_DATABASE_URL: `${postgres.url}/${database}`,
        VBS_STORE_URL: `s3://${bucket}?endpoint=${encodeURIComponent(s3.endpoint)}`,
        VBS_QUOTA_VOLUMES: '-1',
        VBS_QUOTA_GIGABYTES: '-1',
        VBS_QUOTA_BACKUPS: '-1',
        VBS_QUOTA_BACKUP_GIGABYTES: '-1',
        VBS_LOG_LEVEL: 'warn',
      };
      const services: Service[] = [];
      try {
        for (let i = 0; i < n; i++) services.push(await startService(dataDir, { env: { ...env, VBS_NODE_NAME: `node-${i + 1}` } }));
        await warmUp(services);
        const others = [...(await pidsMatching('postgres: ')), ...(await pidsMatching('s3rver-process'))];
        const before = new Map([...services.map((s) => s.pid), ...others].map((p) => [p, cpuOf(p)]));
        const cpuSince = (pids: number[]) => pids.reduce((sum, p) => sum + cpuOf(p) - (before.get(p) ?? 0), 0);
        const mix = await runMix(services, { volumes: Number(o.volumes), backups: Number(o.backups), restores: Number(o.restores), mib: Number(o.mib) });
        const cpu = {
          servers: cpuSince(services.map((s) => s.pid)),
          postgres: cpuSince(await pidsMatching('postgres: ')),
          s3: cpuSince(await pidsMatching('s3rver-process')),
        };
        results.push({ servers: n, ...mix, cpu });
        console.log(
          `${n} server(s): ${mix.backups} backups in ${sec(mix.seconds)} s (${mix.backupsPerSecond.toFixed(2)}/s), a backup p50 ${sec(mix.backupP50)} s p99 ${sec(mix.backupP99)} s, ` +
            `waiting for a node p50 ${sec(mix.waitP50)} s p99 ${sec(mix.waitP99)} s, ${mix.listings} listings p99 ${mix.listingP99.toFixed(0)} ms, ` +
            `${o.restores} restores in ${sec(mix.restoreSeconds)} s; CPU s: servers ${sec(cpu.servers)}, PostgreSQL ${sec(cpu.postgres)}, s3rver ${sec(cpu.s3)} (${os.availableParallelism()} cores)`,
        );
      } finally {
        await Promise.all(services.map((s) => s.stop()));
      }
    }
    if (results.length > 1) {
      const one = results[0];
      for (const r of results.slice(1)) console.log(`${r.servers} servers: ${(r.backupsPerSecond / one.backupsPerSecond).toFixed(2)}x the throughput of ${one.servers}`);
    }
  } finally {
    await s3.close();
    await postgres.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
