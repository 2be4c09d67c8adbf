/**
 * `npm run bench [-- --compare] [--mode api|engine] [--size-mib N] [--json] [--cold] [--dir D] [--keep]`:
 * the benchmark of ../shared/spec/BENCH.md, on its deterministic volume image.
 * - api mode (the default with --compare): the service as a user times it, through its API, on
 *   a `vbs serve` of its own (bench/api-mode.ts), against restic and borg, with the targets of
 *   issue 17;
 * - engine mode (the default without --compare; `--mode engine` for design work): the engine in
 *   a child process per case (bench/engine-mode.ts), with its own peak RSS and CPU seconds.
 * Extra knobs of the engine mode for measuring design choices: --block-kib, --pack-mib, --level.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { runApiMode } from './api-mode.js';
import { runEngineMode } from './engine-mode.js';
import { mb, sec } from './format.js';
import { hashAllocated, sequentialRead } from './limits.js';
import type { ModeContext, ModeResult } from './mode.js';
import { borg, coldRuns, onPath, restic, startRunsCold, type Peer } from './peers.js';
import { buildVolume, MIB } from './volume.js';

async function main(): Promise<void> {
  const program = new Command()
    .option('--size-mib <n>', 'volume size in MiB', '2048')
    .option('--json', 'print JSON instead of a table')
    .option('--compare', 'run restic and borg side by side')
    .option('--mode <mode>', 'api (the service through its API) or engine (the engine in a process per case); default api with --compare, else engine')
    .option('--dir <dir>', 'working directory (default: a new one in the temp dir)')
    .option('--keep', 'keep the working directory')
    .option('--cold', 'empty the page cache before every measured run (needs root)')
    .option('--block-kib <n>', 'engine block size in KiB')
    .option('--pack-mib <n>', 'engine pack size in MiB')
    .option('--level <n>', 'zstd level')
    .parse();
  const o = program.opts<{ sizeMib: string; json?: boolean; compare?: boolean; mode?: string; dir?: string; keep?: boolean; cold?: boolean; blockKib?: string; packMib?: string; level?: string }>();
  const sizeMiB = Number(o.sizeMib);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 4) throw new Error('--size-mib must be a whole number of at least 4');
  const mode = o.mode ?? (o.compare ? 'api' : 'engine');
  if (mode !== 'api' && mode !== 'engine') throw new Error('--mode must be api or engine');
  const settings: Record<string, number> = {};
  if (o.blockKib) settings.blockSize = Number(o.blockKib) * 1024;
  if (o.packMib) settings.packSize = Number(o.packMib) * MIB;
  if (o.level) settings.level = Number(o.level);
  if (mode === 'api' && Object.keys(settings).length > 0) throw new Error('--block-kib, --pack-mib and --level are knobs of --mode engine: the service runs with its own settings');
  const log = (msg: string) => (o.json ? process.stderr : process.stdout).write(`${msg}\n`);
  startRunsCold(o.cold === true);

  const work = o.dir ? path.resolve(o.dir) : await fs.mkdtemp(path.join(os.tmpdir(), 'vbs-bench-'));
  await fs.mkdir(work, { recursive: true });
  const volume = path.join(work, 'volume.img');
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

    const ctx: ModeContext = { work, volume, sizeMiB, settings, peers, log };
    log(`${mode} mode; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const run: ModeResult = mode === 'api' ? await runApiMode(ctx) : await runEngineMode(ctx);

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
      mode,
      cases: run.cases,
    };
    if (o.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      log('');
      log(run.text);
      log(
        `machine: ${result.machine.cores} cores; sequential read ${sec(readSeconds)} s (${result.machine.sequentialReadMBps.toFixed(0)} MB/s); ` +
          `SHA-256 of ${mb(hash.bytes)} MB allocated on all cores ${sec(hash.seconds)} s (${result.machine.sha256AllCoresMBps.toFixed(0)} MB/s); ` +
          (coldRuns() ? 'every run started with an empty page cache' : 'runs started after sync, page cache kept'),
      );
    }
    if (!run.ok) process.exitCode = 1;
  } finally {
    if (!o.keep) await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
