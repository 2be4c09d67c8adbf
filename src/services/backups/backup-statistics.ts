import { sql, type Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import type { QuotaService } from '../volumes/quota-service.js';

/** Statuses of a backup whose data is whole in the store: a good backup. */
const GOOD = ['available', 'restoring'] as const;

/** One volume of a project, as a backup dashboard shows it. */
export interface VolumeBackupState {
  projectId: string;
  volumeId: string;
  name: string | null;
  size: number;
  status: string;
  /** The ON policy the volume is bound to; null when none protects it. */
  policyId: string | null;
  backups: number;
  /** When the data of its newest good backup was taken; null without one. */
  lastGoodBackupAt: Date | null;
  /** Seconds since then; null without one. */
  lastGoodBackupAgeSeconds: number | null;
}

export interface ProjectBackupStatistics {
  projectId: string;
  generatedAt: Date;
  backups: {
    total: number;
    byStatus: Record<string, number>;
    /** Bytes of the volume images the good backups hold. */
    logicalBytes: number;
    /** Bytes those backups added to the store, after dedup and compression. */
    storedBytes: number;
    /** Good backups whose figures are unknown (made before they were recorded): in neither sum. */
    withoutFigures: number;
  };
  volumes: VolumeBackupState[];
  quota: { backups: { used: number; limit: number }; backupGigabytes: { used: number; limit: number } };
}

const num = (v: unknown): number => Number(v ?? 0);

/**
 * A project's backup figures, counted by the database (two aggregate queries), never by reading
 * every backup: totals by status and bytes, and per volume its backups, its newest good backup
 * and whether an ON policy protects it.
 */
export class BackupStatistics {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly quotas: QuotaService,
    private readonly clock: Clock,
  ) {}

  async project(caller: Caller): Promise<ProjectBackupStatistics> {
    const projectId = caller.projectId;
    const now = this.clock.now();
    const groups = await this.db
      .selectFrom('backups')
      .select((eb) => [
        'status',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('bytes_logical').as('logical'),
        eb.fn.sum<number>('bytes_stored').as('stored'),
        eb.fn.count<number>('bytes_stored').as('with_figures'),
      ])
      .where('project_id', '=', projectId)
      .groupBy('status')
      .execute();
    const backups: ProjectBackupStatistics['backups'] = { total: 0, byStatus: {}, logicalBytes: 0, storedBytes: 0, withoutFigures: 0 };
    for (const g of groups) {
      const n = num(g.n);
      backups.total += n;
      backups.byStatus[g.status] = n;
      if (!(GOOD as readonly string[]).includes(g.status)) continue;
      backups.logicalBytes += num(g.logical);
      backups.storedBytes += num(g.stored);
      backups.withoutFigures += n - num(g.with_figures);
    }
    const [limits, usage] = await Promise.all([this.quotas.limits(projectId), this.quotas.usage(projectId)]);
    return {
      projectId,
      generatedAt: now,
      backups,
      volumes: await this.volumes(projectId, now),
      quota: {
        backups: { used: usage.backups, limit: limits.backups },
        backupGigabytes: { used: usage.backup_gigabytes, limit: limits.backup_gigabytes },
      },
    };
  }

  /** Every volume (of one project, or of all) with its backup count and newest good backup. */
  async volumes(projectId: string | null, now: Date = this.clock.now()): Promise<VolumeBackupState[]> {
    let q = this.db
      .selectFrom('volumes as v')
      .leftJoin('backups as b', (j) => j.onRef('b.volume_id', '=', 'v.id').onRef('b.project_id', '=', 'v.project_id'))
      .leftJoin('backup_policy_resources as r', 'r.resource_id', 'v.id')
      .leftJoin('backup_policies as p', (j) => j.onRef('p.id', '=', 'r.policy_id').on('p.status', '=', 'ON'))
      .select((eb) => [
        'v.project_id',
        'v.id',
        'v.name',
        'v.size',
        'v.status',
        'v.created_at',
        'p.id as policy_id',
        eb.fn.count<number>('b.id').as('backups'),
        // Times are ISO 8601 UTC text of one format: the greatest is the newest.
        sql<string | null>`max(case when b.status in (${sql.join(GOOD)}) then coalesce(b.data_timestamp, b.created_at) end)`.as('last_good'),
      ])
      .groupBy(['v.project_id', 'v.id', 'v.name', 'v.size', 'v.status', 'v.created_at', 'p.id'])
      .orderBy('v.created_at')
      .orderBy('v.id');
    if (projectId !== null) q = q.where('v.project_id', '=', projectId);
    return (await q.execute()).map((row) => {
      const last = row.last_good ? new Date(row.last_good) : null;
      return {
        projectId: row.project_id,
        volumeId: row.id,
        name: row.name,
        size: num(row.size),
        status: row.status,
        policyId: row.policy_id ?? null,
        backups: num(row.backups),
        lastGoodBackupAt: last,
        lastGoodBackupAgeSeconds: last ? Math.max(0, Math.floor((now.getTime() - last.getTime()) / 1000)) : null,
      };
    });
  }
}
