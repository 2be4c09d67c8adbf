/**
 * The engine mode (`--mode engine`, for design work): every case runs the engine in a child
 * process of its own (dist/bench/case.js) on a store directory, so its peak RSS and CPU seconds
 * are its own; BENCH.md's six cases, restic and borg beside cases 1-5.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mb, ratio, sec, table } from './format.js';
import { settle, type Measured } from './peers.js';
import type { ModeContext, ModeResult } from './mode.js';
import { localizedChange, scatteredChange, sha256File, treeBytes } from './volume.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface CaseRow {
  case: string;
  ours: Measured & { addedBytes: number; mbps: number };
  peers: Record<string, Measured | undefined>;
  check?: string;
}

function runCase(store: string, args: string[], settings: Record<string, number>): Promise<Measured & { detail: unknown }> {
  settle();
  return new Promise((resolve, reject) => {
    // The engine runs with the V8 flags `vbs` and `npm start` use.
    const child = spawn(process.execPath, ['--max-semi-space-size=2', path.join(here, 'case.js'), store, ...args], {
      env: { ...process.env, VBS_BENCH_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`engine case ${args.join(' ')} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Measured & { detail: unknown });
    });
  });
}

export async function runEngineMode(ctx: ModeContext): Promise<ModeResult> {
  const { work, volume, sizeMiB, settings, peers, log } = ctx;
  const store = path.join(work, 'store');
  const size = sizeMiB * 1024 * 1024;
  const rows: CaseRow[] = [];
  const backupCase = async (name: string, id: string): Promise<void> => {
    const before = await treeBytes(store);
    const r = await runCase(store, ['backup', volume, id], settings);
    const addedBytes = (await treeBytes(store)) - before;
    const row: CaseRow = { case: name, ours: { ...r, addedBytes, mbps: size / 1e6 / r.seconds }, peers: {} };
    for (const p of peers) row.peers[p.name] = await p.backup(id);
    rows.push(row);
    log(`${name}: ${sec(r.seconds)} s, added ${mb(addedBytes)} MB`);
  };

  await backupCase('1 full', 'b1');
  await backupCase('2 unchanged', 'b2');
  await localizedChange(volume, sizeMiB);
  await backupCase('3 localized 1%', 'b3');
  const writes = await scatteredChange(volume, sizeMiB);
  await backupCase(`4 scattered 1% (${writes} x 4 KiB)`, 'b4');
  const expected = await sha256File(volume);

  const restored = path.join(work, 'restored.img');
  const r5 = await runCase(store, ['restore', 'b4', restored], settings);
  const ok5 = (await sha256File(restored)) === expected;
  await fs.rm(restored, { force: true });
  const row5: CaseRow = { case: '5 restore', ours: { ...r5, addedBytes: 0, mbps: size / 1e6 / r5.seconds }, peers: {}, check: ok5 ? 'sha256 equal' : 'SHA-256 DIFFERS' };
  for (const p of peers) {
    const target = path.join(work, `${p.name}-restore`);
    row5.peers[p.name] = await p.restore('b4', target);
    await fs.rm(target, { recursive: true, force: true });
  }
  rows.push(row5);
  log(`5 restore: ${sec(r5.seconds)} s, ${row5.check}`);

  const before6 = await treeBytes(store);
  const r6 = await runCase(store, ['delete-gc', 'b1'], settings);
  const added6 = (await treeBytes(store)) - before6;
  const r6b = await runCase(store, ['restore', 'b4', restored], settings);
  const ok6 = (await sha256File(restored)) === expected;
  await fs.rm(restored, { force: true });
  rows.push({
    case: '6 delete + gc',
    ours: { ...r6, addedBytes: added6, mbps: size / 1e6 / r6.seconds },
    peers: {},
    check: `${ok6 ? 'sha256 equal' : 'SHA-256 DIFFERS'} after restoring again in ${sec(r6b.seconds)} s`,
  });
  log(`6 delete + gc: ${sec(r6.seconds)} s, ${rows[5].check}`);

  const head = ['case', 's', 'MB/s', 'added MB', 'peak RSS MB', 'CPU s'];
  for (const p of peers) head.push(`${p.name} s`, `${p.name} added MB`, `${p.name} RSS MB`);
  const withRestic = peers.some((p) => p.name === 'restic');
  if (withRestic) head.push('time ours/restic', 'added ours/restic');
  const lines = [head];
  for (const r of rows) {
    const line = [r.case, sec(r.ours.seconds), r.ours.mbps.toFixed(0), mb(r.ours.addedBytes), mb(r.ours.peakRssBytes), sec(r.ours.cpuSeconds)];
    for (const p of peers) line.push(sec(r.peers[p.name]?.seconds), mb(r.peers[p.name]?.addedBytes), mb(r.peers[p.name]?.peakRssBytes));
    if (withRestic) line.push(ratio(r.ours.seconds, r.peers.restic?.seconds), ratio(r.ours.addedBytes, r.peers.restic?.addedBytes));
    lines.push(line);
  }
  const checks = rows.filter((r) => r.check).map((r) => `${r.case}: ${r.check}`);
  return {
    cases: rows.map((r) => ({ case: r.case, ours: { ...r.ours, detail: undefined }, peers: r.peers, check: r.check })),
    text: [table(lines), ...checks].join('\n'),
    ok: ok5 && ok6,
  };
}
