/**
 * The benchmark's deterministic volume (BENCH.md): per MiB i, i%4==0 a hole, i%4==1 text from a
 * fixed vocabulary, else AES-256-CTR keystream with the MiB index as counter. And the two
 * deterministic change sets of cases 3 and 4.
 */
import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs/promises';

export const MIB = 1024 * 1024;

/** mulberry32: a small seeded generator, so positions are the same on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
function vocabulary(): string[] {
  const rand = seeded(7);
  const words = new Set<string>();
  while (words.size < 4000) {
    const len = 2 + Math.floor(rand() * 9);
    let w = '';
    for (let i = 0; i < len; i += 1) w += LETTERS[Math.floor(rand() * 26)];
    words.add(w);
  }
  return [...words];
}
const WORDS = vocabulary().map((w) => Buffer.from(`${w} `));

export function textMiB(index: number): Buffer {
  const rand = seeded(1000 + index);
  const out = Buffer.alloc(MIB);
  let p = 0;
  while (p < MIB) {
    const w = WORDS[Math.floor(rand() * WORDS.length)];
    p += w.copy(out, p);
  }
  return out;
}

/** `length` keystream bytes for (key seed, counter): incompressible and reproducible. */
export function keystream(keySeed: string, counter: number, length: number): Buffer {
  const key = createHash('sha256').update(`vbs-bench-key-${keySeed}`).digest();
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(counter), 0);
  return createCipheriv('aes-256-ctr', key, iv).update(Buffer.alloc(length));
}

async function writeAt(handle: fs.FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) done += (await handle.write(data, done, data.length - done, position + done)).bytesWritten;
}

export async function buildVolume(file: string, sizeMiB: number): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    for (let i = 0; i < sizeMiB; i += 1) {
      if (i % 4 === 0) continue;
      await writeAt(handle, i % 4 === 1 ? textMiB(i) : keystream('volume', i, MIB), i * MIB);
    }
    await handle.truncate(sizeMiB * MIB);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Case 3: 1% of the volume as whole MiB extents of new incompressible bytes, spread evenly. */
export async function localizedChange(file: string, sizeMiB: number): Promise<number> {
  const count = Math.max(1, Math.round(sizeMiB / 100));
  const handle = await fs.open(file, 'r+');
  try {
    for (let k = 0; k < count; k += 1) {
      const i = Math.floor(((k + 0.5) * sizeMiB) / count);
      await writeAt(handle, keystream('localized', i, MIB), i * MIB);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return count;
}

/** Case 4: 1% of the volume as random 4 KiB writes at 4 KiB-aligned, seeded offsets. */
export async function scatteredChange(file: string, sizeMiB: number): Promise<number> {
  const pages = (sizeMiB * MIB) / 4096;
  const count = Math.round((sizeMiB * MIB * 0.01) / 4096);
  const rand = seeded(4242);
  const handle = await fs.open(file, 'r+');
  try {
    const data = keystream('scattered', 0, count * 4096);
    for (let k = 0; k < count; k += 1) {
      const page = Math.floor(rand() * pages);
      await writeAt(handle, data.subarray(k * 4096, (k + 1) * 4096), page * 4096);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return count;
}

/** SHA-256 of the file's first `length` bytes (all of it by default). */
export async function sha256File(file: string, length = Infinity): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(8 * MIB);
    for (let pos = 0; pos < length; ) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, length - pos), pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Bytes of every file under `dir` (what a store has taken). */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const parent = (e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path;
    const st = await fs.stat(`${parent}/${e.name}`).catch(() => undefined);
    if (st) total += st.size;
  }
  return total;
}
