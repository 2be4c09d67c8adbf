import type { Api, Page } from './api.js';

export interface Backup {
  id: string;
  name: string | null;
  status: string;
  description: string | null;
  availability_zone: string | null;
  volume_id: string;
  snapshot_id: string | null;
  fail_reason: string | null;
  size: number;
  object_count: number | null;
  container: string | null;
  created_at: string;
  updated_at: string | null;
  data_timestamp: string;
  has_dependent_backups: boolean;
  is_incremental: boolean;
  /** At /v2 only: a JSON object as text (progress, Type, AT, SS, CS, DL ...). */
  service_metadata?: string;
  metadata?: Record<string, string>;
}

export interface BackupFilters {
  /** Part of the name (Cinder's fuzzy `name~`, 3.31). */
  name?: string;
  status?: string;
  volume_id?: string;
}

export type BackupSortKey = 'name' | 'status' | 'size' | 'created_at' | 'updated_at' | 'id';

export interface BackupListing {
  filters: BackupFilters;
  sort: { key: BackupSortKey; dir: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

export const BACKUP_STATUSES = ['creating', 'available', 'deleting', 'error', 'restoring', 'error_restoring', 'error_deleting'];
export const BACKUP_BUSY = new Set(['creating', 'deleting', 'restoring']);

const v3 = (api: Api) => `/v3/${api.projectId}/backups`;

/** One page of Cinder v3's detailed listing, with its total (with_count, 3.45). */
export async function listBackups(api: Api, l: BackupListing): Promise<Page<Backup>> {
  const body = await api.client.get<{ backups: Backup[]; count?: number }>(`${v3(api)}/detail`, {
    with_count: true,
    limit: l.limit,
    offset: l.offset,
    sort: `${l.sort.key}:${l.sort.dir}`,
    'name~': l.filters.name?.trim(),
    status: l.filters.status,
    volume_id: l.filters.volume_id?.trim(),
  });
  return { items: body.backups, count: body.count };
}

/** The /v2 view: it carries service_metadata (progress, throughput, sizes), which v3's does not. */
export async function getBackup(api: Api, id: string): Promise<Backup> {
  return (await api.client.get<{ backup: Backup }>(`/v2/${api.projectId}/backups/${encodeURIComponent(id)}`)).backup;
}

/** service_metadata's figures; {} when it is absent or not an object. */
export function serviceMetadata(b: Backup): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(b.service_metadata ?? '{}');
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function backupProgress(b: Backup): number | null {
  const p = serviceMetadata(b).progress;
  return typeof p === 'number' && Number.isFinite(p) ? Math.max(0, Math.min(100, Math.round(p))) : null;
}

export interface NewBackup {
  volume_id: string;
  name: string;
  description?: string;
  incremental: boolean;
  force: boolean;
}

/**
 * Cinder's create, not VBS's: it takes `force` (VBS backs an attached volume up without asking),
 * `incremental`, and the names and 255-character descriptions VBS refuses. It answers no job,
 * so the console follows the backup itself: its status and service_metadata progress are what
 * the create job writes as it runs, and its fail_reason is the job's.
 */
export async function createBackup(api: Api, b: NewBackup): Promise<{ id: string }> {
  const backup = { volume_id: b.volume_id, name: b.name, incremental: b.incremental, force: b.force, ...(b.description ? { description: b.description } : {}) };
  return (await api.client.post<{ backup: { id: string } }>(v3(api), { backup })).backup;
}

/** Into an existing volume, VBS's restore: it answers a job, whose progress and error code the console shows. */
export async function restoreIntoVolume(api: Api, backupId: string, volumeId: string): Promise<{ job_id: string }> {
  return api.client.post<{ job_id: string }>(`/v2/${api.projectId}/cloudbackups/${encodeURIComponent(backupId)}/restore`, { restore: { volume_id: volumeId } });
}

/** Into a new volume, Cinder's restore (VBS's restores only into an existing one): the new volume's id. */
export async function restoreIntoNewVolume(api: Api, backupId: string, name: string): Promise<{ volume_id: string }> {
  return (await api.client.post<{ restore: { volume_id: string } }>(`${v3(api)}/${encodeURIComponent(backupId)}/restore`, { restore: { name: name || null } })).restore;
}

/**
 * Cinder's delete (VBS's is a deprecated POST): the console follows the backup until it is gone,
 * or shows error_deleting with its fail_reason.
 */
export async function deleteBackup(api: Api, id: string): Promise<void> {
  await api.client.delete(`${v3(api)}/${encodeURIComponent(id)}`);
}
