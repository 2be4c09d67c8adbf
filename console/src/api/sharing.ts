import type { Api } from './api.js';

/** The source backup as a share shows it (Cinder's backup fields). */
export interface SharedBackup {
  id: string;
  name: string | null;
  status: string;
  size: number;
  volume_id: string;
  availability_zone: string | null;
  created_at: string;
}

export interface Share {
  id: string;
  backup_id: string;
  from_project_id: string;
  to_project_id: string;
  created_at: string;
  backup: SharedBackup;
}

const base = (api: Api) => `/v2/${api.projectId}/os-vendor-backup-sharing`;

/** Shares this project made (toMe false) or that were made with it (toMe true). */
export async function listShares(api: Api, toMe: boolean): Promise<Share[]> {
  return (await api.client.get<{ shared: Share[] }>(`${base(api)}/detail`, { share_to_me: toMe ? 'true' : undefined, sort_key: 'created_at', sort_dir: 'desc' })).shared;
}

export async function shareBackup(api: Api, backupId: string, projectIds: string[]): Promise<Share[]> {
  return (await api.client.post<{ shared: Share[] }>(base(api), { shared: { backup_id: backupId, to_project_ids: projectIds } })).shared;
}

export async function cancelShare(api: Api, shareId: string): Promise<void> {
  await api.client.delete(`${base(api)}/${encodeURIComponent(shareId)}`);
}

export async function cancelAllShares(api: Api, backupId: string): Promise<void> {
  await api.client.delete(`${base(api)}/${encodeURIComponent(backupId)}`, { is_backup_id: 'true' });
}

/** The project's available backups, the ones it can share. */
export async function listAvailableBackups(api: Api): Promise<SharedBackup[]> {
  return (await api.client.get<{ backups: SharedBackup[] }>(`/v3/${api.projectId}/backups/detail`, { status: 'available', sort: 'created_at:desc', limit: 200 })).backups;
}

/** Restores a backup (own or shared with this project) into one of this project's volumes. */
export async function restoreInto(api: Api, backupId: string, volumeId: string): Promise<void> {
  await api.client.post(`/v3/${api.projectId}/backups/${encodeURIComponent(backupId)}/restore`, { restore: { volume_id: volumeId } });
}

/** A new volume of this project made from a backup (Cinder's backup_id, microversion 3.47). */
export async function volumeFromBackup(api: Api, backupId: string, name: string, size: number): Promise<string> {
  const r = await api.client.post<{ volume: { id: string } }>(`/v3/${api.projectId}/volumes`, { volume: { backup_id: backupId, name, size } });
  return r.volume.id;
}
