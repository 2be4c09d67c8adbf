/**
 * `npm test`: starts one real PostgreSQL for the whole run (every test file makes its own
 * database in it), runs every test file with node's test runner, and stops PostgreSQL.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalPostgres, type LocalPostgres } from './support/local-postgres.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

async function main(): Promise<number> {
  const filter = process.argv.slice(2);
  let files = testFiles(here).sort();
  if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
  // Everything the tests write under the temp dir (data dirs, volumes, stores) lives in one
  // directory of this run, removed at its end: a run leaves no gigabytes of images behind.
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vbs-test-run-'));
  let postgres: LocalPostgres | undefined;
  try {
    postgres = await startLocalPostgres(path.join(runDir, 'postgres'));
    const env = { ...process.env, TMPDIR: runDir, VBS_TEST_PG_URL: postgres.url };
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit', env });
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await postgres?.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('test run failed to start:', err);
    process.exit(1);
  },
);
