/**
 * `node dist/bench/start-time.js [--runs N]`: how long `npm start` takes, as a user types it in
 * the repository, to answer `/readyz` on an existing data directory (issue 17: under 2 s). The
 * first start, which sets the data directory up, is not timed; each timed start is stopped with
 * SIGTERM and waited for before the next. Prints every run and min/median/max.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { freePort } from '../test/support/net.js';
import { sec } from './format.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

/** Seconds from spawning `npm start` to a 200 from /readyz; the server is stopped after. */
async function startOnce(env: NodeJS.ProcessEnv, port: number): Promise<number> {
  const started = performance.now();
  // Its own process group: npm, the shell and the server all receive the stop.
  const child = spawn('npm', ['start', '--silent'], { cwd: REPO, env, stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    while (!(await ready(`http://127.0.0.1:${port}/readyz`))) {
      if (gone) throw new Error('npm start exited before /readyz answered');
      await new Promise((r) => setTimeout(r, 10));
    }
    return (performance.now() - started) / 1000;
  } finally {
    if (!gone) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const o = new Command().option('--runs <n>', 'timed starts', '5').parse().opts<{ runs: string }>();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vbs-start-bench-'));
  try {
    const port = await freePort();
    const env = { ...process.env, VBS_DATA_DIR: dataDir, VBS_PORT: String(port), VBS_LOG_LEVEL: 'warn' };
    const setup = await startOnce(env, port);
    console.log(`first start (sets up the data directory, not counted): ${sec(setup)} s; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const times: number[] = [];
    for (let i = 0; i < Number(o.runs); i++) {
      times.push(await startOnce(env, port));
      console.log(`start ${i + 1}: ${sec(times[i])} s`);
    }
    times.sort((a, b) => a - b);
    console.log(`npm start to /readyz: min ${sec(times[0])} s, median ${sec(times[Math.floor(times.length / 2)])} s, max ${sec(times[times.length - 1])} s (target < 2 s)`);
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
