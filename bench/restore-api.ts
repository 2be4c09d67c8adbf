/**
 * `node dist/bench/restore-api.js [--size-gib N] [--runs N] [--keep]`: how long a restore of a
 * backup of an empty volume takes through the API, from the request to the job's end, on a
 * `vbs serve` of its own (issue 17: restore time follows the data, not the volume size).
 * Cases: into an existing empty volume of the same size (VBS `cloudbackups/{id}/restore`, to
 * the job's end) and into a new volume (Cinder's restore, to the volume available).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { backupAvailable, call, jobEnd, startService, volumeAvailable, type Session } from './api-session.js';

async function newVolume(s: Session, sizeGiB: number): Promise<string> {
  const r = await call(s, 'POST', `/v3/${s.projectId}/volumes`, { volume: { size: sizeGiB, name: 'bench' } });
  if (r.status !== 202) throw new Error(`volume create: ${JSON.stringify(r.body)}`);
  await volumeAvailable(s, r.body.volume.id);
  return r.body.volume.id as string;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--size-gib <n>', 'volume size in GiB', '64')
    .option('--runs <n>', 'restores of each kind', '3')
    .option('--keep', 'keep the data directory')
    .parse()
    .opts<{ sizeGib: string; runs: string; keep?: boolean }>();
  const size = Number(opts.sizeGib);
  const runs = Number(opts.runs);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vbs-restore-bench-'));
  const service = await startService(dataDir, { env: { VBS_QUOTA_GIGABYTES: '-1' } });
  try {
    const s = service.session;
    const source = await newVolume(s, size);
    const b = await call(s, 'POST', `/v2/${s.projectId}/cloudbackups`, { backup: { volume_id: source, name: 'empty' } });
    await jobEnd(s, b.body.job_id);
    const backupId = (await call(s, 'GET', `/v1/${s.projectId}/jobs/${b.body.job_id}`)).body.entities.backup_id as string;
    const target = await newVolume(s, size);

    const existing: number[] = [];
    const created: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      let t = performance.now();
      const r = await call(s, 'POST', `/v2/${s.projectId}/cloudbackups/${backupId}/restore`, { restore: { volume_id: target } });
      if (r.status !== 200) throw new Error(`restore: ${JSON.stringify(r.body)}`);
      await jobEnd(s, r.body.job_id);
      existing.push((performance.now() - t) / 1000);

      t = performance.now();
      const c = await call(s, 'POST', `/v3/${s.projectId}/backups/${backupId}/restore`, { restore: {} });
      if (c.status !== 202) throw new Error(`restore: ${JSON.stringify(c.body)}`);
      await volumeAvailable(s, c.body.restore.volume_id);
      created.push((performance.now() - t) / 1000);
      await backupAvailable(s, backupId);
      const del = await call(s, 'DELETE', `/v3/${s.projectId}/volumes/${c.body.restore.volume_id}`);
      if (del.status !== 202) throw new Error(`volume delete: ${JSON.stringify(del.body)}`);
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(' ');
    console.log(`restore of a backup of an empty ${size} GiB volume, through the API (s):`);
    console.log(`  into an existing empty volume (VBS, to the job's end): ${fmt(existing)}`);
    console.log(`  into a new volume (Cinder, to the volume available):   ${fmt(created)}`);
  } finally {
    await service.stop();
    if (!opts.keep) await fs.rm(dataDir, { recursive: true, force: true });
    else console.log(`data in ${dataDir}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
