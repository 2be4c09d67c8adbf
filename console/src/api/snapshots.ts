import type { Api } from './api.js';

export interface Snapshot {
  id: string;
  name: string | null;
  description: string | null;
  volume_id: string;
  size: number;
  status: string;
  created_at: string;
  updated_at: string | null;
}

const base = (api: Api) => `/v3/${api.projectId}/snapshots`;

export async function listSnapshots(api: Api): Promise<Snapshot[]> {
  return (await api.client.get<{ snapshots: Snapshot[] }>(`${base(api)}/detail`)).snapshots;
}

export async function createSnapshot(api: Api, s: { volume_id: string; name: string; description?: string; force: boolean }): Promise<Snapshot> {
  return (await api.client.post<{ snapshot: Snapshot }>(base(api), { snapshot: s })).snapshot;
}

export async function deleteSnapshot(api: Api, id: string): Promise<void> {
  await api.client.delete(`${base(api)}/${encodeURIComponent(id)}`);
}

export const SNAPSHOT_BUSY = new Set(['creating', 'deleting', 'backing-up', 'restoring']);
