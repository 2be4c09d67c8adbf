/** The machine's limits on the volume: plain sequential read, and SHA-256 of the allocated bytes on all cores. */
import fs from 'node:fs/promises';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { MIB } from './volume.js';

export async function sequentialRead(file: string): Promise<number> {
  const handle = await fs.open(file, 'r');
  const buf = Buffer.allocUnsafe(8 * MIB);
  const started = performance.now();
  try {
    for (let pos = 0; ; ) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return (performance.now() - started) / 1000;
}

const HASHER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { file, mibs } = workerData;
const fd = fs.openSync(file, 'r');
const buf = Buffer.allocUnsafe(1 << 20);
const h = crypto.createHash('sha256');
for (const i of mibs) { const n = fs.readSync(fd, buf, 0, buf.length, i * (1 << 20)); h.update(buf.subarray(0, n)); }
fs.closeSync(fd);
parentPort.postMessage(h.digest('hex'));
`;

/** Seconds to hash every allocated MiB (i % 4 != 0), split over one thread per core. */
export async function hashAllocated(file: string, sizeMiB: number): Promise<{ seconds: number; bytes: number }> {
  const threads = os.availableParallelism();
  const all = Array.from({ length: sizeMiB }, (_, i) => i).filter((i) => i % 4 !== 0);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const mibs = all.filter((_, k) => k % threads === t);
      return new Promise<void>((resolve, reject) => {
        const w = new Worker(HASHER, { eval: true, workerData: { file, mibs } });
        w.once('message', () => resolve());
        w.once('error', reject);
      });
    }),
  );
  return { seconds: (performance.now() - started) / 1000, bytes: all.length * MIB };
}
