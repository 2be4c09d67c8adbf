import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { tempDir } from '../support/server.js';
import { freePort } from '../support/net.js';
import { REPO_ROOT, cliEnv } from '../support/cli.js';
import { until } from '../support/wait.js';

/** Every process below `pid`, read from /proc (the test runs on Linux). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) may hold spaces and parentheses: the fields after its last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) if (parent === p) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie waits for a parent that is gone or has not reaped it yet: it serves nothing.
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

describe('npm start (the documented start) and process signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the npm process stops the server: no process left, the port free`, { timeout: 120_000 }, async () => {
      const port = await freePort();
      const env = cliEnv({ VBS_DATA_DIR: tempDir('vbs-npm-start-'), VBS_PORT: String(port), VBS_LOG_LEVEL: 'info', VBS_ADMIN_PASSWORD: 'npm-start-pw' });
      // The start command as documented: it runs the build of `npm install`, it builds nothing itself.
      const npm = spawn('npm', ['start'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
      npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
      // Output is complete once every holder of the pipes has closed them: an orphan keeps them open.
      const closed = new Promise<void>((resolve) => npm.on('close', () => resolve()));
      let below: number[] = [];
      try {
        await until(
          'the server started by npm start to be ready',
          async () => (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false)) || undefined,
          60_000,
        );
        below = descendants(npm.pid!);
        assert.ok(below.length > 0, 'npm runs the server as a child');
        npm.kill(signal);
        await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error(`npm did not exit on ${signal}: ${output}`)), 30_000))]);
        await until('the server processes to end', async () => below.every((pid) => !alive(pid)) || undefined, 15_000).catch(() => undefined);
        const left = below.filter(alive);
        assert.deepEqual(left, [], `processes left running after ${signal} to npm: ${left.join(', ')}; output: ${output}`);
        assert.ok(await portFree(port), `port ${port} is still taken`);
        await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
        assert.match(output, /draining requests and jobs, then stopping/, 'the server stopped itself, draining');
      } finally {
        // Whatever a failed run left behind, by the ids this test saw.
        if (alive(npm.pid!)) npm.kill('SIGKILL');
        for (const pid of below) if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    });
  }
});
