/**
 * One engine operation in its own process, for the crash tests to kill at a random moment.
 * Usage: node crash-child.js <store-dir> backup <source> <id> | restore <id> <target> | delete <id> | gc
 */
import { closeEngine, runBackup, runGc, runRestore } from '../../src/engine/index.js';
import { repoAt, SMALL } from './helpers.js';

const [storeDir, op, a, b] = process.argv.slice(2);
const repo = repoAt(storeDir, 'crash', { ...SMALL, packSize: 128 * 1024, staleAfterMs: 0 });
const work =
  op === 'backup'
    ? runBackup(repo, { source: a, backupId: b, volumeId: 'vol' })
    : op === 'restore'
      ? runRestore(repo, { backupId: a, target: b })
      : op === 'delete'
        ? repo.deleteBackup(a)
        : runGc(repo, { graceMs: 0, repackThreshold: 0.05 });
work.then(
  async () => {
    await closeEngine();
    process.stdout.write('done\n');
  },
  (err: unknown) => {
    console.error(String(err));
    process.exit(2);
  },
);
