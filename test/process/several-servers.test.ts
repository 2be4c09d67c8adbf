/**
 * Three `vbs serve` processes on one PostgreSQL database and one shared data directory (its
 * volumes and block store, as a shared file system gives every node), started together on an
 * empty database: one node sets up while the others wait. A node killed mid-backup leaves its
 * job to the others after the lease, and every job ends once; a rolling restart of all three
 * during a stream of backups fails none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { call, freshPostgresDatabase, issueToken, tempDir } from '../support/server.js';
import { freePort } from '../support/net.js';
import { runCli, startServe, type ServeProcess } from '../support/cli.js';
import { until } from '../support/wait.js';
import { fillDistinct } from '../support/volume-data.js';
import { createAvailableVolume } from '../support/volumes.js';

const MiB = 1024 ** 2;

interface Node {
  name: string;
  url: string;
  env: Record<string, string>;
  /** The node's current process. */
  serve: ServeProcess;
  /** Every process the node ran, the current one last: their logs make the node's. */
  runs: ServeProcess[];
}

interface Cluster {
  nodes: Node[];
  base: Record<string, string>;
  db: pg.Client;
  start(node: Node): Promise<void>;
  stopAll(): Promise<void>;
}

async function cluster(settings: Record<string, string>): Promise<Cluster> {
  const base: Record<string, string> = {
    VBS_DATABASE_URL: await freshPostgresDatabase(),
    VBS_DATA_DIR: tempDir('vbs-nodes-'),
    VBS_ADMIN_PASSWORD: 'pw',
    VBS_LOG_LEVEL: 'info',
    VBS_JOB_LEASE_SECONDS: '2',
    VBS_WORKERS: '1',
    VBS_RATE_LIMIT: '0',
    VBS_QUOTA_BACKUPS: '-1',
    ...settings,
  };
  const nodes: Node[] = [];
  for (const name of ['node-1', 'node-2', 'node-3']) {
    const port = await freePort();
    const env = { ...base, VBS_PORT: String(port), VBS_NODE_NAME: name };
    nodes.push({ name, url: `http://127.0.0.1:${port}`, env, serve: undefined as unknown as ServeProcess, runs: [] });
  }
  const db = new pg.Client({ connectionString: base.VBS_DATABASE_URL });
  await db.connect();
  const start = async (node: Node) => {
    node.serve = startServe(node.env);
    node.runs.push(node.serve);
    await node.serve.waitFor('serving on', 60_000);
  };
  return {
    nodes,
    base,
    db,
    start,
    stopAll: async () => {
      await Promise.all(nodes.flatMap((n) => n.runs).map((r) => r.stop('SIGKILL')));
      await db.end();
    },
  };
}

/** The job events of every node, by job: which events, on which node. */
function jobEvents(nodes: Node[]): Map<string, Array<{ event: string; node: string }>> {
  const out = new Map<string, Array<{ event: string; node: string }>>();
  for (const n of nodes) {
    for (const line of n.runs.flatMap((r) => r.stdout().split('\n'))) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { event?: string; job_id?: string; node?: string };
      if (!e.event?.startsWith('job.') || !e.job_id) continue;
      if (!out.has(e.job_id)) out.set(e.job_id, []);
      out.get(e.job_id)!.push({ event: e.event, node: e.node ?? '' });
    }
  }
  return out;
}

/** The job events once every job's end is in some node's log. */
async function loggedEnds(nodes: Node[], jobs: string[]): Promise<Map<string, Array<{ event: string; node: string }>>> {
  return until('every job end to be logged', async () => {
    const events = jobEvents(nodes);
    return jobs.every((id) => events.get(id)?.some((e) => e.event === 'job.end' || e.event === 'job.fail')) ? events : undefined;
  }, 10_000);
}

async function filledVolumes(c: Cluster, user: { projectId: string; token: string }, count: number, bytes: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await createAvailableVolume(c.nodes[i % c.nodes.length], user, { size: 1, name: `vol-${i}` });
    const where = await runCli(['volume', 'path', id], c.base);
    await fillDistinct(where.stdout.trim().split(/\s+/).pop()!, bytes);
    ids.push(id);
  }
  return ids;
}

async function backUp(node: Node, user: { projectId: string; token: string }, volumeId: string): Promise<string> {
  const r = await call(node, 'POST', `/v2/${user.projectId}/cloudbackups`, { token: user.token, body: { backup: { volume_id: volumeId, name: 'backup' } } });
  assert.equal(r.status, 200, r.text);
  return r.body.job_id as string;
}

async function jobsEnded(c: Cluster, ids: string[], ms: number): Promise<Array<{ id: string; status: string; attempts: number }>> {
  return until(
    'every job to end',
    async () => {
      const { rows } = await c.db.query<{ id: string; status: string; attempts: number }>('select id, status, attempts from jobs where id = any($1)', [ids]);
      return rows.length === ids.length && rows.every((r) => r.status === 'SUCCESS' || r.status === 'FAIL') ? rows : undefined;
    },
    ms,
  );
}

describe('several servers on one database and store', () => {
  it('start together, and when one is killed mid-backup the others take its job over: every job ends once', async () => {
    const c = await cluster({});
    try {
      // All at once, on an empty database: migrations and the first setup are serialized.
      await Promise.all(c.nodes.map((n) => c.start(n)));
      const setUp = c.nodes.filter((n) => n.serve.stdout().includes('bootstrapped'));
      assert.equal(setUp.length, 1, 'exactly one node set the database up');
      const user = await issueToken(c.nodes[1].url, 'admin', 'pw', 'admin');

      const volumes = await filledVolumes(c, user, 6, 384 * MiB);
      const jobs: string[] = [];
      for (const [i, v] of volumes.entries()) jobs.push(await backUp(c.nodes[i % 3], user, v));

      // The first node seen running a backup is killed while it runs it.
      const { rows } = await until('a backup under way', async () => {
        const r = await c.db.query<{ id: string; lease_owner: string }>("select id, lease_owner from jobs where status = 'RUNNING' and id = any($1)", [jobs]);
        return r.rows.length > 0 ? r : undefined;
      }, 60_000);
      const victim = c.nodes.find((n) => rows[0].lease_owner.startsWith(`${n.name}:`))!;
      victim.serve.child.kill('SIGKILL');
      await victim.serve.exited;
      const killedJob = rows[0].id;

      const ended = await jobsEnded(c, jobs, 180_000);
      assert.deepEqual(ended.filter((j) => j.status !== 'SUCCESS'), [], 'every backup succeeded, the interrupted one on another node');
      assert.equal(ended.find((j) => j.id === killedJob)?.attempts, 2, 'the interrupted backup ran a second time');

      // A node logs a job's end just after recording it: wait for the lines, then count them.
      const events = await loggedEnds(c.nodes, jobs);
      for (const id of jobs) {
        const ends = (events.get(id) ?? []).filter((e) => e.event === 'job.end' || e.event === 'job.fail');
        assert.equal(ends.length, 1, `job ${id} ended once: ${JSON.stringify(events.get(id))}`);
      }
      const taken = events.get(killedJob)!;
      assert.ok(taken.some((e) => e.event === 'job.start' && e.node === victim.name), 'it started on the killed node');
      assert.ok(taken.some((e) => e.event === 'job.end' && e.node !== victim.name), 'it ended on another node');

      // The taken-over backup is whole.
      const survivor = c.nodes.find((n) => n !== victim)!;
      const job = (await call(survivor, 'GET', `/v1/${user.projectId}/jobs/${killedJob}`, { token: user.token })).body;
      const verify = await runCli(['verify', job.entities.backup_id as string], c.base);
      assert.equal(verify.code, 0, verify.stderr);
    } finally {
      await c.stopAll();
    }
  });

  it('restarted one by one with SIGTERM during a stream of backups, fail no backup', async () => {
    const c = await cluster({ VBS_DRAIN_SECONDS: '1' });
    try {
      for (const n of c.nodes) await c.start(n);
      const user = await issueToken(c.nodes[0].url, 'admin', 'pw', 'admin');
      const volumes = await filledVolumes(c, user, 3, 512 * MiB);
      const jobs: string[] = [];
      let restarting: Node | undefined;
      let streaming = true;
      const stream = (async () => {
        for (let tick = 0; streaming; tick++) {
          const node = c.nodes.filter((n) => n !== restarting)[tick % 2];
          for (const v of volumes) {
            const vol = (await call(node, 'GET', `/v3/${user.projectId}/volumes/${v}`, { token: user.token })).body.volume;
            if (vol.status === 'available') jobs.push(await backUp(node, user, v));
          }
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      for (const n of c.nodes) {
        restarting = n;
        await new Promise((r) => setTimeout(r, 1500));
        const { code } = await n.serve.stop('SIGTERM');
        assert.equal(code, 0, `${n.name} drained and exited 0`);
        await c.start(n);
        restarting = undefined;
      }
      streaming = false;
      await stream;
      assert.ok(jobs.length >= 6, `${jobs.length} backups were asked for during the restarts`);
      const ended = await jobsEnded(c, jobs, 240_000);
      assert.deepEqual(ended.filter((j) => j.status !== 'SUCCESS'), [], 'no backup failed by a restart');
      const events = await loggedEnds(c.nodes, jobs);
      for (const id of jobs) assert.equal((events.get(id) ?? []).filter((e) => e.event === 'job.end').length, 1, `job ${id} ended once`);
    } finally {
      await c.stopAll();
    }
  });
});
