import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCH = path.resolve(here, '../../bench/main.js');

interface ServiceFigure {
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  addedBytes?: number;
}
interface BenchCase {
  key?: string;
  case: string;
  service?: ServiceFigure;
  check?: string;
  bytes?: number;
}

function bench(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BENCH, ...args], { maxBuffer: 16 << 20, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bench ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

describe('benchmark, api mode', () => {
  it('times every case through a server of its own and restores volumes equal to the source', async () => {
    const out = await bench(['--mode', 'api', '--size-mib', '8', '--json', '--dir', path.join(tempDir(), 'bench')]);
    const result = JSON.parse(out) as { mode: string; cases: BenchCase[] };
    assert.equal(result.mode, 'api');
    const cases = new Map(result.cases.filter((c) => c.key).map((c) => [c.key!, c]));
    assert.deepEqual([...cases.keys()], ['full', 'unchanged', 'localized', 'scattered', 'restore-new', 'restore-existing']);
    for (const c of cases.values()) {
      assert.ok(c.service!.seconds > 0, `${c.key} timed`);
      assert.ok(c.service!.peakRssBytes > 20e6, `${c.key}: the server's peak RSS, not nothing`);
    }
    // 6 of the 8 MiB hold data (2 of them text that compresses): all of it is new in the first backup.
    const full = cases.get('full')!.service!.addedBytes!;
    assert.ok(full > 4e6, `the full backup stored ${full} bytes`);
    assert.ok(cases.get('unchanged')!.service!.addedBytes! < full / 10, 'the unchanged backup adds almost nothing');
    assert.ok(cases.get('scattered')!.service!.addedBytes! > 0, 'the scattered writes are stored');
    assert.equal(cases.get('restore-new')!.check, 'sha256 equal');
    assert.equal(cases.get('restore-existing')!.check, 'sha256 equal');
    const rss = result.cases.find((c) => c.case === 'server peak RSS')!;
    assert.ok(rss.bytes! >= Math.max(...[...cases.values()].map((c) => c.service!.peakRssBytes)), "the run's peak covers every case's");
  });
});
