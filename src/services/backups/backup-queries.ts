import { NotFound } from '../common/errors.js';
import { isUuid } from '../../common/ids.js';
import { type Page, type ResourceQuery, type ResourceSortKey } from '../common/listing.js';
import type { Backup, BackupRepository, BackupRevision } from './backup-repository.js';

/** What a backup listing filters and sorts by. */
export const BACKUP_LISTING = {
  filters: ['name', 'status', 'volume_id'],
  sortKeys: ['name', 'status', 'size', 'id', 'created_at', 'updated_at'],
} as const satisfies { filters: readonly string[]; sortKeys: readonly ResourceSortKey[] };

/** A backup of a listing page: what the caller kept of it, or the backup read whole. */
export type Revised<K> = BackupRevision & ({ kept: K } | { backup: Backup });

/** Reading backups: what a project may see of its own (every project's for an admin asking all_tenants). */
export class BackupQueryService {
  constructor(
    private readonly backups: BackupRepository,
    /** Whether the backup is shared with the project: a recipient may read it (clients read a backup before restoring it). */
    private readonly sharedWith: (backupId: string, projectId: string) => Promise<boolean>,
  ) {}

  /**
   * One page of the project's backups (every project's with all_tenants), for a caller that keeps
   * what it made of backups by revision (which every write of a backup changes): `kept` gives what
   * it holds of one, and only the others are read whole. A backup deleted between the two reads
   * leaves the page; one written between them comes as written.
   */
  async listRevised<K>(projectId: string, q: ResourceQuery, kept: (b: BackupRevision) => K | undefined): Promise<Page<Revised<K>>> {
    const page = await this.backups.pageRevisions(q.allTenants ? null : projectId, q);
    const held = page.items.map((b) => ({ b, k: kept(b) }));
    const read = new Map((await this.backups.revised(held.filter((h) => h.k === undefined).map((h) => h.b.id))).map((r) => [r.backup.id, r]));
    const items: Array<Revised<K>> = [];
    for (const { b, k } of held) {
      const r = read.get(b.id);
      if (k !== undefined) items.push({ ...b, kept: k });
      else if (r) items.push({ id: b.id, ...r });
    }
    return { ...page, items };
  }

  /** One backup of the project or shared with it (any for an administrator); anything else, malformed ids included, is 404. */
  async show(projectId: string, backupId: string, admin = false): Promise<Backup> {
    const b = isUuid(backupId) ? await this.backups.get(backupId) : undefined;
    if (b && (admin || b.projectId === projectId || (await this.sharedWith(b.id, projectId)))) return b;
    throw new NotFound('backup', backupId);
  }
}
