/**
 * Runs one benchmark case with the engine in its own process, so the parent can report this
 * process's peak RSS and CPU time. Prints one JSON line.
 * Usage: node dist/bench/case.js <store-dir> <op> [args...]
 *   backup <source> <backup-id> | restore <backup-id> <target> | delete-gc <backup-id> | verify <backup-id>
 */
import { closeEngine, openRepository, runBackup, runGc, runRestore, runVerify, type EngineSettings } from '../src/engine/index.js';
import { FsBlockStore } from '../src/stores/fs-store.js';

async function main(): Promise<void> {
  const [storeDir, op, a, b] = process.argv.slice(2);
  const settings: Partial<EngineSettings> = process.env.VBS_BENCH_SETTINGS ? (JSON.parse(process.env.VBS_BENCH_SETTINGS) as Partial<EngineSettings>) : {};
  const repo = openRepository(new FsBlockStore(storeDir), 'bench', settings);
  const started = performance.now();
  let detail: unknown;
  if (op === 'backup') detail = (await runBackup(repo, { source: a, backupId: b, volumeId: 'bench-volume' })).header;
  // Like restic and borg, the benchmark's restore leaves flushing to the kernel (no fsync).
  else if (op === 'restore') detail = await runRestore(repo, { backupId: a, target: b, durable: process.env.VBS_BENCH_DURABLE === '1' });
  else if (op === 'delete-gc') {
    await repo.deleteBackup(a);
    detail = await runGc(repo, { graceMs: 0 });
  } else if (op === 'verify') detail = await runVerify(repo, a);
  else throw new Error(`unknown op ${op}`);
  const seconds = (performance.now() - started) / 1000;
  await closeEngine();
  const usage = process.resourceUsage();
  if (process.env.VBS_BENCH_MEMORY) console.error(JSON.stringify(process.memoryUsage()));
  const header = detail as { ids?: unknown };
  delete header.ids;
  process.stdout.write(
    `${JSON.stringify({ seconds, peakRssBytes: usage.maxRSS * 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, detail })}\n`,
  );
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
