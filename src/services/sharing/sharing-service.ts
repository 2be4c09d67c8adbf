import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { Backup, BackupRepository } from '../backups/backup-repository.js';
import type { Page } from '../common/listing.js';
import type { Caller } from '../common/caller.js';
import { Conflict, Forbidden, InvalidInput, InvalidState, NotFound } from '../common/errors.js';
import type { ShareQuery } from './share-query.js';
import type { Share, SharedBackup, ShareRepository } from './share-repository.js';

/** Share one backup of the caller's project with other projects. */
export interface ShareBackup {
  backupId: string;
  /** At least one, each once. */
  toProjectIds: string[];
}

/** End one share, or every share of one backup. */
export type CancelShare = { shareId: string } | { backupId: string };

export interface SharingServiceDeps {
  db: Kysely<Database>;
  shares: ShareRepository;
  backups: BackupRepository;
  clock: Clock;
}

function ownerOnly(backupId: string): Forbidden {
  return new Forbidden(`Backup ${backupId} is shared with this project by another one: only the project that owns the backup may share it or cancel its shares.`);
}

/** Unique-index violations, as SQLite and PostgreSQL report them. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Sharing backups between projects: the owner's project shares an available backup with other
 * projects and cancels shares; each side lists the shares it made or received. A refused
 * request writes nothing.
 */
export class SharingService {
  constructor(private readonly d: SharingServiceDeps) {}

  /** The caller's own backup; a backup merely shared with the caller is named as such. */
  private async ownBackup(caller: Caller, backupId: string, ex: Kysely<Database>): Promise<Backup> {
    const backup = isUuid(backupId) ? await this.d.backups.get(backupId, ex) : undefined;
    if (backup && backup.projectId === caller.projectId) return backup;
    if (backup && (await this.d.shares.isSharedWith(backup.id, caller.projectId, ex))) throw ownerOnly(backup.id);
    throw new NotFound('backup', backupId, `backup ${backupId} is not a backup of project ${caller.projectId}`);
  }

  async share(caller: Caller, req: ShareBackup): Promise<Share[]> {
    const { db, shares, clock } = this.d;
    try {
      return await db.transaction().execute(async (tx) => {
        const backup = await this.ownBackup(caller, req.backupId, tx);
        if (backup.status !== 'available') {
          throw new InvalidState('backup', backup.id, backup.status, ['available'], `backup ${backup.id} is ${backup.status}; only an available backup can be shared`, 'backup.not-available');
        }
        if (req.toProjectIds.includes(caller.projectId)) throw new InvalidInput(`A backup cannot be shared with its own project (${caller.projectId}).`);
        const known = new Set((await tx.selectFrom('projects').select('id').where('id', 'in', req.toProjectIds).execute()).map((p) => p.id));
        const unknown = req.toProjectIds.find((to) => !known.has(to));
        if (unknown !== undefined) throw new NotFound('project', unknown, `Project ${unknown} does not exist; the backup was shared with no project.`);
        const already = new Set((await shares.sharesOfBackup(backup.id, tx)).map((s) => s.toProjectId));
        const again = req.toProjectIds.find((to) => already.has(to));
        if (again) throw new Conflict(`Backup ${backup.id} is already shared with project ${again}; the backup was shared with no other project.`);
        const now = clock.now();
        const made: Share[] = req.toProjectIds.map((to) => ({ id: newUuid(), backupId: backup.id, fromProjectId: caller.projectId, toProjectId: to, createdAt: now, updatedAt: null }));
        for (const s of made) await shares.insert(s, tx);
        return made;
      });
    } catch (err) {
      // Two requests raced to share the backup with the same project; the other one won.
      if (isUniqueViolation(err)) throw new Conflict(`Backup ${req.backupId} is already shared with one of the projects; the backup was shared with no other project.`);
      throw err;
    }
  }

  /** Ends one share, or every share of a backup; how many ended. */
  async cancel(caller: Caller, what: CancelShare): Promise<number> {
    const { db, shares } = this.d;
    return db.transaction().execute(async (tx) => {
      if ('backupId' in what) {
        const backup = await this.ownBackup(caller, what.backupId, tx);
        const ended = await shares.delete((await shares.sharesOfBackup(backup.id, tx)).map((s) => s.id), tx);
        if (ended === 0) throw new NotFound('share', backup.id, `Backup ${backup.id} is not shared with any project.`);
        return ended;
      }
      const share = isUuid(what.shareId) ? await shares.get(what.shareId, tx) : undefined;
      if (!share || (share.fromProjectId !== caller.projectId && share.toProjectId !== caller.projectId)) throw new NotFound('share', what.shareId);
      if (share.fromProjectId !== caller.projectId) throw ownerOnly(share.backupId);
      return shares.delete([share.id], tx);
    });
  }

  /** A share the caller's project made or received. */
  async show(caller: Caller, id: string): Promise<SharedBackup> {
    const found = isUuid(id) ? await this.d.shares.withBackup(id) : undefined;
    if (!found || (found.share.fromProjectId !== caller.projectId && found.share.toProjectId !== caller.projectId)) throw new NotFound('share', id);
    return found;
  }

  /** Shares the caller's project made (or received) that match the query, one page of them. */
  async list(caller: Caller, q: ShareQuery): Promise<Page<SharedBackup>> {
    // Pages are cut by share id.
    return this.d.shares.page({ side: q.side, projectId: caller.projectId, exact: q.exact, name: q.name }, q.page);
  }

  /** How many shares match the query, whatever the page. */
  async count(caller: Caller, q: ShareQuery): Promise<number> {
    return this.d.shares.count({ side: q.side, projectId: caller.projectId, exact: q.exact, name: q.name });
  }
}
