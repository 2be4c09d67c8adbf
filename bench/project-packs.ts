/**
 * `node dist/bench/project-packs.js [--packs N] [--runs N]`: whether a job's cost follows its
 * volume or its project (issue 18): backups of empty 1 GiB volumes through the API, first in a
 * fresh project, then after N pack indexes (2,000 by default, of 128 blocks each, as 8 MiB packs
 * of 64 KiB blocks hold) were added to the project's part of the store. The first backup after
 * the indexes appear reads them; the ones after it should cost what they cost in the fresh
 * project (target: within 1.5x). Each backup is of a new volume, so none takes the
 * unchanged-volume shortcut.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { encodeIndex, keys, newPackId } from '../src/engine/format.js';
import { FsBlockStore } from '../src/stores/fs-store.js';
import { call, jobEnd, startService, volumeAvailable, type Session } from './api-session.js';
import { sec } from './format.js';

const BLOCKS_PER_PACK = 128;

async function emptyVolumeBackup(s: Session): Promise<number> {
  const v = await call(s, 'POST', `/v3/${s.projectId}/volumes`, { volume: { size: 1 } });
  if (v.status !== 202) throw new Error(`volume create: ${JSON.stringify(v.body)}`);
  await volumeAvailable(s, v.body.volume.id);
  const started = performance.now();
  const r = await call(s, 'POST', `/v2/${s.projectId}/cloudbackups`, { backup: { volume_id: v.body.volume.id, name: 'empty' } });
  if (r.status !== 200) throw new Error(`backup create: ${JSON.stringify(r.body)}`);
  const job = await jobEnd(s, r.body.job_id);
  if (job.status !== 'SUCCESS') throw new Error(`backup failed: ${JSON.stringify(job)}`);
  return (performance.now() - started) / 1000;
}

/** Index objects of packs the project never wrote: a backup reads them to deduplicate against, and finds nothing of its own there. */
async function addPackIndexes(store: FsBlockStore, project: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const entries = Array.from({ length: BLOCKS_PER_PACK }, (_, k) => ({ id: randomBytes(32), offset: k * 40_000, length: 40_000, rawLength: 65_536, flags: 1 }));
    await store.put(keys.index(project, newPackId()), encodeIndex(entries));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const o = new Command().option('--packs <n>', 'pack indexes to add', '2000').option('--runs <n>', 'backups of each kind', '5').parse().opts<{ packs: string; runs: string }>();
  const runs = Number(o.runs);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vbs-project-packs-'));
  const service = await startService(dataDir, { env: { VBS_QUOTA_VOLUMES: '-1', VBS_QUOTA_BACKUPS: '-1', VBS_QUOTA_GIGABYTES: '-1' } });
  try {
    const s = service.session;
    const fresh: number[] = [];
    for (let i = 0; i < runs; i++) fresh.push(await emptyVolumeBackup(s));
    const seeded = performance.now();
    await addPackIndexes(new FsBlockStore(path.join(dataDir, 'store')), s.projectId, Number(o.packs));
    const seedSeconds = (performance.now() - seeded) / 1000;
    const first = await emptyVolumeBackup(s);
    const later: number[] = [];
    for (let i = 0; i < runs; i++) later.push(await emptyVolumeBackup(s));
    console.log(`fresh project: ${fresh.map(sec).join(' ')} s (median ${sec(median(fresh))})`);
    console.log(`${o.packs} pack indexes added (${sec(seedSeconds)} s); the first backup after: ${sec(first)} s`);
    console.log(`then: ${later.map(sec).join(' ')} s (median ${sec(median(later))}); ${(median(later) / median(fresh)).toFixed(2)}x the fresh project's (target <= 1.5x)`);
  } finally {
    await service.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
