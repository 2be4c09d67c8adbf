/**
 * The README's quick tour, run as written: each "### With ..." part of the "## Quick tour"
 * section is one bash script made of its ```sh blocks, run in the folder of a freshly started
 * `vbs serve` (so `data/` is the server's data directory, as after `npm start`), with `vbs` on
 * PATH as `npm link` would put it. Nothing in the text is rewritten: the port reaches the
 * commands through data/admin-openrc.sh and data/clouds.yaml, which the server writes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, cliEnv, startServe, type ServeProcess } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { tempDir } from '../support/server.js';
import { until } from '../support/wait.js';

interface TourPart {
  title: string;
  script: string;
  /** What the script says when a check passes (`cmp a b && echo "..."`): each must be printed. */
  checks: string[];
}

function tourParts(readme: string): TourPart[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Quick tour'));
  assert.ok(section, 'README.md has a "## Quick tour" section');
  return section
    .split(/^### /m)
    .slice(1)
    .filter((part) => part.startsWith('With '))
    .map((part) => {
      const blocks = [...part.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
      const script = blocks.join('\n');
      return {
        title: part.slice(0, part.indexOf('\n')),
        script,
        checks: [...script.matchAll(/&& echo "([^"]+)"/g)].map((m) => m[1]),
      };
    });
}

function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const parts = tourParts(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));

describe('the README quick tour', () => {
  let bin: string;
  before(() => {
    // What `npm link` gives a user: `vbs` on PATH.
    bin = tempDir('vbs-tour-bin-');
    fs.symlinkSync(path.join(REPO_ROOT, 'bin/vbs.js'), path.join(bin, 'vbs'));
  });
  after(() => fs.rmSync(bin, { recursive: true, force: true }));

  it('has its ways', () => {
    assert.deepEqual(
      parts.map((p) => p.title.split(',')[0]),
      ['With curl', 'With the OpenStack client'],
    );
  });

  for (const part of parts) {
    it(`runs as written: ${part.title}`, async () => {
      const folder = tempDir('vbs-tour-');
      let server: ServeProcess | undefined;
      try {
        const port = await freePort();
        server = startServe({ VBS_PORT: String(port), VBS_HOST: '127.0.0.1' }, { cwd: folder });
        await until('the server to be ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 60_000);
        const env = cliEnv({});
        env.PATH = `${bin}:${env.PATH ?? ''}`;
        const { code, out } = await runBash(part.script, folder, env);
        assert.equal(code, 0, `the tour stopped:\n${out}`);
        assert.ok(part.checks.length > 0, 'the part checks its result');
        for (const check of part.checks) assert.ok(out.includes(check), `"${check}" was not printed:\n${out}`);
      } finally {
        await server?.stop();
        fs.rmSync(folder, { recursive: true, force: true });
      }
    });
  }
});
