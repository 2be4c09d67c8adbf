/**
 * The api mode (the default with --compare): the service as a user times it. A `vbs serve` of
 * its own gets the BENCH.md volume through `vbs volume import`; every case is timed from the
 * request to the job's end (`POST /v2/{p}/cloudbackups`, then `GET /v1/{p}/jobs/{id}` every
 * 20 ms), the Cinder restore into a new volume to the volume `available`. Between backups the
 * image is changed as BENCH.md says and imported again over the volume, outside the timing.
 * restic and borg run the same cases on the same image file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { call, jobEnd, startService, volumeAvailable, type Service, type Session } from './api-session.js';
import { mb, sec, table } from './format.js';
import type { ModeContext, ModeResult } from './mode.js';
import { settle, type Measured, type Peer } from './peers.js';
import { localizedChange, MIB, scatteredChange, sha256File, treeBytes } from './volume.js';

/** The targets of issue 17, through the API, against restic in the same run. */
export const TARGETS = {
  /** restic's seconds / ours, at least. */
  fullBackupSpeedup: 5,
  restoreSpeedup: 3,
  /** Bytes the scattered incremental adds, ours / restic's, at most. */
  scatteredBytesRatio: 0.25,
  serverPeakRssBytes: 250e6,
};

interface ServiceFigure {
  /** From the request to the job's end (or the new volume `available`). */
  seconds: number;
  /** CPU seconds of the server process over the same span. */
  cpuSeconds: number;
  /** Peak resident memory of the server process during the case (since its start where the kernel cannot reset the mark). */
  peakRssBytes: number;
  /** Bytes the store grew by. */
  addedBytes?: number;
}

export interface ApiCase {
  key: 'full' | 'unchanged' | 'localized' | 'scattered' | 'restore-new' | 'restore-existing';
  case: string;
  service: ServiceFigure;
  peers: Record<string, Measured | undefined>;
  check?: string;
}

/**
 * The engine trusts an image's identity (and skips reading an unchanged one next time) only
 * when its last change is older than the file system's timestamp granularity, 1 s here. A
 * volume that is backed up was written a while ago, as the engine mode's image is: wait out
 * the second after an import, outside the timing.
 */
async function letImageSettle(file: string): Promise<void> {
  const st = await fs.stat(file);
  const age = Date.now() - Math.max(st.ctimeMs, st.mtimeMs);
  if (age < 1100) await new Promise((r) => setTimeout(r, 1100 - age));
}

async function timeService<T>(service: Service, work: () => Promise<T>): Promise<{ figure: ServiceFigure; value: T }> {
  settle();
  service.takePeakRss();
  const cpu = service.cpuSeconds();
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  return { figure: { seconds, cpuSeconds: service.cpuSeconds() - cpu, peakRssBytes: service.takePeakRss().bytes }, value };
}

async function backUp(s: Session, volumeId: string, name: string): Promise<string> {
  const r = await call(s, 'POST', `/v2/${s.projectId}/cloudbackups`, { backup: { volume_id: volumeId, name } });
  if (r.status !== 200) throw new Error(`backup create answered ${r.status}: ${JSON.stringify(r.body)}`);
  const job = await jobEnd(s, r.body.job_id as string);
  return job.entities.backup_id as string;
}

async function restoreIntoNew(s: Session, backupId: string): Promise<string> {
  const r = await call(s, 'POST', `/v3/${s.projectId}/backups/${backupId}/restore`, { restore: {} });
  if (r.status !== 202) throw new Error(`restore answered ${r.status}: ${JSON.stringify(r.body)}`);
  const volumeId = r.body.restore.volume_id as string;
  await volumeAvailable(s, volumeId);
  return volumeId;
}

async function restoreInto(s: Session, backupId: string, volumeId: string): Promise<void> {
  const r = await call(s, 'POST', `/v2/${s.projectId}/cloudbackups/${backupId}/restore`, { restore: { volume_id: volumeId } });
  if (r.status !== 200) throw new Error(`restore answered ${r.status}: ${JSON.stringify(r.body)}`);
  await jobEnd(s, r.body.job_id as string);
}

/** Restores the peer's backup twice into one directory: a new file, then over the file it made. */
async function peerRestores(peers: Peer[], work: string, name: string): Promise<{ fresh: Record<string, Measured>; over: Record<string, Measured> }> {
  const fresh: Record<string, Measured> = {};
  const over: Record<string, Measured> = {};
  for (const p of peers) {
    const target = path.join(work, `${p.name}-restore`);
    fresh[p.name] = await p.restore(name, target);
    over[p.name] = await p.restore(name, target);
    await fs.rm(target, { recursive: true, force: true });
  }
  return { fresh, over };
}

export interface ApiRun {
  cases: ApiCase[];
  serverPeakRssBytes: number;
  loadAverage: { before: number[]; after: number[] };
}

export async function runApiMode(ctx: ModeContext): Promise<ModeResult> {
  const { work, volume, sizeMiB, peers, log } = ctx;
  const loadBefore = os.loadavg();
  const service = await startService(path.join(work, 'service'));
  try {
    const s = service.session;
    const store = path.join(service.dataDir, 'store');
    const out = await service.vbs(['volume', 'import', volume, '--name', 'bench', '--project', 'admin']);
    const volumeId = out.trim().split(/\s+/).pop()!;
    const imagePath = async (id: string) => (await service.vbs(['volume', 'path', id])).trim();
    const sourceImage = await imagePath(volumeId);
    const reimport = async () => {
      await service.vbs(['volume', 'import', volume, '--volume', volumeId]);
    };
    log(`api mode: vbs serve (pid ${service.pid}) on ${s.url}, volume ${volumeId} imported`);

    const cases: ApiCase[] = [];
    let last = '';
    const backupCase = async (key: ApiCase['key'], label: string, name: string): Promise<void> => {
      await letImageSettle(sourceImage);
      const before = await treeBytes(store);
      const { figure, value } = await timeService(service, () => backUp(s, volumeId, name));
      figure.addedBytes = (await treeBytes(store)) - before;
      last = value;
      const row: ApiCase = { key, case: label, service: figure, peers: {} };
      for (const p of peers) row.peers[p.name] = await p.backup(name);
      cases.push(row);
      log(`${label}: ${sec(figure.seconds)} s (server ${sec(figure.cpuSeconds)} CPU s, peak RSS ${mb(figure.peakRssBytes)} MB), added ${mb(figure.addedBytes)} MB`);
    };

    await backupCase('full', 'full backup', 'b1');
    await backupCase('unchanged', 'unchanged incremental', 'b2');
    await localizedChange(volume, sizeMiB);
    await reimport();
    await backupCase('localized', 'localized 1% incremental', 'b3');
    const writes = await scatteredChange(volume, sizeMiB);
    await reimport();
    await backupCase('scattered', `scattered 1% incremental (${writes} x 4 KiB)`, 'b4');

    const expected = await sha256File(volume);
    const sameAsSource = async (id: string) => ((await sha256File(await imagePath(id), sizeMiB * MIB)) === expected ? 'sha256 equal' : 'SHA-256 DIFFERS');
    const restoredNew = await timeService(service, () => restoreIntoNew(s, last));
    const checkNew = await sameAsSource(restoredNew.value);
    // Over the volume the first restore made: the data is there already, as over a volume restored before.
    const restoredOver = await timeService(service, () => restoreInto(s, last, restoredNew.value));
    const checkOver = await sameAsSource(restoredNew.value);
    const peerRuns = await peerRestores(peers, work, 'b4');
    cases.push({ key: 'restore-new', case: 'restore into a new volume', service: restoredNew.figure, peers: peerRuns.fresh, check: checkNew });
    cases.push({ key: 'restore-existing', case: 'restore into an existing volume', service: restoredOver.figure, peers: peerRuns.over, check: checkOver });
    log(`restore into a new volume: ${sec(restoredNew.figure.seconds)} s, ${checkNew}; into an existing one: ${sec(restoredOver.figure.seconds)} s, ${checkOver}`);

    const run: ApiRun = { cases, serverPeakRssBytes: service.peakRssBytes(), loadAverage: { before: loadBefore, after: os.loadavg() } };
    return { cases: [...cases, { case: 'server peak RSS', bytes: run.serverPeakRssBytes }, { case: 'load average', ...run.loadAverage }], text: apiTable(run, peers), ok: !cases.some((c) => c.check?.includes('DIFFERS')) };
  } finally {
    await service.stop();
  }
}

const times = (peer: number | undefined, ours: number) => (peer === undefined ? '-' : `${(peer / ours).toFixed(1)}x`);
const met = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'NOT MET');

/** The issue's table: case, service via API, restic, borg, ratio against restic, target. */
export function apiTable(run: ApiRun, peers: Peer[]): string {
  const has = (name: string) => peers.some((p) => p.name === name);
  const peerCell = (m: Measured | undefined, name: string, pick: (m: Measured) => string) => (!has(name) ? 'n/a' : m ? pick(m) : '-');
  const rows = [['case', 'service via API', 'restic', 'borg', 'ratio', 'target', '']];
  const timeTargets: Partial<Record<ApiCase['key'], number>> = { full: TARGETS.fullBackupSpeedup, 'restore-new': TARGETS.restoreSpeedup, 'restore-existing': TARGETS.restoreSpeedup };
  for (const c of run.cases) {
    const restic = c.peers.restic?.seconds;
    const target = timeTargets[c.key];
    rows.push([
      c.case,
      `${sec(c.service.seconds)} s`,
      peerCell(c.peers.restic, 'restic', (m) => `${sec(m.seconds)} s`),
      peerCell(c.peers.borg, 'borg', (m) => `${sec(m.seconds)} s`),
      times(restic, c.service.seconds),
      target ? `>= ${target}x` : '-',
      target && restic !== undefined ? met(restic / c.service.seconds >= target) : '',
    ]);
    if (c.key === 'localized' || c.key === 'scattered') {
      const theirs = c.peers.restic?.addedBytes;
      const r = theirs ? c.service.addedBytes! / theirs : undefined;
      const limit = c.key === 'scattered' ? TARGETS.scatteredBytesRatio : undefined;
      rows.push([
        '  bytes added by it',
        `${mb(c.service.addedBytes)} MB`,
        peerCell(c.peers.restic, 'restic', (m) => `${mb(m.addedBytes)} MB`),
        peerCell(c.peers.borg, 'borg', (m) => `${mb(m.addedBytes)} MB`),
        r === undefined ? '-' : r.toFixed(2),
        limit ? `<= ${limit}` : '-',
        limit && r !== undefined ? met(r <= limit) : '',
      ]);
    }
  }
  const peakOf = (name: string) => Math.max(0, ...run.cases.map((c) => c.peers[name]?.peakRssBytes ?? 0));
  rows.push([
    'peak RSS (server process)',
    `${mb(run.serverPeakRssBytes)} MB`,
    has('restic') ? `${mb(peakOf('restic'))} MB` : 'n/a',
    has('borg') ? `${mb(peakOf('borg'))} MB` : 'n/a',
    '-',
    `<= ${TARGETS.serverPeakRssBytes / 1e6} MB`,
    met(run.serverPeakRssBytes <= TARGETS.serverPeakRssBytes),
  ]);
  const notes = [
    'ratio: restic s / service s for times (higher is better), service bytes / restic bytes for sizes',
    ...run.cases.filter((c) => c.check).map((c) => `${c.case}: ${c.check}`),
    `server CPU s: ${run.cases.map((c) => `${c.key} ${sec(c.service.cpuSeconds)}`).join(', ')}`,
    `server peak RSS MB: ${run.cases.map((c) => `${c.key} ${mb(c.service.peakRssBytes)}`).join(', ')}`,
    `load average before ${run.loadAverage.before.map((x) => x.toFixed(2)).join(' ')}, after ${run.loadAverage.after.map((x) => x.toFixed(2)).join(' ')}`,
  ];
  return [table(rows), ...notes].join('\n');
}
