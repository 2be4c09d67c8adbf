/** `vbs verify BACKUP_ID` and `vbs gc`: engine maintenance on the configured block store. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../common/config.js';
import { logEvents } from '../common/event-log.js';
import { EventHub, type OpsEvents } from '../common/ops-events.js';
import type { StoreMaintenance } from '../services/backups/store-maintenance.js';
import type { BlockStore } from '../stores/block-store.js';
import { CliError } from './errors.js';

/**
 * The command's events as JSON lines on stderr at VBS_LOG_LEVEL, as `vbs serve` logs them:
 * stdout stays the operator's summary, stderr feeds the log collector.
 */
function commandEvents(level: string): OpsEvents {
  const hub = new EventHub();
  // Synchronous: the process may exit right after the command.
  hub.subscribe(logEvents(pino({ level }, pino.destination({ dest: 2, sync: true }))));
  return hub;
}

async function withStore<T>(work: (maintenance: StoreMaintenance, store: BlockStore) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // Loaded here, not at the top: a command that talks HTTP starts without the engine's modules.
  const [{ closeEngine, EngineError, FormatError }, { StoreMaintenance }, { openBlockStore, parseStoreUrl }] = await Promise.all([
    import('../engine/index.js'),
    import('../services/backups/store-maintenance.js'),
    import('../stores/factory.js'),
  ]);
  const location = parseStoreUrl(config.storeUrl, config.dataDir);
  // No data dir at all is a command run in the wrong place, not an empty store (a served one
  // without backups has no store directory yet).
  if (location.kind === 'fs' && !fs.existsSync(location.directory) && !fs.existsSync(config.dataDir)) {
    throw new CliError(`no data directory ${config.dataDir}: run this where \`vbs serve\` keeps its data, or set VBS_DATA_DIR`);
  }
  const store = await openBlockStore(config);
  try {
    return await work(new StoreMaintenance(store, commandEvents(config.logLevel)), store);
  } catch (err) {
    // What the engine refuses is the operator's answer, in one line.
    if (err instanceof EngineError || err instanceof FormatError) throw new CliError(err.message);
    throw err;
  } finally {
    await closeEngine();
    await store.close();
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function registerEngineCommands(program: Command): void {
  program
    .command('verify <backup-id>')
    .description('read every block of a backup from the store and check its digest')
    .action((backupId: string) =>
      withStore(async (maintenance, store) => {
        const project = await maintenance.projectOfBackup(backupId);
        if (!project) throw new CliError(`backup ${backupId} has no manifest in the store ${store.description}`);
        const started = performance.now();
        const r = await maintenance.check(project, backupId, undefined, 'cli');
        if (!r.intact) throw new CliError(r.problem ?? `backup ${backupId} is damaged`);
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `backup ${backupId} is intact: ${r.distinctBlocks} distinct blocks of ${r.blocks}, ${mb(r.bytesChecked)} checked in ${seconds.toFixed(1)} s`,
        );
      }),
    );

  program
    .command('gc')
    .description('remove blocks no backup references (mark and sweep, every project)')
    .option('--grace-minutes <n>', 'leave data written less than this long ago', '60')
    .action((opts: { graceMinutes: string }) =>
      withStore(async (maintenance, store) => {
        const minutes = Number(opts.graceMinutes);
        if (!Number.isFinite(minutes) || minutes < 0) throw new CliError(`--grace-minutes must be a number of at least 0, got "${opts.graceMinutes}"`);
        const projects = await maintenance.projects();
        if (projects.length === 0) console.log(`nothing to collect in ${store.description}`);
        for (const project of projects) {
          const r = await maintenance.collect(project, { graceMs: minutes * 60_000, trigger: 'cli' });
          if (r.skipped) {
            console.log(`project ${project}: skipped, ${r.skipped}`);
            continue;
          }
          console.log(
            `project ${project}: ${r.manifests} backups, ${r.liveBlocks} live blocks; deleted ${r.packsDeleted + r.orphanPacksDeleted} packs, ` +
              `rewrote ${r.packsRepacked}; freed ${mb(r.bytesFreed)}` +
              (r.interrupted.length ? `; interrupted backups cleared: ${r.interrupted.join(', ')}` : ''),
          );
          for (const p of r.problems) console.log(`project ${project}: ${p}`);
        }
      }),
    );
}
