/**
 * Crash safety: a real child process runs backup, restore, delete or gc and is killed with
 * SIGKILL at a random moment. After each kill every backup with a manifest verifies and
 * restores, an interrupted backup has no manifest and shows as interrupted, a killed restore
 * into a new volume leaves no half volume under the target's name, and a killed restore over an
 * existing volume is finished by running it again.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { closeEngine, runBackup, runGc, runRestore, runVerify } from '../../src/engine/index.js';
import { filesUnder, makeVolume, repoAt, scribble, sha256, SMALL, tempDir } from './helpers.js';

after(() => closeEngine());
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.js');

function runKilled(args: string[], killAfterMs: number): Promise<{ completed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== null && code !== 0) return reject(new Error(`child ${args.join(' ')} failed: ${err}`));
      resolve({ completed: out.includes('done') && signal === null, code });
    });
  });
}

it('survives SIGKILL at random moments during backup, restore, delete and gc', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'vbs-crash-');
  const storeDir = path.join(dir, 'store');
  const vol = path.join(dir, 'vol.img');
  makeVolume(vol, 'rtrh'.repeat(64), 64 * 1024); // 16 MiB
  const sums = new Map<string, string>();
  const check = repoAt(storeDir, 'crash', { ...SMALL, staleAfterMs: 0 });
  await runBackup(check, { source: vol, backupId: 'base', volumeId: 'vol' });
  sums.set('base', sha256(vol));

  // How long each operation takes here, process start included: kills then land inside the
  // operation on a fast machine and a slow one alike.
  const took = async (args: string[]) => {
    const started = Date.now();
    assert.ok((await runKilled(args, 600_000)).completed, args.join(' '));
    return Date.now() - started;
  };
  const duration: Record<string, number> = {
    backup: await took([storeDir, 'backup', vol, 'calibration']),
    restore: await took([storeDir, 'restore', 'calibration', path.join(dir, 'calibration.img')]),
    delete: await took([storeDir, 'delete', 'calibration']),
    gc: await took([storeDir, 'gc']),
  };
  t.diagnostic(`operations take ${JSON.stringify(duration)} ms`);

  const ops = ['backup', 'restore', 'gc', 'backup', 'delete', 'restore', 'gc', 'backup'];
  let kills = 0;
  let interrupted = 0;
  let detected = 0;
  let inPlaceKills = 0;
  for (let round = 0; round < 24; round += 1) {
    const op = ops[round % ops.length];
    const live = [...sums.keys()];
    const pick = live[Math.floor(Math.random() * live.length)];
    const delay = Math.floor(duration[op] * (0.15 + 0.8 * Math.random()));
    // Every other restore goes over one existing image, in place, the one before into a new one.
    const inPlace = op === 'restore' && round % 8 === 5;
    let args: string[];
    let id = '';
    let target = '';
    if (op === 'backup') {
      scribble(vol, 40);
      id = `b${round}`;
      args = [storeDir, 'backup', vol, id];
    } else if (op === 'restore') {
      target = path.join(dir, inPlace ? 'existing.img' : `restore-${round}.img`);
      if (inPlace && !fs.existsSync(target)) makeVolume(target, 'rrth'.repeat(64), 64 * 1024);
      args = [storeDir, 'restore', pick, target];
    } else if (op === 'delete') {
      if (live.length < 2) continue;
      args = [storeDir, 'delete', pick];
    } else args = [storeDir, 'gc'];
    const expected = op === 'backup' ? sha256(vol) : '';
    const r = await runKilled(args, delay);
    if (!r.completed) kills += 1;

    // What the store says now, as a restarted service would see it.
    const repo = repoAt(storeDir, 'crash', { ...SMALL, staleAfterMs: 0 });
    const manifests = new Set((await repo.listManifests()).map((h) => h.backupId));
    if (op === 'backup') {
      if (r.completed) assert.ok(manifests.has(id), `completed backup ${id} has a manifest`);
      if (manifests.has(id)) sums.set(id, expected);
      else {
        interrupted += 1;
        // Killed after it wrote its marker, it shows as interrupted (before, it left nothing).
        if ((await repo.listInterrupted()).some((m) => m.backupId === id)) detected += 1;
      }
    }
    if (op === 'delete' && !manifests.has(pick)) sums.delete(pick);
    if (op === 'restore') {
      if (r.completed) assert.equal(sha256(target), sums.get(pick));
      else if (inPlace) {
        // Partly restored in place: the restore run again (as a takeover does) finishes it.
        inPlaceKills += 1;
        await runRestore(repoAt(storeDir, 'crash', SMALL), { backupId: pick, target });
        assert.equal(sha256(target), sums.get(pick), 'a restore run again over a killed one');
      } else if (fs.existsSync(target)) assert.equal(sha256(target), sums.get(pick), 'a target that exists is complete');
    }
    assert.deepEqual([...manifests].sort(), [...sums.keys()].sort(), `round ${round} (${op})`);
    for (const backupId of manifests) await runVerify(repo, backupId);
  }

  // Collect what the kills left behind; every backup still restores bit for bit.
  const repo = repoAt(storeDir, 'crash', { ...SMALL, staleAfterMs: 0 });
  const gc = await runGc(repo, { graceMs: 0 });
  assert.equal(gc.skipped, null);
  assert.deepEqual(await repo.listInterrupted(), []);
  for (const [backupId, sum] of sums) {
    const target = path.join(dir, `final-${backupId}.img`);
    await runRestore(repo, { backupId, target });
    assert.equal(sha256(target), sum, backupId);
  }
  assert.deepEqual(filesUnder(storeDir, /\.tmp-/), [], 'gc cleared temp files of killed writes');
  assert.ok(interrupted === 0 || detected > 0, `none of ${interrupted} interrupted backups showed as interrupted`);
  assert.ok(kills >= 6, `only ${kills} of 24 operations were killed mid-way`);
  t.diagnostic(`${kills} kills, ${interrupted} interrupted backups, ${detected} detected by their marker, ${inPlaceKills} restores killed in place`);
});
