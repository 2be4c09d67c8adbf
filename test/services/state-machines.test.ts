import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/common/clock.js';
import { newUuid } from '../../src/common/ids.js';
import { IllegalTransition, type Machine, type Target } from '../../src/common/state-machine.js';
import { openDatabase, type Db, type DbHandle } from '../../src/db/connect.js';
import { JobRepository } from '../../src/jobs/job-repository.js';
import { JOB_MACHINE } from '../../src/jobs/job-state.js';
import { BackupRepository } from '../../src/services/backups/backup-repository.js';
import { BACKUP_MACHINE } from '../../src/services/backups/backup-state.js';
import { PolicyRepository } from '../../src/services/policies/policy-repository.js';
import { FINAL_TASK_STATUSES, RUN_MACHINE, TASK_MACHINE } from '../../src/services/policies/policy-run-state.js';
import { newTask, PolicyRunRepository } from '../../src/services/policies/policy-runs-repository.js';
import { VolumeRepository } from '../../src/services/volumes/volume-repository.js';
import { SNAPSHOT_MACHINE, VOLUME_MACHINE } from '../../src/services/volumes/volume-state.js';
import { DB_KINDS, freshPostgresDatabase, tempDir } from '../support/server.js';

/** What the walk sees of a record: its status, and a field every move also writes. */
interface Seen {
  status: string;
  marker: string | null;
}

/** One status gate over one table. */
interface Gate<S extends string> {
  machine: Machine<S>;
  /** A new record in `status`; its id. */
  make(status: S): Promise<string>;
  /** Puts the record in `status` behind the gate's back, as only a test does. */
  place(id: string, status: S): Promise<void>;
  read(id: string): Promise<Seen>;
  /** The gate itself, writing `marker` beside the status. */
  move(id: string, from: S | readonly S[], to: Target<S>, marker: string): Promise<boolean>;
}

function isIllegal(machine: string, from: string, to: string) {
  return (err: unknown) => err instanceof IllegalTransition && err.machine === machine && err.from === from && err.to === to;
}

/**
 * Every (from, to) pair of the machine through the gate: an allowed one moves the record and
 * returns true, and returns false changing nothing when the record is no longer in `from`; a
 * forbidden one throws and changes nothing.
 */
async function walk<S extends string>(gate: Gate<S>): Promise<{ allowed: number; forbidden: number }> {
  const { machine } = gate;
  const id = await gate.make(machine.statuses[0]);
  let allowed = 0;
  let forbidden = 0;
  for (const from of machine.statuses) {
    const elsewhere = machine.statuses.find((s) => s !== from)!;
    for (const to of machine.statuses) {
      const pair = `${from} -> ${to}`;
      await gate.place(id, from);
      const before = await gate.read(id);
      if (machine.canMove(from, to)) {
        allowed++;
        assert.equal(await gate.move(id, from, to, pair), true, `${machine.name} ${pair} moves`);
        assert.deepEqual(await gate.read(id), { status: to, marker: pair }, `${machine.name} ${pair} is written`);
        await gate.place(id, elsewhere);
        const stale = await gate.read(id);
        assert.equal(await gate.move(id, from, to, 'stale'), false, `${machine.name} ${pair} from a stale status`);
        assert.deepEqual(await gate.read(id), stale, `${machine.name} ${pair} from a stale status changes nothing`);
      } else {
        forbidden++;
        await assert.rejects(gate.move(id, from, to, pair), isIllegal(machine.name, from, to), `${machine.name} ${pair} is refused`);
        assert.deepEqual(await gate.read(id), before, `${machine.name} ${pair} changes nothing`);
      }
    }
  }
  return { allowed, forbidden };
}

/** A move from several statuses is refused when any one of them may not move, even if the record is in another. */
async function mixedFrom<S extends string>(gate: Gate<S>): Promise<void> {
  const { machine } = gate;
  for (const to of machine.statuses) {
    const ok = machine.statuses.find((s) => machine.canMove(s, to));
    const bad = machine.statuses.find((s) => !machine.canMove(s, to));
    if (!ok || !bad) continue;
    const id = await gate.make(ok);
    const before = await gate.read(id);
    await assert.rejects(gate.move(id, [ok, bad], to, 'mixed'), isIllegal(machine.name, bad, to));
    assert.deepEqual(await gate.read(id), before);
    return;
  }
  assert.fail(`${machine.name}: no status has both an allowed and a forbidden way in`);
}

/** An administrator's reset goes from any status to any status; from a stale status it changes nothing. */
async function walkResets<S extends string>(gate: Gate<S>): Promise<void> {
  const { machine } = gate;
  assert.ok(machine.resettable);
  const id = await gate.make(machine.statuses[0]);
  for (const from of machine.statuses) {
    for (const to of machine.statuses) {
      const pair = `reset ${from} -> ${to}`;
      await gate.place(id, from);
      assert.equal(await gate.move(id, from, { reset: to }, pair), true, `${machine.name} ${pair}`);
      assert.deepEqual(await gate.read(id), { status: to, marker: pair });
    }
  }
  const [a, b] = machine.statuses;
  await gate.place(id, a);
  const before = await gate.read(id);
  assert.equal(await gate.move(id, b, { reset: b }, 'stale'), false);
  assert.deepEqual(await gate.read(id), before);
}

const PROJECT = 'state-machines-project';

for (const kind of DB_KINDS) {
  describe(`status gates (${kind})`, () => {
    let handle: DbHandle;
    let db: Db;

    before(async () => {
      const url = kind === 'postgres' ? await freshPostgresDatabase() : undefined;
      handle = await openDatabase(url, tempDir());
      db = handle.db;
    });
    after(async () => {
      await handle.close();
    });

    function volumeGate(): Gate<(typeof VOLUME_MACHINE.statuses)[number]> {
      const repo = new VolumeRepository(db);
      return {
        machine: VOLUME_MACHINE,
        async make(status) {
          const now = new Date();
          const id = newUuid();
          await repo.insertVolume({
            id, projectId: PROJECT, userId: null, name: null, description: null, size: 1, status, volumeType: 'SATA', availabilityZone: 'nova',
            bootable: false, encrypted: false, multiattach: false, metadata: {}, snapshotId: null, sourceVolid: null, backupId: null,
            attachments: [], createdAt: now, updatedAt: now,
          });
          return id;
        },
        place: async (id, status) => void (await db.updateTable('volumes').set({ status }).where('id', '=', id).execute()),
        async read(id) {
          const v = (await repo.getVolume(id))!;
          return { status: v.status, marker: v.name };
        },
        move: (id, from, to, marker) => repo.moveVolume(id, from, to, { name: marker, updatedAt: new Date() }),
      };
    }

    function snapshotGate(): Gate<(typeof SNAPSHOT_MACHINE.statuses)[number]> {
      const repo = new VolumeRepository(db);
      return {
        machine: SNAPSHOT_MACHINE,
        async make(status) {
          const now = new Date();
          const id = newUuid();
          await repo.insertSnapshot({
            id, projectId: PROJECT, userId: null, volumeId: newUuid(), volumeType: 'SATA', name: null, description: null, size: 1, status, progress: null,
            metadata: {}, createdAt: now, updatedAt: now,
          });
          return id;
        },
        place: async (id, status) => void (await db.updateTable('snapshots').set({ status }).where('id', '=', id).execute()),
        async read(id) {
          const s = (await repo.getSnapshot(id))!;
          return { status: s.status, marker: s.name };
        },
        move: (id, from, to, marker) => repo.moveSnapshot(id, from, to, { name: marker, updatedAt: new Date() }),
      };
    }

    function backupGate(): Gate<(typeof BACKUP_MACHINE.statuses)[number]> {
      const repo = new BackupRepository(db);
      return {
        machine: BACKUP_MACHINE,
        async make(status) {
          const now = new Date();
          const id = newUuid();
          await repo.insert({
            id, projectId: PROJECT, volumeId: newUuid(), snapshotId: null, name: null, description: null, status, failReason: null, size: 1,
            objectCount: 0, container: null, availabilityZone: 'nova', metadata: {}, tags: [], isIncremental: false, serviceMetadata: {},
            volumeBootable: false, volumeType: 'SATA', volumeMetadata: {}, policyId: null, dataTimestamp: now, createdAt: now, updatedAt: now,
          });
          return id;
        },
        place: async (id, status) => void (await db.updateTable('backups').set({ status }).where('id', '=', id).execute()),
        async read(id) {
          const b = (await repo.get(id))!;
          return { status: b.status, marker: b.failReason };
        },
        move: (id, from, to, marker) => repo.moveBackup(id, from, to, { fail_reason: marker, updated_at: new Date().toISOString() }),
      };
    }

    function jobGate(): Gate<(typeof JOB_MACHINE.statuses)[number]> {
      const repo = new JobRepository(db, systemClock);
      return {
        machine: JOB_MACHINE,
        async make(status) {
          const job = await repo.create({ projectId: PROJECT, type: 'state-machines' });
          await db.updateTable('jobs').set({ status }).where('id', '=', job.id).execute();
          return job.id;
        },
        place: async (id, status) => void (await db.updateTable('jobs').set({ status }).where('id', '=', id).execute()),
        async read(id) {
          const j = (await repo.get(id))!;
          return { status: j.status, marker: j.failReason };
        },
        move: (id, from, to, marker) => {
          if (typeof to !== 'string') throw new Error('jobs have no reset');
          return repo.moveJob(id, from, to, { fail_reason: marker });
        },
      };
    }

    async function policyId(): Promise<string> {
      const id = newUuid();
      await new PolicyRepository(db).insert({
        id, projectId: PROJECT, name: `policy-${id.slice(0, 8)}`, status: 'OFF', startTimes: [0], frequency: 1, weekDays: null,
        retentionNum: 1, retentionDays: null, remainFirstBackupOfCurMonth: false, timeZone: 'UTC+00:00', timeZoneOffsetMinutes: 0,
        createdAt: new Date(), updatedAt: null,
      });
      return id;
    }

    function runGate(policy: string): Gate<(typeof RUN_MACHINE.statuses)[number]> {
      const repo = new PolicyRunRepository(db);
      return {
        machine: RUN_MACHINE,
        async make(status) {
          const id = newUuid();
          await repo.insertRun({ id, policyId: policy, projectId: PROJECT, slot: `manual:${id}`, status, jobId: null, createdAt: new Date(), finishedAt: null }, db);
          return id;
        },
        place: async (id, status) => void (await db.updateTable('policy_runs').set({ status }).where('id', '=', id).execute()),
        async read(id) {
          const r = (await repo.getRun(id))!;
          return { status: r.status, marker: (await db.selectFrom('policy_runs').select('finished_at').where('id', '=', id).executeTakeFirstOrThrow()).finished_at };
        },
        move: (id, from, to, marker) => {
          if (typeof to !== 'string') throw new Error('policy runs have no reset');
          return repo.moveRun(id, from, to, { finished_at: marker });
        },
      };
    }

    function taskGate(policy: string): Gate<(typeof TASK_MACHINE.statuses)[number]> {
      const repo = new PolicyRunRepository(db);
      const run = { id: newUuid(), policyId: policy, projectId: PROJECT };
      let runMade = false;
      return {
        machine: TASK_MACHINE,
        async make(status) {
          if (!runMade) {
            await repo.insertRun({ ...run, slot: `manual:${run.id}`, status: 'RUNNING', jobId: null, createdAt: new Date(), finishedAt: null }, db);
            runMade = true;
          }
          const task = newTask(run, newUuid(), new Date(), { status });
          await repo.insertTask(task);
          return task.id;
        },
        place: async (id, status) => void (await db.updateTable('policy_tasks').set({ status }).where('id', '=', id).execute()),
        async read(id) {
          const t = (await repo.getTask(policy, id))!;
          return { status: t.status, marker: t.message };
        },
        move: (id, from, to, marker) => {
          if (typeof to !== 'string') throw new Error('policy tasks have no reset');
          return repo.moveTask(id, from, to, { message: marker });
        },
      };
    }

    it('volumes: every transition through moveVolume, resets included', async () => {
      const counts = await walk(volumeGate());
      assert.equal(counts.allowed + counts.forbidden, VOLUME_MACHINE.statuses.length ** 2);
      await mixedFrom(volumeGate());
      await walkResets(volumeGate());
    });

    it('snapshots: every transition through moveSnapshot, resets included', async () => {
      const counts = await walk(snapshotGate());
      assert.equal(counts.allowed + counts.forbidden, SNAPSHOT_MACHINE.statuses.length ** 2);
      await mixedFrom(snapshotGate());
      await walkResets(snapshotGate());
    });

    it('backups: every transition through moveBackup, resets (os-reset_status) included', async () => {
      await walk(backupGate());
      await mixedFrom(backupGate());
      assert.equal(BACKUP_MACHINE.resettable, true);
      await walkResets(backupGate());
      const repo = new BackupRepository(db);
      const id = await backupGate().make('available');
      await assert.rejects(repo.moveBackup(id, 'available', 'creating'), isIllegal('backup', 'available', 'creating'));
    });

    it('jobs: every transition through moveJob, fenced by the lease', async () => {
      await walk(jobGate());
      await mixedFrom(jobGate());
      const repo = new JobRepository(db, systemClock);
      const id = await jobGate().make('RUNNING');
      await db.updateTable('jobs').set({ lease_owner: 'worker-a', lease_expires_at: '2030-01-01T00:00:00.000Z' }).where('id', '=', id).execute();
      assert.equal(await repo.moveJob(id, 'RUNNING', 'SUCCESS', {}, { leaseOwner: 'worker-b' }), false);
      assert.equal(await repo.moveJob(id, 'RUNNING', 'INIT', {}, { leaseExpiresAt: '2029-01-01T00:00:00.000Z' }), false);
      assert.equal((await repo.get(id))!.status, 'RUNNING');
      assert.equal(await repo.moveJob(id, 'RUNNING', 'SUCCESS', { lease_owner: null }, { leaseOwner: 'worker-a', leaseExpiresAt: '2030-01-01T00:00:00.000Z' }), true);
      assert.equal((await repo.get(id))!.status, 'SUCCESS');
    });

    it('policy runs and tasks: every transition through moveRun and moveTask', async () => {
      const policy = await policyId();
      await walk(runGate(policy));
      await mixedFrom(runGate(policy));
      await walk(taskGate(policy));
      await mixedFrom(taskGate(policy));
    });

    it('field updates leave the status alone', async () => {
      const volumes = new VolumeRepository(db);
      const volume = await volumeGate().make('available');
      // @ts-expect-error a volume's status changes through moveVolume only
      assert.equal(await volumes.updateVolume(volume, ['available'], { status: 'error', name: 'renamed' }), true);
      assert.deepEqual(await volumeGate().read(volume), { status: 'available', marker: 'renamed' });

      const snapshot = await snapshotGate().make('available');
      // @ts-expect-error a snapshot's status changes through moveSnapshot only
      assert.equal(await volumes.updateSnapshot(snapshot, ['available'], { status: 'error', name: 'renamed' }), true);
      assert.deepEqual(await snapshotGate().read(snapshot), { status: 'available', marker: 'renamed' });

      const policy = await policyId();
      const tasks = taskGate(policy);
      const task = await tasks.make('WAITING');
      // @ts-expect-error a task's status changes through moveTask only
      await new PolicyRunRepository(db).updateTask(task, { status: 'SKIP', message: 'noted' });
      assert.deepEqual(await tasks.read(task), { status: 'WAITING', marker: 'noted' });
    });
  });
}

describe('status machines', () => {
  it('declare each status once and move only between their own statuses', () => {
    for (const machine of [VOLUME_MACHINE, SNAPSHOT_MACHINE, BACKUP_MACHINE, JOB_MACHINE, RUN_MACHINE, TASK_MACHINE] as Array<Machine<string>>) {
      assert.equal(new Set(machine.statuses).size, machine.statuses.length, machine.name);
      for (const from of machine.statuses) for (const to of machine.next(from)) assert.ok(machine.statuses.includes(to), `${machine.name} ${from} -> ${to}`);
    }
  });

  it('keep final statuses final', () => {
    assert.deepEqual(JOB_MACHINE.next('SUCCESS'), []);
    assert.deepEqual(JOB_MACHINE.next('FAIL'), []);
    assert.deepEqual([...FINAL_TASK_STATUSES].sort(), ['EXECUTE_FAIL', 'EXECUTE_SUCCESS', 'EXECUTE_TIMEOUT', 'SKIP']);
  });

  it('refuse a move from no status at all', () => {
    assert.throws(() => VOLUME_MACHINE.check([], 'available'));
  });
});

/** The checkout's src/: the first ancestor of this file that holds it. */
function sourceDir(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'src', 'common', 'state-machine.ts'))) return path.join(dir, 'src');
    if (path.dirname(dir) === dir) throw new Error(`no src/common/state-machine.ts above ${start}`);
  }
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The text between the parenthesis at `open` and its match, skipping string literals. */
function argumentText(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/** The repositories whose status gates are the only writers of status columns. */
const GATES = [
  'services/volumes/volume-repository.ts',
  'services/backups/backup-repository.ts',
  'jobs/job-repository.ts',
  'services/policies/policy-runs-repository.ts',
];

describe('status writes', () => {
  it('happen only in the repositories, each the status its machine checked', () => {
    const src = sourceDir();
    const writes: string[] = [];
    for (const file of sourceFiles(src)) {
      const name = path.relative(src, file).split(path.sep).join('/');
      const text = fs.readFileSync(file, 'utf8');
      const line = (at: number) => text.slice(0, at).split('\n').length;
      for (const m of text.matchAll(/\.set\(/g)) {
        const arg = argumentText(text, m.index + m[0].length - 1);
        if (!/(^|[\s{,(])status\s*[:,}]/.test(arg)) continue;
        const gated = GATES.includes(name) && /^\s*(\(eb\) => \()?\{ \.\.\.[^{}]*, status: move\.to \}\)?\s*$/.test(arg);
        if (!gated) writes.push(`${name}:${line(m.index)}: .set(${arg.trim().slice(0, 100)})`);
      }
      for (const m of text.matchAll(/\bupdate\s+\w+\s+set\s+(\w+\s*=\s*[^;]*?,\s*)*status\s*=/gi)) writes.push(`${name}:${line(m.index)}: ${m[0]}`);
    }
    assert.deepEqual(writes, [], 'status columns written outside the status gates');
  });

  it('would notice a status written outside them', () => {
    const arg = argumentText(`.set({ fail_reason: 'a (quoted) )', status: 'error' }).where('id', '=', id)`, 4);
    assert.match(arg, /(^|[\s{,(])status\s*[:,}]/);
  });
});
