/** Freeing ranges of a file: holes where `fallocate` runs, zeros written where it cannot. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { punchHoles } from '../../src/common/punch-holes.js';
import { rangesOf } from '../support/sparse-files.js';

const MiB = 1024 * 1024;

function fileOfData(t: { after: (fn: () => void) => void }): { file: string; data: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vbs-punch-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'image');
  const data = randomBytes(8 * MiB);
  fs.writeFileSync(file, data);
  return { file, data };
}

async function punch(file: string, ranges: Array<[number, number]>): Promise<void> {
  const handle = await fs.promises.open(file, 'r+');
  try {
    await punchHoles(file, handle, ranges);
  } finally {
    await handle.close();
  }
}

function expected(data: Buffer, ranges: Array<[number, number]>): Buffer {
  const out = Buffer.from(data);
  for (const [at, length] of ranges) out.fill(0, at, at + length);
  return out;
}

describe('punchHoles', () => {
  const ranges: Array<[number, number]> = [
    [0, MiB],
    [3 * MiB, 2 * MiB],
    [7 * MiB, MiB],
  ];

  it('leaves holes that read as zeros, the rest of the file as it was', async (t) => {
    const { file, data } = fileOfData(t);
    await punch(file, ranges);
    assert.ok(fs.readFileSync(file).equals(expected(data, ranges)));
    assert.deepEqual(rangesOf(file), [
      { from: MiB, to: 3 * MiB },
      { from: 5 * MiB, to: 7 * MiB },
    ]);
  });

  it('writes zeros where util-linux fallocate cannot be run', async (t) => {
    const { file, data } = fileOfData(t);
    const pathBefore = process.env.PATH;
    process.env.PATH = '';
    try {
      await punch(file, ranges);
    } finally {
      process.env.PATH = pathBefore;
    }
    assert.ok(fs.readFileSync(file).equals(expected(data, ranges)));
    assert.equal(fs.statSync(file).blocks * 512 >= 8 * MiB, true, 'the zeros were written, not punched');
  });
});
