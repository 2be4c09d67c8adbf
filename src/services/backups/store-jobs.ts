/**
 * Store verify and gc for cloud administrators, as jobs a client follows at
 * GET /v1/{project_id}/jobs/{job_id}: each acts on one project's namespace of the block store
 * and writes its result into the job's entities (`verify`, `gc`). Both only read, or remove what
 * no manifest references, so a run cut short by a crash is run again from the start when its
 * lease runs out (up to TAKEOVER_ATTEMPTS) and needs nothing put right.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { TAKEOVER_ATTEMPTS, type Job, type JobRepository } from '../../jobs/job-repository.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Caller } from '../common/caller.js';
import { Forbidden, InvalidState, NotFound } from '../common/errors.js';
import type { BackupRepository } from './backup-repository.js';
import type { GcResult, StoreMaintenance } from './store-maintenance.js';

export const STORE_JOB_TYPES = { verify: 'storeVerifyBackups', gc: 'storeCollectGarbage' } as const;

/** Backups whose data is whole in the store: what a verify reads. */
const VERIFIABLE = ['available', 'restoring'] as const;
/** Gc's default grace, as `vbs gc`'s: a running backup's newest packs are younger. */
export const DEFAULT_GRACE_SECONDS = 3600;

export interface VerifyStoreCommand {
  /** One backup of the project; every available backup of the project when absent. */
  backupId?: string;
}

export interface GcStoreCommand {
  /** Leave packs written less than this long ago. */
  graceSeconds?: number;
}

interface VerifyPayload {
  backupId: string | null;
}

interface GcPayload {
  graceSeconds: number;
}

/** A verify's result, in the job's entities as `verify`. */
export interface VerifyReport {
  backups_total: number;
  backups_checked: number;
  backups_intact: number;
  bytes_checked: number;
  damaged: Array<{ backup_id: string; reason: string }>;
}

/** A gc's result, in the job's entities as `gc`. */
export interface GcReport {
  grace_seconds: number;
  manifests: number;
  live_blocks: number;
  packs_deleted: number;
  packs_rewritten: number;
  orphan_packs_deleted: number;
  bytes_freed: number;
  bytes_rewritten: number;
  interrupted_backups: string[];
  problems: string[];
  /** Why nothing was swept (a backup of the project is running): run it again later. Null when it ran. */
  deferred: string | null;
}

export function gcReport(r: GcResult, graceSeconds: number): GcReport {
  return {
    grace_seconds: graceSeconds,
    manifests: r.manifests,
    live_blocks: r.liveBlocks,
    packs_deleted: r.packsDeleted,
    packs_rewritten: r.packsRepacked,
    orphan_packs_deleted: r.orphanPacksDeleted,
    bytes_freed: r.bytesFreed,
    bytes_rewritten: r.bytesRewritten,
    interrupted_backups: r.interrupted,
    problems: r.problems,
    deferred: r.skipped,
  };
}

export interface StoreJobDeps {
  db: Kysely<Database>;
  backups: BackupRepository;
  jobs: JobRepository;
  maintenance: StoreMaintenance;
  kick: () => void;
}

/** Starting a store verify or gc: cloud administrators only, in the path's project. */
export class StoreJobService {
  constructor(private readonly d: StoreJobDeps) {}

  private requireAdmin(caller: Caller, what: string): void {
    if (!caller.admin) throw new Forbidden(`Only a cloud administrator may ${what} the block store.`);
  }

  async verify(caller: Caller, cmd: VerifyStoreCommand): Promise<Job> {
    this.requireAdmin(caller, 'verify');
    if (cmd.backupId !== undefined) {
      const b = await this.d.backups.get(cmd.backupId);
      if (!b || b.projectId !== caller.projectId) throw new NotFound('backup', cmd.backupId);
      if (!(VERIFIABLE as readonly string[]).includes(b.status)) {
        throw new InvalidState('backup', b.id, b.status, VERIFIABLE, `Backup ${b.id} is ${b.status}: only an available (or restoring) backup has data to verify.`, 'backup.not-available');
      }
    }
    const payload: VerifyPayload = { backupId: cmd.backupId ?? null };
    return this.start(caller.projectId, STORE_JOB_TYPES.verify, { ...payload }, cmd.backupId ? { backup_id: cmd.backupId } : {});
  }

  async gc(caller: Caller, cmd: GcStoreCommand): Promise<Job> {
    this.requireAdmin(caller, 'collect garbage of');
    const payload: GcPayload = { graceSeconds: cmd.graceSeconds ?? DEFAULT_GRACE_SECONDS };
    return this.start(caller.projectId, STORE_JOB_TYPES.gc, { ...payload }, {});
  }

  private async start(projectId: string, type: string, payload: Record<string, unknown>, entities: Record<string, unknown>): Promise<Job> {
    const job = await this.d.jobs.create({ projectId, type, payload, entities, maxAttempts: TAKEOVER_ATTEMPTS });
    this.d.kick();
    return job;
  }
}

export function registerStoreJobs(runner: JobRunner, d: Pick<StoreJobDeps, 'db' | 'backups' | 'maintenance'>): void {
  async function verifiableBackups(projectId: string): Promise<string[]> {
    const rows = await d.db.selectFrom('backups').select('id').where('project_id', '=', projectId).where('status', 'in', VERIFIABLE).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  runner.register(STORE_JOB_TYPES.verify, {
    async run({ job, signal, setEntities }) {
      const p = job.payload as unknown as VerifyPayload;
      const ids = p.backupId ? [p.backupId] : await verifiableBackups(job.projectId);
      const report: VerifyReport = { backups_total: ids.length, backups_checked: 0, backups_intact: 0, bytes_checked: 0, damaged: [] };
      for (const id of ids) {
        signal.throwIfAborted();
        const r = await d.maintenance.check(job.projectId, id, signal);
        if (r.missing) {
          // Deleted since the listing: nothing to verify. Still there: its data is gone.
          const row = await d.backups.get(id);
          if (!row || !(VERIFIABLE as readonly string[]).includes(row.status)) {
            report.backups_total -= 1;
            continue;
          }
        }
        report.backups_checked += 1;
        report.bytes_checked += r.bytesChecked;
        if (r.intact) report.backups_intact += 1;
        else report.damaged.push({ backup_id: id, reason: r.problem ?? 'damaged' });
        // A client following the job sees the count grow.
        await setEntities({ verify: report });
      }
      return { verify: report };
    },
  });

  runner.register(STORE_JOB_TYPES.gc, {
    async run({ job }) {
      const p = job.payload as unknown as GcPayload;
      const r = await d.maintenance.collect(job.projectId, { graceMs: p.graceSeconds * 1000 });
      return { gc: gcReport(r, p.graceSeconds) };
    },
  });
}
