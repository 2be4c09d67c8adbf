/**
 * Debian's python-openstackclient (and the cinder client it is built on) drives the backup API of
 * a real `vbs serve` through the clouds.yaml the service writes: create (full, incremental, forced
 * from an in-use volume, from a snapshot), list, show, set, restore into an existing and into a new
 * volume, delete and the backup quota; every restore is compared byte for byte with its source.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { DB_KINDS, call } from '../support/server.js';
import { runCli } from '../support/cli.js';
import { openstack, openstackJson, openstackQuiet, serveForOpenstack } from '../support/openstack-cli.js';
import { writeAt } from '../support/volumes.js';

type Row = Record<string, unknown>;
const MiB = 1024 * 1024;
const VOLUME_TYPE = 'SSD';
/** Backup metadata (--property) came with volume API 3.43; name and description updates with 3.9. */
const V343 = ['--os-volume-api-version', '3.43'];
/** Debian's cinder client, from the python3-cinderclient package python3-openstackclient depends on. */
const CINDER = '/usr/bin/cinder';

/** Streams the image through SHA-256: a 1 GiB sparse image must not be read into memory at once. */
function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file, { highWaterMark: 4 * MiB })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** The variables admin-openrc.sh exports, as the shell would see them after sourcing it. */
function openrcEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2];
    env[m[1]] = v.startsWith("'") ? v.slice(1, -1).replace(/'\\''/g, "'") : v;
  }
  return env;
}

/** `cinder <args>` with the credentials of admin-openrc.sh (that client reads no clouds.yaml). */
function cinder(openrc: string, args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_') && !k.startsWith('PYTHON') && !k.startsWith('VBS_')) env[k] = v;
  Object.assign(env, openrcEnv(openrc));
  return new Promise((resolve, reject) => {
    execFile(CINDER, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`cinder ${args.join(' ')} failed: ${err.message}; ${stderr}`));
      resolve(stdout);
    });
  });
}

/** The rows of a cinder table (`| a | b |`), header row first. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

/** In_use and Limit of the backup resources, as `cinder quota-usage` prints them. */
async function backupUsage(openrc: string, projectId: string): Promise<Record<string, { inUse: number; limit: number }>> {
  const [head, ...rows] = tableRows(await cinder(openrc, ['quota-usage', projectId]));
  const col = (name: string) => head.indexOf(name);
  const out: Record<string, { inUse: number; limit: number }> = {};
  for (const r of rows) {
    if (r[col('Type')] === 'backups' || r[col('Type')] === 'backup_gigabytes') out[r[col('Type')]] = { inUse: Number(r[col('In_use')]), limit: Number(r[col('Limit')]) };
  }
  return out;
}

function byId(rows: Row[], id: string): Row | undefined {
  return rows.find((r) => r.ID === id);
}

/** What a restore answered: the backup, and the volume it writes into. */
interface RestoreOut {
  backup_id: string;
  volume_id: string;
  volume_name: string;
}

// The two databases run side by side: each client command spends most of its time starting Python.
describe('python-openstackclient volume backups', { concurrency: true }, () => {
  for (const db of DB_KINDS) {
    it(`creates (full, incremental, forced, from a snapshot), lists, shows, sets, restores bit for bit, deletes, and counts the quota (${db})`, async () => {
      const { url, env, clouds, openrc, cwd, proc } = await serveForOpenstack(db, 'vbs-oscbk');
      const osc = (args: string[]) => openstackJson<Row>(clouds, args, { cwd });
      const oscList = (args: string[]) => openstackJson<Row[]>(clouds, args, { cwd });
      const quiet = (args: string[]) => openstackQuiet(clouds, args, { cwd });
      try {
        const token = (await osc(['token', 'issue'])) as { id: string; project_id: string };
        const pid = token.project_id;
        const api = (method: string, p: string, body?: unknown) => call({ url }, method, `/v3/${pid}${p}`, { token: token.id, body, headers: { 'OpenStack-API-Version': 'volume 3.43' } });

        /** Polls a volume, snapshot or backup until it reaches `want` (or, for `gone`, answers 404). */
        const waitFor = async (kind: 'volumes' | 'snapshots' | 'backups', id: string, want: string, timeoutMs = 60_000): Promise<Row> => {
          const deadline = Date.now() + timeoutMs;
          let last = '';
          for (;;) {
            const r = await api('GET', `/${kind}/${id}`);
            if (want === 'gone' && r.status === 404) return {};
            if (r.status === 200) {
              const item = (r.body.volume ?? r.body.snapshot ?? r.body.backup) as Row;
              if (item.status === want) return item;
              if (String(item.status).startsWith('error')) assert.fail(`${kind} ${id} went to ${String(item.status)}: ${JSON.stringify(item)}`);
              last = `status ${String(item.status)}`;
            } else {
              last = `HTTP ${r.status} ${r.text}`;
            }
            if (Date.now() > deadline) assert.fail(`${kind} ${id} did not become ${want}: ${last}`);
            await new Promise((res) => setTimeout(res, 100));
          }
        };
        /** The image file of a volume, as `vbs volume path` names it (its last word). */
        const imageOf = async (volumeId: string): Promise<string> => {
          const r = await runCli(['volume', 'path', volumeId], env);
          assert.equal(r.code, 0, r.stderr);
          const file = r.stdout.trim().split(/\s+/).pop()!;
          assert.ok(fs.existsSync(file), `vbs volume path printed ${r.stdout}`);
          return file;
        };
        const backupIds = async () => ((await api('GET', '/backups')).body.backups as Row[]).map((b) => b.id as string).sort();

        /**
         * `openstack volume backup restore`: the 6.0.0 client sends the request and then fails to
         * print the answer (its command returns the restore object instead of columns and data).
         * The answer is read from --debug output then, after checking the server took the request.
         */
        const restore = async (args: string[]): Promise<RestoreOut> => {
          const r = await openstack(clouds, ['--debug', 'volume', 'backup', 'restore', ...args, '-f', 'json'], { cwd });
          if (r.code === 0) return JSON.parse(r.stdout) as RestoreOut;
          assert.match(r.stderr, /^TypeError: cannot unpack non-iterable VolumeBackupsRestore object$/m, r.stderr.slice(-3000));
          assert.match(r.stderr, /"POST \/v3\/[0-9a-f]{32}\/backups\/[0-9a-f-]{36}\/restore HTTP\/1\.1" 202 /);
          const body = /^RESP BODY: (\{"restore".*)$/m.exec(r.stderr);
          assert.ok(body, r.stderr.slice(-3000));
          return (JSON.parse(body[1]) as { restore: RestoreOut }).restore;
        };

        // The source: known data written straight into its image before each backup.
        const src = await osc(['volume', 'create', '--size', '1', '--type', VOLUME_TYPE, 'osc-src']);
        const srcId = src.id as string;
        await waitFor('volumes', srcId, 'available');
        const srcImage = await imageOf(srcId);
        writeAt(srcImage, 0, randomBytes(2 * MiB));
        writeAt(srcImage, 300 * MiB, randomBytes(MiB));
        const sum1 = await sha256(srcImage);

        // Full backup.
        const full = await osc(['volume', 'backup', 'create', '--name', 'osc-full', '--description', 'first of all', srcId]);
        const fullId = full.id as string;
        assert.match(fullId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.equal(full.name, 'osc-full');
        await waitFor('backups', fullId, 'available');
        await waitFor('volumes', srcId, 'available');

        // Incremental backup, with a property (3.43).
        writeAt(srcImage, MiB, randomBytes(MiB / 2));
        writeAt(srcImage, 700 * MiB, randomBytes(MiB));
        const sum2 = await sha256(srcImage);
        assert.notEqual(sum2, sum1);
        const incr = await osc([...V343, 'volume', 'backup', 'create', '--incremental', '--property', 'tier=gold', '--name', 'osc-incr', srcId]);
        const incrId = incr.id as string;
        await waitFor('backups', incrId, 'available');
        const incrShown = await osc([...V343, 'volume', 'backup', 'show', 'osc-incr']);
        assert.equal(incrShown.id, incrId);
        assert.equal(incrShown.status, 'available');
        assert.equal(incrShown.is_incremental, true);
        assert.equal(incrShown.volume_id, srcId);
        assert.equal(incrShown.snapshot_id, null);
        assert.equal(incrShown.size, 1);
        assert.deepEqual(incrShown.metadata, { 'tier': 'gold' });
        assert.equal(incrShown['os-backup-project-attr:project_id'], pid);
        assert.ok(Number(incrShown.object_count) > 0, JSON.stringify(incrShown));

        // A snapshot of this state, backed up later, after the volume has changed.
        const snap = await osc(['volume', 'snapshot', 'create', '--volume', srcId, 'osc-snap']);
        const snapId = snap.id as string;
        await waitFor('snapshots', snapId, 'available');

        // In use: refused without --force (nothing changes), taken with it.
        writeAt(srcImage, 1000 * MiB, randomBytes(MiB));
        const sum3 = await sha256(srcImage);
        const attach = await api('POST', `/volumes/${srcId}/action`, { 'os-attach': { instance_uuid: '5f1c5b3e-2d7a-4a43-9d0e-0c8b7c1d2e3f', mountpoint: '/dev/vdb' } });
        assert.equal(attach.status, 202, attach.text);
        await waitFor('volumes', srcId, 'in-use');
        const before = await backupIds();
        const refused = await openstack(clouds, ['volume', 'backup', 'create', '--name', 'osc-hot', srcId], { cwd });
        assert.notEqual(refused.code, 0, refused.stdout);
        assert.match(refused.stderr, /Backing up an in-use volume must use the force flag .*\(HTTP 400\)/);
        assert.deepEqual(await backupIds(), before, 'a refused backup leaves no record');
        assert.equal((await api('GET', `/volumes/${srcId}`)).body.volume.status, 'in-use');
        const hot = await osc(['volume', 'backup', 'create', '--force', '--name', 'osc-hot', srcId]);
        const hotId = hot.id as string;
        await waitFor('backups', hotId, 'available');
        const attached = await waitFor('volumes', srcId, 'in-use');
        assert.equal((attached.attachments as Row[]).length, 1, 'a forced backup leaves the volume attached');

        // From the snapshot: its data, not the volume's current data.
        writeAt(srcImage, 10 * MiB, randomBytes(MiB));
        assert.notEqual(await sha256(srcImage), sum2);
        const fromSnap = await osc(['volume', 'backup', 'create', '--snapshot', 'osc-snap', '--name', 'osc-fromsnap', srcId]);
        const fromSnapId = fromSnap.id as string;
        await waitFor('backups', fromSnapId, 'available');
        await waitFor('snapshots', snapId, 'available');
        const fromSnapShown = await osc(['volume', 'backup', 'show', fromSnapId]);
        assert.equal(fromSnapShown.snapshot_id, snapId);
        assert.equal(fromSnapShown.volume_id, srcId);

        // list
        const listed = await oscList(['volume', 'backup', 'list', '--long']);
        assert.deepEqual(listed.map((r) => r.ID).sort(), [fullId, incrId, hotId, fromSnapId].sort());
        const fullRow = byId(listed, fullId)!;
        assert.equal(fullRow.Name, 'osc-full');
        assert.equal(fullRow.Description, 'first of all');
        assert.equal(fullRow.Status, 'available');
        assert.equal(fullRow.Size, 1);
        // JSON output carries the volume's ID (the table shows its name).
        assert.equal(fullRow.Volume, srcId);
        assert.equal(typeof fullRow.Container, 'string');
        const byVolume = await oscList(['volume', 'backup', 'list', '--volume', 'osc-src']);
        assert.equal(byVolume.length, 4);

        // set: name, description and a property; then read back.
        await quiet([...V343, 'volume', 'backup', 'set', '--name', 'osc-full-renamed', '--description', 'renamed', '--property', 'k=v', 'osc-full']);
        const changed = await osc([...V343, 'volume', 'backup', 'show', fullId]);
        assert.equal(changed.name, 'osc-full-renamed');
        assert.equal(changed.description, 'renamed');
        assert.deepEqual(changed.metadata, { k: 'v' });
        assert.equal(changed.status, 'available');
        assert.equal(changed.is_incremental, false);

        // Restoring into the attached source is refused and changes nothing.
        const busy = await openstack(clouds, ['volume', 'backup', 'restore', '--force', fullId, srcId], { cwd });
        assert.notEqual(busy.code, 0);
        assert.match(busy.stderr, /volume for restore state is not available.*\(HTTP 400\)/);
        assert.equal((await api('GET', `/backups/${fullId}`)).body.backup.status, 'available');
        assert.equal((await api('GET', `/volumes/${srcId}`)).body.volume.status, 'in-use');

        // restore into an existing volume (needs --force in this client), twice: the second overwrites the first.
        const target = await osc(['volume', 'create', '--size', '1', '--type', VOLUME_TYPE, 'osc-target']);
        const targetId = target.id as string;
        await waitFor('volumes', targetId, 'available');
        // Without --force the client itself stops, tells the user to add it, and sends nothing.
        const unforced = await openstack(clouds, ['volume', 'backup', 'restore', 'osc-full-renamed', 'osc-target'], { cwd });
        assert.equal(unforced.code, 1);
        assert.match(unforced.stderr, /Volume 'osc-target' already exists; .*'--force' option/);
        assert.equal((await api('GET', `/volumes/${targetId}`)).body.volume.status, 'available');
        const intoTarget = await restore(['--force', 'osc-full-renamed', 'osc-target']);
        assert.deepEqual(intoTarget, { backup_id: fullId, volume_id: targetId, volume_name: 'osc-target' });
        await waitFor('volumes', targetId, 'available');
        await waitFor('backups', fullId, 'available');
        const targetImage = await imageOf(targetId);
        assert.equal(await sha256(targetImage), sum1, 'the full backup restores the first state');
        const hotIntoTarget = await restore(['--force', hotId, targetId]);
        assert.equal(hotIntoTarget.volume_id, targetId);
        await waitFor('volumes', targetId, 'available');
        await waitFor('backups', hotId, 'available');
        assert.equal(await sha256(targetImage), sum3, 'the forced backup of the in-use volume restores its state');

        // restore into a new volume, named ...
        const named = await restore(['osc-incr', 'osc-restored']);
        assert.equal(named.backup_id, incrId);
        assert.equal(named.volume_name, 'osc-restored');
        const namedVol = await waitFor('volumes', named.volume_id, 'available');
        assert.equal(namedVol.name, 'osc-restored');
        assert.equal(namedVol.size, 1);
        assert.equal(await sha256(await imageOf(named.volume_id)), sum2, 'the incremental backup restores the second state');
        // ... and unnamed: Cinder's name for it.
        const unnamed = await restore([fromSnapId]);
        assert.equal(unnamed.backup_id, fromSnapId);
        assert.equal(unnamed.volume_name, `restore_backup_${fromSnapId}`);
        const unnamedVol = await osc(['volume', 'show', unnamed.volume_id]);
        assert.equal(unnamedVol.name, `restore_backup_${fromSnapId}`);
        await waitFor('volumes', unnamed.volume_id, 'available');
        assert.equal(await sha256(await imageOf(unnamed.volume_id)), sum2, 'the snapshot backup restores the snapshot, not the later volume');
        await waitFor('backups', fromSnapId, 'available');

        // quota show: the volume and backup quotas of the token's project, defaults first.
        const quotaShow = async () => {
          const shown = await openstack(clouds, ['quota', 'show', '-f', 'json'], { cwd });
          assert.equal(shown.code, 0, shown.stderr);
          return JSON.parse(shown.stdout) as Row;
        };
        const defaults = await quotaShow();
        assert.equal(defaults.project, pid);
        assert.equal(defaults.backups, 10);
        assert.equal(defaults['backup-gigabytes'], 1000);
        assert.equal(defaults.volumes, 10);
        // An administrator's update shows there, and in the list of projects with other than the defaults.
        await cinder(openrc, ['quota-update', '--backups', '12', '--backup-gigabytes', '34', pid]);
        const updated = await quotaShow();
        assert.equal(updated.backups, 12);
        assert.equal(updated['backup-gigabytes'], 34);
        const quotaRows = await oscList(['quota', 'list', '--volume', '--project', pid]);
        assert.equal(quotaRows.length, 1, JSON.stringify(quotaRows));
        assert.equal(quotaRows[0]['Project ID'], pid);
        assert.equal(quotaRows[0].Backups, 12);
        assert.equal(quotaRows[0]['Backup Gigabytes'], 34);
        assert.deepEqual(await backupUsage(openrc, pid), { backups: { inUse: 4, limit: 12 }, backup_gigabytes: { inUse: 4, limit: 34 } });

        // delete, by name and by ID in one command; the quota follows.
        await quiet(['volume', 'backup', 'delete', 'osc-full-renamed', incrId]);
        await waitFor('backups', fullId, 'gone');
        await waitFor('backups', incrId, 'gone');
        const left = await oscList(['volume', 'backup', 'list']);
        assert.deepEqual(left.map((r) => r.ID).sort(), [hotId, fromSnapId].sort());
        assert.deepEqual(await backupUsage(openrc, pid), { backups: { inUse: 2, limit: 12 }, backup_gigabytes: { inUse: 2, limit: 34 } });
        // The later backups never depended on the deleted ones: one still restores whole.
        const afterDelete = await restore([hotId, 'osc-after-delete']);
        await waitFor('volumes', afterDelete.volume_id, 'available');
        assert.equal(await sha256(await imageOf(afterDelete.volume_id)), sum3);
      } finally {
        const exit = await proc.stop();
        assert.equal(exit.code, 0, `vbs serve stopped badly: ${proc.stderr()}`);
      }
    });
  }
});
