/** restic and borg on the same volume file, measured with /usr/bin/time (peak RSS, CPU). */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { treeBytes } from './volume.js';

export interface Measured {
  seconds: number;
  peakRssBytes: number;
  cpuSeconds: number;
  addedBytes?: number;
}

export function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

let dropCaches = false;
let dropped = true;

/** With --cold: empty the page cache before every measured run too. */
export function startRunsCold(on: boolean): void {
  dropCaches = on;
}

/**
 * Writes back every dirty page before a measured run, so no tool pays for the writeback of
 * the one that ran before it (restic and borg each leave over a gigabyte of dirty pages). With
 * --cold (and root) it also empties the page cache, so every tool reads the volume and its
 * repository from the disk, as a restore long after the backup would: our store writes packs
 * past the page cache, restic and borg through it, so warm runs compare our disk reads with
 * their memory reads.
 */
export function settle(): void {
  spawnSync('sync');
  if (!dropCaches) return;
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    dropped = false;
  }
}

/** Whether every measured run started with an empty page cache. */
export function coldRuns(): boolean {
  return dropCaches && dropped;
}

async function timed(cmd: string[], env: NodeJS.ProcessEnv, cwd: string, timeFile: string): Promise<Measured> {
  const useTime = onPath('/usr/bin/time');
  const argv = useTime ? ['/usr/bin/time', '-f', '%e %M %U %S', '-o', timeFile, ...cmd] : cmd;
  settle();
  const started = performance.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (c) => (c === 0 ? resolve(0) : reject(new Error(`${cmd.join(' ')} exited ${c}: ${err.slice(-500)}`))));
  });
  const wall = (performance.now() - started) / 1000;
  if (!useTime || code !== 0) return { seconds: wall, peakRssBytes: 0, cpuSeconds: 0 };
  const [, maxKb, user, sys] = (await fs.readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: wall, peakRssBytes: maxKb * 1024, cpuSeconds: user + sys };
}

export interface Peer {
  name: string;
  init(): Promise<void>;
  backup(name: string): Promise<Measured>;
  restore(name: string, targetDir: string): Promise<Measured>;
}

export function restic(work: string, volume: string): Peer {
  const repo = path.join(work, 'restic');
  const env = { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: path.join(work, 'restic-cache') };
  const run = (args: string[], cwd = work) => timed(['restic', ...args], env, cwd, path.join(work, 'restic.time'));
  return {
    name: 'restic',
    init: async () => void (await run(['init', '--quiet'])),
    backup: async (name) => {
      const before = await treeBytes(repo);
      const m = await run(['backup', '--quiet', '--tag', name, volume]);
      return { ...m, addedBytes: (await treeBytes(repo)) - before };
    },
    restore: async (name, target) => run(['restore', 'latest', '--tag', name, '--target', target]),
  };
}

export function borg(work: string, volume: string): Peer {
  const repo = path.join(work, 'borg');
  const env = {
    BORG_REPO: repo,
    BORG_PASSPHRASE: '',
    BORG_BASE_DIR: path.join(work, 'borg-home'),
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes',
    BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes',
  };
  const run = (args: string[], cwd = work) => timed(['borg', ...args], env, cwd, path.join(work, 'borg.time'));
  return {
    name: 'borg',
    init: async () => void (await run(['init', '--encryption', 'none'])),
    backup: async (name) => {
      const before = await treeBytes(repo);
      const m = await run(['create', '--compression', 'lz4', `::${name}`, volume]);
      return { ...m, addedBytes: (await treeBytes(repo)) - before };
    },
    restore: async (name, target) => {
      await fs.mkdir(target, { recursive: true });
      return run(['extract', `::${name}`], target);
    },
  };
}
