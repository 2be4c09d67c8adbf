import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, ERROR_CATALOGUE, type ErrorCode } from '../../src/common/errors.js';

const SEED = /^004_.*\.txt$/;

/**
 * `shared/seeds` beside the checkout: the first ancestor of this file holding it. A user's clone
 * has none; the catalogue in src/common/errors.ts is the source of truth there, unchecked.
 */
function seedFile(): string | undefined {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const seeds = path.join(dir, 'shared', 'seeds');
    const found = fs.existsSync(seeds) ? fs.readdirSync(seeds).filter((f) => SEED.test(f)) : [];
    if (found.length === 1) return path.join(seeds, found[0]);
  }
  return undefined;
}

interface SeedRow {
  status: number;
  code: string;
  message: string;
  line: number;
}

/**
 * The rows of the §6.2 table. The text was extracted from a PDF: some codes have stray spaces
 * (`AutoBackup.0 105`), and one message is printed twice over (`X X`); both are undone here.
 */
function seedErrorCodes(text: string): SeedRow[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === '## 6.2 Error Codes');
  assert.ok(start >= 0, 'the seed has a "## 6.2 Error Codes" section');
  const rows: SeedRow[] = [];
  for (let i = start + 1; i < lines.length && !/^#{1,2} /.test(lines[i]); i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('Status Code\tError Code\tError Message')) continue;
    const fields = line.split('\t');
    // Every other line of the section is a row: a wrapped or odd row fails here instead of vanishing.
    assert.ok(fields.length >= 3 && /^\d{3}$/.test(fields[0]), `seed line ${i + 1} is a table row: ${line}`);
    const code = fields[1].replace(/\s+/g, '');
    let message = fields[2].trim().replace(/\s+/g, ' ');
    const half = (message.length - 1) / 2;
    if (Number.isInteger(half) && message[half] === ' ' && message.slice(0, half) === message.slice(half + 1)) message = message.slice(0, half);
    rows.push({ status: Number(fields[0]), code, message, line: i + 1 });
  }
  return rows;
}

const file = seedFile();
const skip = file ? false : 'no shared/seeds/004_*.txt beside the checkout: the catalogue is not compared with the API reference';

describe('error catalogue against the API reference (seed 004)', { skip }, () => {
  const rows = file ? seedErrorCodes(fs.readFileSync(file, 'utf8')) : [];

  it('reads the whole §6.2 table of the seed', () => {
    // The table has 126 rows, in 14 pieces under repeated headers.
    assert.equal(rows.length, 126, `rows read from ${file}`);
    for (const r of rows) assert.match(r.code, /^(common|VolumeBackup(\.p)?|AutoBackup)\.\d{4}$/, `seed line ${r.line}: ${r.code}`);
    for (const r of rows) assert.ok([400, 401, 403, 404, 500].includes(r.status), `seed line ${r.line}: status ${r.status}`);
    assert.equal(new Set(rows.map((r) => r.code)).size, rows.length, 'no code twice, spaces removed');
    // The codes the normalisation repairs are there under their real names.
    for (const code of ['AutoBackup.0105', 'AutoBackup.1100', 'AutoBackup.9002']) assert.ok(rows.some((r) => r.code === code), code);
  });

  it('holds every code of the seed with its HTTP status and message', () => {
    const catalogue: Record<string, readonly [number, string]> = ERROR_CATALOGUE;
    const wrong = rows
      .filter((r) => catalogue[r.code]?.[0] !== r.status || catalogue[r.code]?.[1] !== r.message)
      .map((r) => ({ code: r.code, seed: [r.status, r.message], catalogue: catalogue[r.code] ?? null }));
    assert.deepEqual(wrong, [], 'codes whose catalogue entry differs from the seed');
    for (const r of rows) {
      const e = new ApiError(r.code as ErrorCode);
      assert.equal(e.status, r.status, r.code);
      assert.equal(e.message, r.message, r.code);
    }
  });

  it('adds codes only outside the seed families', () => {
    const seedCodes = new Set(rows.map((r) => r.code));
    const added = Object.keys(ERROR_CATALOGUE).filter((c) => !seedCodes.has(c));
    for (const code of added) assert.doesNotMatch(code, /^(VolumeBackup|AutoBackup)\./, `${code} is in the catalogue but not in the seed`);
  });
});
