/**
 * Debian's cinder client makes a volume from a backup (`create --backup-id`, volume API 3.47)
 * as the owner of the backup and as a project the backup is shared with; each new volume holds
 * the source volume's bytes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { DB_KINDS, call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { writeAt } from '../support/volumes.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;
const CINDER = '/usr/bin/cinder';
const MiB = 1024 * 1024;

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * MiB })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** `cinder <args>` as the member's user, with the variables an openrc file would export. */
function cinder(server: TestServer, m: Member, projectName: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  // OS_* would override these credentials; PYTHON* from a pyenv shell would break Debian's python3.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_') && !k.startsWith('PYTHON') && !k.startsWith('VBS_')) env[k] = v;
  Object.assign(env, {
    OS_AUTH_URL: `${server.url}/identity/v3`,
    OS_USERNAME: m.userName,
    OS_PASSWORD: m.password,
    OS_PROJECT_NAME: projectName,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: server.config.region,
    OS_INTERFACE: 'public',
    OS_IDENTITY_API_VERSION: '3',
    OS_VOLUME_API_VERSION: '3',
  });
  return new Promise((resolve) => {
    execFile(CINDER, args, { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

/** A field of the `| Property | Value |` table cinder prints. */
function field(table: string, name: string): string | undefined {
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells[1] === name) return cells[2];
  }
  return undefined;
}

for (const db of DB_KINDS) {
  describe(`cinder create --backup-id, owner and recipient (${db})`, () => {
    let server: TestServer;
    let owner: Member;
    let recipient: Member;
    before(async () => {
      assert.ok(fs.existsSync(CINDER), `${CINDER} is missing: install Debian's python3-cinderclient (.ci/run does this)`);
      server = await startServer({ db });
      owner = await projectWithUser(server, 'cc-owner');
      recipient = await projectWithUser(server, 'cc-recipient');
      server.services.runner.start();
    });
    after(async () => server.close());

    it('makes a volume holding the backup, for the owner and for a project the backup is shared with', async () => {
      const made = await call(server, 'POST', `/v3/${owner.projectId}/volumes`, { token: owner.token, body: { volume: { size: 1, name: 'src' } } });
      assert.equal(made.status, 202, made.text);
      const src = made.body.volume.id as string;
      const volumeOf = (m: Member, id: string) => call(server, 'GET', `/v3/${m.projectId}/volumes/${id}`, { token: m.token });
      await until('source available', async () => ((await volumeOf(owner, src)).body.volume.status === 'available' ? true : undefined));
      const image = server.services.volumeDriver.path('volume', src);
      writeAt(image, 0, randomBytes(MiB));
      writeAt(image, 600 * MiB, randomBytes(2 * MiB));
      const sum = await sha256(image);
      const backup = await call(server, 'POST', `/v2/${owner.projectId}/cloudbackups`, { token: owner.token, body: { backup: { volume_id: src, name: 'cc_backup' } } });
      assert.equal(backup.status, 200, backup.text);
      const done = await until('backup job', async () => {
        const j = await call(server, 'GET', `/v1/${owner.projectId}/jobs/${backup.body.job_id}`, { token: owner.token });
        return j.body.status === 'SUCCESS' || j.body.status === 'FAIL' ? j.body : undefined;
      });
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
      const backupId = done.entities.backup_id as string;
      const shared = await call(server, 'POST', `/v2/${owner.projectId}/os-vendor-backup-sharing`, { token: owner.token, body: { shared: { backup_id: backupId, to_project_ids: [recipient.projectId] } } });
      assert.equal(shared.status, 200, shared.text);

      for (const [m, projectName] of [[owner, 'cc-owner'], [recipient, 'cc-recipient']] as const) {
        const r = await cinder(server, m, projectName, ['--os-volume-api-version', '3.47', 'create', '--backup-id', backupId, '--name', `from-${projectName}`]);
        assert.equal(r.code, 0, r.stderr || r.stdout);
        const id = field(r.stdout, 'id');
        assert.ok(id, r.stdout);
        assert.equal(field(r.stdout, 'size'), '1');
        const volume = await until(`volume of ${projectName}`, async () => {
          const v = (await volumeOf(m, id)).body.volume;
          return v.status === 'available' ? v : undefined;
        });
        assert.equal(volume.name, `from-${projectName}`);
        assert.equal(await sha256(server.services.volumeDriver.path('volume', id)), sum);
      }
      // A third project that was not given the backup gets the client's not-found error.
      const stranger = await projectWithUser(server, 'cc-stranger');
      const refused = await cinder(server, stranger, 'cc-stranger', ['--os-volume-api-version', '3.47', 'create', '--backup-id', backupId]);
      assert.notEqual(refused.code, 0, refused.stdout);
      assert.match(refused.stderr, /could not be found.*\(HTTP 404\)/);
    });
  });
}
