import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, it } from 'node:test';
import { closeEngine, runBackup } from '../../src/engine/index.js';
import { decodeIndex } from '../../src/engine/format.js';
import { runCli } from '../support/cli.js';
import { filesUnder, makeVolume, repoAt, scribble, tempDir } from './helpers.js';

after(() => closeEngine());

it('vbs verify and vbs gc work on the data dir store', { timeout: 120_000 }, async (t) => {
  const dataDir = tempDir(t, 'vbs-cli-engine-');
  const storeDir = path.join(dataDir, 'store');
  const vol = path.join(dataDir, 'vol.img');
  makeVolume(vol, 'rtrh');
  const repo = repoAt(storeDir, 'project-1', {});
  await runBackup(repo, { source: vol, backupId: 'keep', volumeId: 'v' });
  scribble(vol, 200);
  await runBackup(repo, { source: vol, backupId: 'drop', volumeId: 'v' });
  const env = { VBS_DATA_DIR: dataDir };

  const ok = await runCli(['verify', 'keep'], env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /backup keep is intact: \d+ distinct blocks/);

  const missing = await runCli(['verify', 'no-such-backup'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^vbs: backup no-such-backup has no manifest in the store/);

  await repo.deleteBackup('drop');
  const held = await runCli(['gc'], env);
  assert.equal(held.code, 0, held.stderr);
  assert.match(held.stdout, /project project-1: 1 backups, \d+ live blocks; deleted 0 packs/);
  const gc = await runCli(['gc', '--grace-minutes', '0'], env);
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /project project-1: 1 backups/);
  assert.doesNotMatch(gc.stdout, /freed 0\.0 MB/);
  const bad = await runCli(['gc', '--grace-minutes', 'soon'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--grace-minutes must be a number/);

  // Damage one block: verify names the backup and the block and exits non-zero.
  const indexFile = filesUnder(storeDir, /\/dindex\//)[0];
  const entry = decodeIndex(fs.readFileSync(indexFile), 'index')[0];
  const packFile = filesUnder(storeDir, /\/dpacks\//).find((p) => p.endsWith(`f${path.basename(indexFile).slice(1)}`))!;
  const bytes = fs.readFileSync(packFile);
  bytes[entry.offset] ^= 0xff;
  fs.writeFileSync(packFile, bytes);
  const damaged = await runCli(['verify', 'keep'], env);
  assert.equal(damaged.code, 1);
  assert.match(damaged.stderr, /^vbs: backup keep is damaged: block [0-9a-f]{64} at volume offset \d+ \(pack [0-9a-f]{32}(?:\.keep)?\)/m);
  assert.ok(damaged.stderr.includes(entry.id.toString('hex')));
});
