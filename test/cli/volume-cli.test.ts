import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { runCli } from '../support/cli.js';
import { DB_KINDS, call, projectWithUser, startServer, tempDir, type TestServer } from '../support/server.js';
import { GiB, allocatedBytes, createVolume, readAt, writeAt } from '../support/volumes.js';

type User = Awaited<ReturnType<typeof projectWithUser>>;

function lastWord(text: string): string {
  return text.trim().split(/\s+/).pop()!;
}

/** A sparse raw image of `size` bytes with a marker at each offset. */
function rawImage(file: string, size: number, marks: Record<number, string>): void {
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
  for (const [off, text] of Object.entries(marks)) writeAt(file, Number(off), Buffer.from(text));
}

for (const db of DB_KINDS) {
  describe(`vbs volume import/export/path (${db})`, () => {
    let server: TestServer;
    let owner: User;
    let env: Record<string, string | undefined>;
    let work: string;

    before(async () => {
      server = await startServer({ db });
      owner = await projectWithUser(server, 'cli-owner');
      env = { VBS_DATA_DIR: server.dataDir, VBS_DATABASE_URL: server.config.databaseUrl, VBS_LOG_LEVEL: 'silent' };
      work = tempDir('vbs-cli-images-');
    });
    after(async () => server.close());

    it('imports a raw image into a new volume rounded up to whole GiB, sparse, and the API shows it', async () => {
      const file = path.join(work, 'disk.raw');
      rawImage(file, GiB + 512 * 1024 * 1024, { 0: 'boot-sector', [GiB + 4096]: 'past-one-gib' });
      const r = await runCli(['volume', 'import', file, '--name', 'imported', '--project', 'cli-owner', '--type', 'ssd'], env);
      assert.equal(r.code, 0, r.stderr);
      const id = lastWord(r.stdout);
      assert.match(id, /^[0-9a-f-]{36}$/);
      const shown = await call(server, 'GET', `/v3/${owner.projectId}/volumes/${id}`, { token: owner.token });
      assert.equal(shown.status, 200);
      assert.equal(shown.body.volume.name, 'imported');
      assert.equal(shown.body.volume.size, 2);
      assert.equal(shown.body.volume.volume_type, 'SSD');
      assert.equal(shown.body.volume.status, 'available');
      const image = path.join(server.dataDir, 'volumes', `${id}.img`);
      assert.equal(fs.statSync(image).size, 2 * GiB);
      assert.equal(readAt(image, 0, 11).toString(), 'boot-sector');
      assert.equal(readAt(image, GiB + 4096, 12).toString(), 'past-one-gib');
      assert.ok(allocatedBytes(image) < 1024 * 1024, `image occupies ${allocatedBytes(image)} bytes`);

      const p = await runCli(['volume', 'path', id], env);
      assert.equal(p.code, 0, p.stderr);
      assert.equal(p.stdout.trim(), image);

      const out = path.join(work, 'out.raw');
      const e = await runCli(['volume', 'export', id, out], env);
      assert.equal(e.code, 0, e.stderr);
      assert.equal(fs.statSync(out).size, 2 * GiB);
      assert.equal(readAt(out, GiB + 4096, 12).toString(), 'past-one-gib');
      assert.ok(allocatedBytes(out) < 1024 * 1024, 'the export keeps holes');
    });

    it('overwrites an available volume; refuses a larger file or a volume in use, changing nothing', async () => {
      const v = await createVolume(server, owner, { size: 1, name: 'target' });
      const image = path.join(server.dataDir, 'volumes', `${v.id}.img`);
      writeAt(image, 8192, Buffer.from('old-data'));
      writeAt(image, 900 * 1024 * 1024, Buffer.from('old-tail'));
      const file = path.join(work, 'small.raw');
      rawImage(file, 64 * 1024 * 1024, { 8192: 'new-data' });
      const r = await runCli(['volume', 'import', file, '--volume', v.id], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lastWord(r.stdout), v.id);
      assert.equal(fs.statSync(image).size, GiB);
      assert.equal(readAt(image, 8192, 8).toString(), 'new-data');
      assert.deepEqual(readAt(image, 900 * 1024 * 1024, 8), Buffer.alloc(8), 'what the file does not hold reads as zeros');
      const shown = await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token });
      assert.equal(shown.body.volume.status, 'available');

      const big = path.join(work, 'big.raw');
      rawImage(big, GiB + 1, { 0: 'too-big' });
      const refused = await runCli(['volume', 'import', big, '--volume', v.id], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^vbs: .*more than the 1 GiB of volume/);
      assert.equal(readAt(image, 8192, 8).toString(), 'new-data');

      await call(server, 'POST', `/v3/${owner.projectId}/volumes/${v.id}/action`, { token: owner.token, body: { 'os-attach': { instance_uuid: randomUUID(), mountpoint: '/dev/vdb' } } });
      const inUse = await runCli(['volume', 'import', file, '--volume', v.id], env);
      assert.equal(inUse.code, 1);
      assert.match(inUse.stderr, /must be available to be overwritten, but current status is: in-use/);
      const still = await call(server, 'GET', `/v3/${owner.projectId}/volumes/${v.id}`, { token: owner.token });
      assert.equal(still.body.volume.status, 'in-use');
    });

    it('fails with one clear line for unknown projects, volumes and files', async () => {
      const file = path.join(work, 'tiny.raw');
      rawImage(file, 4096, { 0: 'x' });
      const cases: Array<[string[], RegExp]> = [
        [['volume', 'import', file, '--name', 'n', '--project', 'no-such-project'], /project "no-such-project" does not exist/],
        [['volume', 'import', path.join(work, 'missing.raw'), '--name', 'n', '--project', 'cli-owner'], /cannot read .*missing\.raw/],
        [['volume', 'import', file, '--project', 'cli-owner'], /needs --name and --project/],
        [['volume', 'import', file, '--volume', randomUUID()], /Volume .* could not be found/],
        [['volume', 'export', randomUUID(), path.join(work, 'x.raw')], /Volume .* could not be found/],
        [['volume', 'path', 'not-a-uuid'], /Volume not-a-uuid could not be found/],
      ];
      const before = (await call(server, 'GET', `/v3/${owner.projectId}/volumes`, { token: owner.token })).body.volumes.length;
      for (const [args, message] of cases) {
        const r = await runCli(args, env);
        assert.equal(r.code, 1, args.join(' '));
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], message);
      }
      const after = (await call(server, 'GET', `/v3/${owner.projectId}/volumes`, { token: owner.token })).body.volumes.length;
      assert.equal(after, before);
    });
  });
}
