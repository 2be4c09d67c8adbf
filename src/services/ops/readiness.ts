import { hostname } from 'node:os';
import type { Clock } from '../../common/clock.js';
import { freeBytesAt } from '../../common/files.js';
import type { Db } from '../../db/connect.js';
import type { BlockStore } from '../../stores/block-store.js';
import { OutOfSpace, isOutOfSpace } from '../common/errors.js';

export type CheckName = 'database' | 'store' | 'disk' | 'workers';

export interface CheckResult {
  status: 'ok' | 'fail';
  message: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<CheckName, CheckResult>;
  /** What a failed check met, for the server's log (the report itself goes to anyone). */
  errors: Array<{ check: CheckName; err: unknown }>;
}

export interface ReadinessDeps {
  db: Db;
  store: BlockStore;
  clock: Clock;
  dataDir: string;
  minFreeBytes: number;
  workers: () => { running: boolean; workers: number; quietMs: number };
}

/** A check that takes longer than this fails: a probe must answer while the orchestrator waits. */
const CHECK_TIMEOUT_MS = 5000;
/** The job workers' loop comes round every half second; this long without a round, it hangs. */
const WORKERS_QUIET_MS = 30_000;
const MiB = 1024 * 1024;

class CheckFailed extends Error {}

const mib = (bytes: number) => `${Math.floor(bytes / MiB)} MiB`;

/**
 * Whether this process can serve requests now: the database takes a write, the block store
 * takes a write and has room, the data dir has room, the job workers run. Liveness (/healthz)
 * is another matter: a full disk makes the service unready, not dead.
 */
export class Readiness {
  private readonly holder = `${hostname()}:${process.pid}`;

  constructor(private readonly d: ReadinessDeps) {}

  async check(): Promise<ReadinessReport> {
    const names: CheckName[] = ['database', 'store', 'disk', 'workers'];
    const runs = { database: () => this.database(), store: () => this.storeWritable(), disk: () => this.disk(), workers: async () => this.workers() };
    const errors: ReadinessReport['errors'] = [];
    const results = await Promise.all(
      names.map(async (name): Promise<CheckResult> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CheckFailed(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
        });
        try {
          return { status: 'ok', message: await Promise.race([runs[name](), timeout]) };
        } catch (err) {
          if (!(err instanceof CheckFailed)) errors.push({ check: name, err });
          return { status: 'fail', message: failure(name, err) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const checks = Object.fromEntries(names.map((n, i) => [n, results[i]])) as Record<CheckName, CheckResult>;
    return { ready: results.every((r) => r.status === 'ok'), checks, errors };
  }

  private async database(): Promise<string> {
    const checkedAt = this.d.clock.now().toISOString();
    await this.d.db
      .insertInto('readiness_probes')
      .values({ holder: this.holder, checked_at: checkedAt })
      .onConflict((oc) => oc.column('holder').doUpdateSet({ checked_at: checkedAt }))
      .execute();
    return 'takes writes';
  }

  private async storeWritable(): Promise<string> {
    const { store, minFreeBytes } = this.d;
    let room = '';
    if (store.freeBytes) {
      const free = await store.freeBytes();
      if (free < minFreeBytes) throw new CheckFailed(`no space left: ${mib(free)} free where the block store writes, below the ${mib(minFreeBytes)} required (VBS_READY_MIN_FREE_MB)`);
      room = `, ${mib(free)} free`;
    }
    const key = `health/readyz-${this.holder.replace(/[^\w.-]/g, '_')}`;
    await store.put(key, Buffer.from(this.d.clock.now().toISOString()));
    await store.delete(key);
    return `takes writes${room}`;
  }

  private async disk(): Promise<string> {
    const free = await freeBytesAt(this.d.dataDir);
    if (free < this.d.minFreeBytes) throw new CheckFailed(`no space left: ${mib(free)} free in the data directory, below the ${mib(this.d.minFreeBytes)} required (VBS_READY_MIN_FREE_MB)`);
    return `${mib(free)} free in the data directory`;
  }

  private workers(): string {
    const w = this.d.workers();
    if (w.workers === 0) return 'no job workers configured (VBS_WORKERS=0)';
    if (!w.running) throw new CheckFailed('the job workers are not running');
    if (w.quietMs > WORKERS_QUIET_MS) throw new CheckFailed(`the job workers have not polled for ${Math.round(w.quietMs / 1000)} s`);
    return `${w.workers} job workers running`;
  }
}

/** A failed check in words fit for anyone: the raw error (paths, hosts) goes to the log only. */
function failure(name: CheckName, err: unknown): string {
  if (err instanceof CheckFailed) return err.message;
  if (isOutOfSpace(err)) return new OutOfSpace(err.code).message;
  return { database: 'the database cannot be written', store: 'the block store cannot be written', disk: 'the data directory cannot be examined', workers: 'the job workers cannot be examined' }[name] + ' (the server log says why)';
}
