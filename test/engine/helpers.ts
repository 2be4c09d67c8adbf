/** Real files in temp dirs for the engine tests. */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRepository, type EngineSettings, type Repository } from '../../src/engine/index.js';
import { FsBlockStore } from '../../src/stores/fs-store.js';

/** Small blocks, packs and chunks, so a few MiB make many packs and chunk boundaries. */
export const SMALL: Partial<EngineSettings> = { blockSize: 4096, packSize: 256 * 1024, chunkSize: 64 * 1024, scanThreads: 3 };

export function tempDir(t: { after: (fn: () => void) => void }, name = 'vbs-engine-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), name));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * A sparse image: `spec` lists, per 64 KiB extent, 'h' hole, 'z' written zeros, 't' text,
 * 'r' random, 'd' a repeat of the first random extent (duplicate content).
 */
export function makeVolume(file: string, spec: string, extent = 64 * 1024): void {
  const fd = fs.openSync(file, 'w');
  const dup = randomBytes(extent);
  try {
    [...spec].forEach((c, i) => {
      let data: Buffer | undefined;
      if (c === 't') data = Buffer.from(`extent ${i} of some compressible text `.repeat(extent).slice(0, extent));
      else if (c === 'r') data = randomBytes(extent);
      else if (c === 'z') data = Buffer.alloc(extent);
      else if (c === 'd') data = dup;
      if (data) fs.writeSync(fd, data, 0, data.length, i * extent);
    });
    fs.ftruncateSync(fd, spec.length * extent);
  } finally {
    fs.closeSync(fd);
  }
}

/** Overwrites `count` random 4 KiB-aligned pages with random bytes. */
export function scribble(file: string, count: number): void {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r+');
  try {
    for (let i = 0; i < count; i += 1) {
      const page = Math.floor(Math.random() * (size / 4096));
      fs.writeSync(fd, randomBytes(4096), 0, 4096, page * 4096);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function repoAt(storeDir: string, project = 'proj-a', settings: Partial<EngineSettings> = SMALL): Repository {
  return openRepository(new FsBlockStore(storeDir), project, settings);
}

export function storeBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join((e as unknown as { parentPath: string }).parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
  }
  return total;
}

/** Every file under `dir` whose path matches. */
export function filesUnder(dir: string, match: RegExp): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join((e as unknown as { parentPath: string }).parentPath ?? (e as unknown as { path: string }).path, e.name))
    .filter((p) => match.test(p));
}
