/**
 * Debian's python-openstackclient, pointed at the clouds.yaml `vbs serve` writes at its first
 * start, drives identity, volumes and snapshots end to end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DB_KINDS, call } from '../support/server.js';
import { OPENSTACK, assertOpenstackInstalled, openstack, openstackJson, openstackQuiet, serveForOpenstack } from '../support/openstack-cli.js';

interface TokenOut {
  id: string;
  project_id: string;
  user_id: string;
  expires: string;
}
type Row = Record<string, unknown>;

const VOLUME_TYPE = 'SSD';

/** Polls the API until the resource reaches `want` (or, for `gone`, answers 404). */
async function waitForStatus(url: string, token: string, resourcePath: string, want: string, timeoutMs = 30_000): Promise<Row> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await call({ url }, 'GET', resourcePath, { token });
    if (want === 'gone' && r.status === 404) return {};
    if (r.status === 200) {
      const item = (r.body.volume ?? r.body.snapshot) as Row;
      if (item.status === want) return item;
      last = `status ${String(item.status)}`;
    } else {
      last = `HTTP ${r.status} ${r.text}`;
    }
    if (Date.now() > deadline) throw new Error(`${resourcePath} did not become ${want}: ${last}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

function byId(rows: Row[], id: string): Row | undefined {
  return rows.find((r) => r.ID === id);
}

// The two databases run side by side: each client command spends most of its time starting Python.
describe('python-openstackclient', { concurrency: true }, () => {
  it(`is installed at ${OPENSTACK}`, () => {
    assertOpenstackInstalled();
  });

  for (const db of DB_KINDS) {
    it(`issues a token and manages volumes and snapshots through clouds.yaml (${db})`, async () => {
      const { url, clouds, cwd, proc } = await serveForOpenstack(db, 'vbs-osc');
      const osc = (args: string[]) => openstackJson(clouds, args, { cwd });
      const quiet = (args: string[]) => openstackQuiet(clouds, args, { cwd });
      try {
        assert.ok(proc.stdout().includes(clouds), proc.stdout());

        // token issue: the token it prints is one the server takes.
        const token = await osc(['token', 'issue']) as TokenOut;
        assert.match(token.id, /^vbs1_/);
        assert.match(token.project_id, /^[0-9a-f]{32}$/);
        assert.match(token.user_id, /^[0-9a-f]{32}$/);
        assert.ok(new Date(token.expires).getTime() > Date.now() + 3600_000, `expires ${token.expires}`);
        const projects = await call({ url }, 'GET', '/identity/v3/auth/projects', { token: token.id });
        assert.equal(projects.status, 200, projects.text);
        assert.deepEqual(projects.body.projects.map((p: Row) => [p.id, p.name]), [[token.project_id, 'admin']]);
        const forged = await call({ url }, 'GET', '/identity/v3/auth/projects', { token: `${token.id.slice(0, -2)}xx` });
        assert.equal(forged.status, 401);
        const pid = token.project_id;

        // volume create
        const created = await osc(['volume', 'create', '--size', '1', '--type', VOLUME_TYPE, '--property', 'k=v', '--description', 'first disk', 'osc-vol']) as Row;
        const volumeId = created.id as string;
        assert.match(volumeId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.equal(created.name, 'osc-vol');
        assert.equal(created.size, 1);
        assert.equal(created.type, VOLUME_TYPE);
        assert.deepEqual(created.properties, { k: 'v' });
        await waitForStatus(url, token.id, `/v3/${pid}/volumes/${volumeId}`, 'available');

        // volume list and show
        const listed = byId(await osc(['volume', 'list']) as Row[], volumeId);
        assert.ok(listed, 'volume list shows the new volume');
        assert.equal(listed.Name, 'osc-vol');
        assert.equal(listed.Status, 'available');
        assert.equal(listed.Size, 1);
        const shown = await osc(['volume', 'show', volumeId]) as Row;
        assert.equal(shown.id, volumeId);
        assert.equal(shown.status, 'available');
        assert.equal(shown.size, 1);
        assert.equal(shown.type, VOLUME_TYPE);
        assert.equal(shown.description, 'first disk');
        assert.deepEqual(shown.properties, { k: 'v' });

        // volume set: name, description and properties in one command, then read back.
        await quiet(['volume', 'set', '--name', 'osc-vol-renamed', '--description', 'second life', '--property', 'k=v1', '--property', 'k2=v2', volumeId]);
        const changed = await osc(['volume', 'show', volumeId]) as Row;
        assert.equal(changed.name, 'osc-vol-renamed');
        assert.equal(changed.description, 'second life');
        assert.deepEqual(changed.properties, { k: 'v1', k2: 'v2' });
        assert.equal(changed.size, 1);
        assert.equal(changed.type, VOLUME_TYPE);

        // volume snapshot create / list / delete
        const snap = await osc(['volume', 'snapshot', 'create', '--volume', volumeId, '--description', 'before upgrade', 'osc-snap']) as Row;
        const snapshotId = snap.id as string;
        assert.match(snapshotId, /^[0-9a-f-]{36}$/);
        assert.equal(snap.name, 'osc-snap');
        assert.equal(snap.volume_id, volumeId);
        assert.equal(snap.size, 1);
        await waitForStatus(url, token.id, `/v3/${pid}/snapshots/${snapshotId}`, 'available');
        const snapRow = byId(await osc(['volume', 'snapshot', 'list']) as Row[], snapshotId);
        assert.ok(snapRow, 'volume snapshot list shows the new snapshot');
        assert.equal(snapRow.Name, 'osc-snap');
        assert.equal(snapRow.Description, 'before upgrade');
        assert.equal(snapRow.Status, 'available');
        assert.equal(snapRow.Size, 1);

        // A volume with a snapshot cannot go: the client shows the server's reason, and both stay.
        const refused = await openstack(clouds, ['volume', 'delete', volumeId], { cwd });
        assert.notEqual(refused.code, 0, refused.stdout);
        assert.match(refused.stderr, /still has 1 dependent snapshots?\. \(HTTP 400\)/);
        const kept = await call({ url }, 'GET', `/v3/${pid}/volumes/${volumeId}`, { token: token.id });
        assert.equal(kept.body.volume.status, 'available');
        assert.equal(kept.body.volume.name, 'osc-vol-renamed');
        await waitForStatus(url, token.id, `/v3/${pid}/snapshots/${snapshotId}`, 'available');

        await quiet(['volume', 'snapshot', 'delete', snapshotId]);
        await waitForStatus(url, token.id, `/v3/${pid}/snapshots/${snapshotId}`, 'gone');
        const snapshotsLeft = await call({ url }, 'GET', `/v3/${pid}/snapshots`, { token: token.id });
        assert.deepEqual(snapshotsLeft.body.snapshots, []);

        // volume delete
        await quiet(['volume', 'delete', volumeId]);
        await waitForStatus(url, token.id, `/v3/${pid}/volumes/${volumeId}`, 'gone');
        assert.equal(byId(await osc(['volume', 'list']) as Row[], volumeId), undefined, 'the deleted volume is no longer listed');
      } finally {
        const exit = await proc.stop();
        assert.equal(exit.code, 0, `vbs serve stopped badly: ${proc.stderr()}`);
      }
    });
  }
});
