/**
 * OpenStack Tempest's volume API suite, run by scripts/tempest.sh against a fresh server with
 * dynamic credentials: every test of tempest.api.volume outside the modules of features this
 * service does not offer and the tests test/tempest/exclude.txt names (Nova- or Glance-bound,
 * without a skip guard in Tempest) must pass or skip itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Tempest's per-test outcomes from subunit2csv: test id (without its [tags]) and status. */
function results(csvFile: string): Array<{ id: string; status: string }> {
  const rows: Array<{ id: string; status: string }> = [];
  for (const line of fs.readFileSync(csvFile, 'utf8').split('\n').slice(1)) {
    if (!line.trim()) continue;
    // The id field is quoted when its tags hold commas: "tempest.x.Y.test_z[id-...,smoke]".
    const m = /^("(?:[^"]|"")*"|[^,]*),([^,]*),/.exec(line);
    if (!m) continue;
    const id = m[1].replace(/^"|"$/g, '').replace(/""/g, '"').replace(/\[.*$/, '');
    rows.push({ id, status: m[2] });
  }
  return rows;
}

function excluded(): string[] {
  return fs
    .readFileSync(path.join(root, 'test/tempest/exclude.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/)[0]);
}

describe('OpenStack Tempest volume API suite', () => {
  it('passes every test of tempest.api.volume the service offers, with dynamic credentials', { timeout: 30 * 60_000 }, async (t) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vbs-tempest-'));
    const code = await new Promise<number>((resolve) => {
      const child = spawn('bash', [path.join(root, 'scripts/tempest.sh'), out], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (c) => {
        t.diagnostic(stderr.trim());
        resolve(c ?? 1);
      });
    });
    const rows = results(path.join(out, 'results.csv'));
    const count = (status: string) => rows.filter((r) => r.status === status).length;
    const failed = rows.filter((r) => r.status !== 'success' && r.status !== 'skip');
    t.diagnostic(`tempest: ${count('success')} passed, ${failed.length} failed, ${count('skip')} skipped`);
    const console = path.join(out, 'console.txt');
    assert.deepEqual(failed.map((r) => r.id), [], `failures (tracebacks in ${console}):\n${fs.existsSync(console) ? fs.readFileSync(console, 'utf8').slice(-20_000) : ''}`);
    assert.equal(code, 0, `tempest exited ${code}`);
    // A harness that ran nothing must not pass: the suite has well over a hundred tests here.
    assert.ok(count('success') >= 100, `only ${count('success')} tests passed`);
    for (const id of excluded()) assert.ok(!rows.some((r) => r.id === id), `${id} is excluded but ran`);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
