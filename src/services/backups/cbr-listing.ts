import { ApiError } from '../../common/errors.js';
import type { Db } from '../../db/connect.js';
import { toBackup, type Backup } from './backup-repository.js';
import type { BackupStatus } from './backup-state.js';
import type { ShareLookup } from './share-lookup.js';

/** CBR's names for backup statuses. */
export function cbrStatus(status: BackupStatus): string {
  switch (status) {
    case 'creating':
      return 'protecting';
    case 'available':
    case 'deleting':
    case 'restoring':
      return status;
    default:
      return 'error';
  }
}

const CBR_STATUSES = ['available', 'protecting', 'deleting', 'restoring', 'error', 'waiting_protect', 'waiting_delete', 'waiting_restore'];
const OWN_TYPES = ['private', 'shared', 'all_granted'] as const;
/** A share takes effect at once: there is no pending or rejected share here. */
const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'];
const SORT_KEYS = ['created_at', 'updated_at', 'name', 'status', 'protected_at', 'id', 'resource_size'] as const;
type CbrSortKey = (typeof SORT_KEYS)[number];

export interface CbrQuery {
  checkpointId?: string;
  startTime?: Date;
  endTime?: Date;
  imageType?: string;
  limit: number;
  offset: number;
  marker?: string;
  memberStatus?: string;
  name?: string;
  ownType: (typeof OWN_TYPES)[number];
  parentId?: string;
  resourceAz?: string;
  resourceId?: string;
  resourceName?: string;
  resourceType?: string;
  statuses: string[];
  sort: Array<{ key: CbrSortKey; dir: 'asc' | 'desc' }>;
  vaultId?: string;
}

export interface CbrBackup {
  backup: Backup;
  resourceName: string;
  /** Another project owns it and shares it with the listing's project. */
  shared: boolean;
}

function bad(message: string): ApiError {
  return new ApiError('common.0400', message);
}

function all(raw: unknown): string[] {
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

function one(raw: unknown): string | undefined {
  const v = all(raw);
  return v.length ? v[v.length - 1] : undefined;
}

function time(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const d = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(raw) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw bad(`${name} must look like 2018-02-01T12:00:00Z, got "${raw}".`);
  return d;
}

function positive(name: string, raw: string | undefined, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw bad(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  return Number(raw);
}

/** The query parameters of GET /cbr/v3/{project_id}/backups, checked. */
export function parseCbrQuery(params: Record<string, unknown>): CbrQuery {
  const statuses = all(params.status);
  for (const s of statuses) if (!CBR_STATUSES.includes(s)) throw bad(`status must be one of ${CBR_STATUSES.join(', ')}, got "${s}".`);
  const ownType = one(params.own_type) ?? 'private';
  if (!(OWN_TYPES as readonly string[]).includes(ownType)) throw bad(`own_type must be private, shared or all_granted, got "${ownType}".`);
  const memberStatus = one(params.member_status);
  if (memberStatus !== undefined && !MEMBER_STATUSES.includes(memberStatus)) throw bad(`member_status must be one of ${MEMBER_STATUSES.join(', ')}, got "${memberStatus}".`);
  const usedPercent = one(params.used_percent);
  if (usedPercent !== undefined) positive('used_percent', usedPercent, 1, 100, 1);
  const sortRaw = one(params.sort);
  if (sortRaw !== undefined && sortRaw.length > 255) throw bad('sort may have at most 255 characters.');
  const sort = (sortRaw ?? 'created_at:desc').split(',').filter(Boolean).map((part) => {
    const [key, dir = 'desc'] = part.split(':').map((x) => x.trim());
    if (!(SORT_KEYS as readonly string[]).includes(key)) throw bad(`Invalid sort key "${key}"; use one of ${SORT_KEYS.join(', ')}.`);
    if (dir !== 'asc' && dir !== 'desc') throw bad(`Invalid sort direction "${dir}"; use asc or desc.`);
    return { key: key as CbrSortKey, dir: dir as 'asc' | 'desc' };
  });
  return {
    checkpointId: one(params.checkpoint_id),
    startTime: time('start_time', one(params.start_time)),
    endTime: time('end_time', one(params.end_time)),
    imageType: one(params.image_type),
    limit: positive('limit', one(params.limit), 1, 1000, 1000),
    offset: positive('offset', one(params.offset), 0, Number.MAX_SAFE_INTEGER, 0),
    marker: one(params.marker),
    memberStatus,
    name: one(params.name),
    ownType: ownType as CbrQuery['ownType'],
    parentId: one(params.parent_id),
    resourceAz: one(params.resource_az),
    resourceId: one(params.resource_id),
    resourceName: one(params.resource_name),
    resourceType: one(params.resource_type),
    statuses,
    sort,
    vaultId: one(params.vault_id),
  };
}

/** The vault a project's disk backups live in: one per project, named by the project id. */
export function vaultIdOf(projectId: string): string {
  return `${projectId.slice(0, 8)}-${projectId.slice(8, 12)}-${projectId.slice(12, 16)}-${projectId.slice(16, 20)}-${projectId.slice(20, 32)}`;
}

function sortValue(b: CbrBackup, key: CbrSortKey): string | number {
  switch (key) {
    case 'created_at':
      return b.backup.createdAt.toISOString();
    case 'protected_at':
      return (b.backup.dataTimestamp ?? b.backup.createdAt).toISOString();
    case 'updated_at':
      return (b.backup.updatedAt ?? b.backup.createdAt).toISOString();
    case 'resource_size':
      return b.backup.size;
    case 'status':
      return cbrStatus(b.backup.status);
    default:
      return b.backup[key] ?? '';
  }
}

/** The CBR-style listing: a project's own disk backups (private), those shared with it (shared), or both (all_granted). */
export class CbrListing {
  constructor(
    private readonly db: Db,
    private readonly shares: ShareLookup,
  ) {}

  async list(projectId: string, q: CbrQuery): Promise<{ items: CbrBackup[]; total: number }> {
    // Backups are the only image type here, and disks the only resource type.
    if (q.imageType !== undefined && q.imageType !== 'backup') return { items: [], total: 0 };
    if (q.resourceType !== undefined && q.resourceType !== 'OS::Cinder::Volume') return { items: [], total: 0 };
    // Every backup is whole, so none has a parent.
    if (q.parentId !== undefined) return { items: [], total: 0 };
    const own =
      q.ownType === 'shared'
        ? []
        : await this.db
            .selectFrom('backups')
            .leftJoin('volumes', 'volumes.id', 'backups.volume_id')
            .selectAll('backups')
            .select('volumes.name as volume_name')
            .where('backups.project_id', '=', projectId)
            .execute();
    const shared = q.ownType === 'private' ? [] : await this.shares.backupsSharedWith(projectId);
    let items: CbrBackup[] = [
      ...own.map((r) => ({ backup: toBackup(r), resourceName: r.volume_name ?? '', shared: false })),
      // The owner's volume is not the recipient's to see, not even its name.
      ...shared.map((backup) => ({ backup, resourceName: '', shared: true })),
    ];
    items = items.filter(({ backup: b, resourceName, shared }) => {
      const created = b.createdAt.getTime();
      return (
        // A shared backup stays in its owner's vault.
        (q.vaultId === undefined || q.vaultId === vaultIdOf(b.projectId)) &&
        (q.memberStatus === undefined || !shared || q.memberStatus === 'accepted') &&
        (q.checkpointId === undefined || b.id === q.checkpointId) &&
        (q.startTime === undefined || created >= q.startTime.getTime()) &&
        (q.endTime === undefined || created <= q.endTime.getTime()) &&
        (q.name === undefined || b.name === q.name) &&
        (q.resourceAz === undefined || b.availabilityZone === q.resourceAz) &&
        (q.resourceId === undefined || b.volumeId === q.resourceId) &&
        (q.resourceName === undefined || resourceName === q.resourceName) &&
        (q.statuses.length === 0 || q.statuses.includes(cbrStatus(b.status)))
      );
    });
    const sorts = [...q.sort, { key: 'id' as const, dir: q.sort[0]?.dir ?? 'desc' }];
    items.sort((a, b) => {
      for (const { key, dir } of sorts) {
        const x = sortValue(a, key);
        const y = sortValue(b, key);
        if (x !== y) return (x < y ? -1 : 1) * (dir === 'asc' ? 1 : -1);
      }
      return 0;
    });
    let start = q.offset;
    if (q.marker !== undefined) {
      const at = items.findIndex((x) => x.backup.id === q.marker);
      if (at < 0) throw bad(`marker ${q.marker} is not a backup of this listing.`);
      start += at + 1;
    }
    return { items: items.slice(start, start + q.limit), total: items.length };
  }
}
