/**
 * `npm run bench [-- --size-mib N] [--json] [--compare] [--cold] [--dir D] [--keep]`: the benchmark of
 * ../shared/spec/BENCH.md. Every engine case runs in a child process (dist/bench/case.js) so
 * its peak RSS and CPU seconds are its own.
 * Extra knobs for measuring design choices: --block-kib, --pack-mib, --level.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { hashAllocated, sequentialRead } from './limits.js';
import { borg, coldRuns, onPath, restic, settle, startRunsCold, type Measured, type Peer } from './peers.js';
import { buildVolume, localizedChange, MIB, scatteredChange, sha256File, treeBytes } from './volume.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface CaseRow {
  case: string;
  ours: Measured & { addedBytes: number; mbps: number };
  peers: Record<string, Measured | undefined>;
  check?: string;
}

function runCase(store: string, args: string[], settings: Record<string, number>): Promise<Measured & { detail: unknown }> {
  settle();
  return new Promise((resolve, reject) => {
    // The engine runs with the V8 flags `vbs` and `npm start` use.
    const child = spawn(process.execPath, ['--max-semi-space-size=2', path.join(here, 'case.js'), store, ...args], {
      env: { ...process.env, VBS_BENCH_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`engine case ${args.join(' ')} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Measured & { detail: unknown });
    });
  });
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : (bytes / 1e6).toFixed(1));
const sec = (s: number | undefined) => (s === undefined ? '-' : s.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? '-' : (a / b).toFixed(3));

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const program = new Command()
    .option('--size-mib <n>', 'volume size in MiB', '2048')
    .option('--json', 'print JSON instead of a table')
    .option('--compare', 'run restic and borg side by side')
    .option('--dir <dir>', 'working directory (default: a new one in the temp dir)')
    .option('--keep', 'keep the working directory')
    .option('--cold', 'empty the page cache before every measured run (needs root)')
    .option('--block-kib <n>', 'engine block size in KiB')
    .option('--pack-mib <n>', 'engine pack size in MiB')
    .option('--level <n>', 'zstd level')
    .parse();
  const o = program.opts<{ sizeMib: string; json?: boolean; compare?: boolean; dir?: string; keep?: boolean; cold?: boolean; blockKib?: string; packMib?: string; level?: string }>();
  const sizeMiB = Number(o.sizeMib);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 4) throw new Error('--size-mib must be a whole number of at least 4');
  const settings: Record<string, number> = {};
  if (o.blockKib) settings.blockSize = Number(o.blockKib) * 1024;
  if (o.packMib) settings.packSize = Number(o.packMib) * MIB;
  if (o.level) settings.level = Number(o.level);
  const log = (msg: string) => (o.json ? process.stderr : process.stdout).write(`${msg}\n`);
  startRunsCold(o.cold === true);

  const work = o.dir ? path.resolve(o.dir) : await fs.mkdtemp(path.join(os.tmpdir(), 'vbs-bench-'));
  await fs.mkdir(work, { recursive: true });
  const volume = path.join(work, 'volume.img');
  const store = path.join(work, 'store');
  try {
    log(`building the ${sizeMiB} MiB volume in ${work} ...`);
    await buildVolume(volume, sizeMiB);
    const allocated = (sizeMiB - Math.ceil(sizeMiB / 4)) * MIB;
    const size = sizeMiB * MIB;
    const readSeconds = await sequentialRead(volume);
    const hash = await hashAllocated(volume, sizeMiB);

    const peers: Peer[] = [];
    if (o.compare) {
      for (const make of [restic, borg]) {
        const p = make(work, volume);
        if (onPath(p.name)) {
          await p.init();
          peers.push(p);
        } else log(`${p.name} is not on the PATH: left out`);
      }
    }

    const rows: CaseRow[] = [];
    const backupCase = async (name: string, id: string): Promise<void> => {
      const before = await treeBytes(store);
      const r = await runCase(store, ['backup', volume, id], settings);
      const addedBytes = (await treeBytes(store)) - before;
      const row: CaseRow = { case: name, ours: { ...r, addedBytes, mbps: size / 1e6 / r.seconds }, peers: {} };
      for (const p of peers) row.peers[p.name] = await p.backup(id);
      rows.push(row);
      log(`${name}: ${sec(r.seconds)} s, added ${mb(addedBytes)} MB`);
    };
    const sourceHash = async () => sha256File(volume);

    await backupCase('1 full', 'b1');
    await backupCase('2 unchanged', 'b2');
    await localizedChange(volume, sizeMiB);
    await backupCase('3 localized 1%', 'b3');
    const writes = await scatteredChange(volume, sizeMiB);
    await backupCase(`4 scattered 1% (${writes} x 4 KiB)`, 'b4');
    const expected = await sourceHash();

    const restored = path.join(work, 'restored.img');
    const r5 = await runCase(store, ['restore', 'b4', restored], settings);
    const ok5 = (await sha256File(restored)) === expected;
    await fs.rm(restored, { force: true });
    const row5: CaseRow = { case: '5 restore', ours: { ...r5, addedBytes: 0, mbps: size / 1e6 / r5.seconds }, peers: {}, check: ok5 ? 'sha256 equal' : 'SHA-256 DIFFERS' };
    for (const p of peers) {
      const target = path.join(work, `${p.name}-restore`);
      row5.peers[p.name] = await p.restore('b4', target);
      await fs.rm(target, { recursive: true, force: true });
    }
    rows.push(row5);
    log(`5 restore: ${sec(r5.seconds)} s, ${row5.check}`);

    const before6 = await treeBytes(store);
    const r6 = await runCase(store, ['delete-gc', 'b1'], settings);
    const added6 = (await treeBytes(store)) - before6;
    const r6b = await runCase(store, ['restore', 'b4', restored], settings);
    const ok6 = (await sha256File(restored)) === expected;
    await fs.rm(restored, { force: true });
    rows.push({
      case: '6 delete + gc',
      ours: { ...r6, addedBytes: added6, mbps: size / 1e6 / r6.seconds },
      peers: {},
      check: `${ok6 ? 'sha256 equal' : 'SHA-256 DIFFERS'} after restoring again in ${sec(r6b.seconds)} s`,
    });
    log(`6 delete + gc: ${sec(r6.seconds)} s, ${rows[5].check}`);

    const result = {
      volume: { sizeMiB, allocatedBytes: allocated, settings },
      machine: {
        cores: os.availableParallelism(),
        sequentialReadSeconds: readSeconds,
        sequentialReadMBps: size / 1e6 / readSeconds,
        sha256AllCoresSeconds: hash.seconds,
        sha256AllCoresMBps: hash.bytes / 1e6 / hash.seconds,
        coldCache: coldRuns(),
      },
      cases: rows.map((r) => ({
        case: r.case,
        ours: { ...r.ours, detail: undefined },
        peers: r.peers,
        check: r.check,
      })),
    };
    if (o.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const head = ['case', 's', 'MB/s', 'added MB', 'peak RSS MB', 'CPU s'];
      for (const p of peers) head.push(`${p.name} s`, `${p.name} added MB`, `${p.name} RSS MB`);
      if (peers.some((p) => p.name === 'restic')) head.push('time ours/restic', 'added ours/restic');
      const lines = [head];
      for (const r of rows) {
        const line = [r.case, sec(r.ours.seconds), r.ours.mbps.toFixed(0), mb(r.ours.addedBytes), mb(r.ours.peakRssBytes), sec(r.ours.cpuSeconds)];
        for (const p of peers) line.push(sec(r.peers[p.name]?.seconds), mb(r.peers[p.name]?.addedBytes), mb(r.peers[p.name]?.peakRssBytes));
        if (peers.some((p) => p.name === 'restic')) {
          line.push(ratio(r.ours.seconds, r.peers.restic?.seconds), ratio(r.ours.addedBytes, r.peers.restic?.addedBytes));
        }
        lines.push(line);
      }
      log('');
      log(table(lines));
      for (const r of rows) if (r.check) log(`${r.case}: ${r.check}`);
      log(
        `machine: ${result.machine.cores} cores; sequential read ${sec(readSeconds)} s (${result.machine.sequentialReadMBps.toFixed(0)} MB/s); ` +
          `SHA-256 of ${mb(hash.bytes)} MB allocated on all cores ${sec(hash.seconds)} s (${result.machine.sha256AllCoresMBps.toFixed(0)} MB/s); ` +
          (coldRuns() ? 'every run started with an empty page cache' : 'runs started after sync, page cache kept'),
      );
    }
    if (!ok5 || !ok6) process.exitCode = 1;
  } finally {
    if (!o.keep) await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
