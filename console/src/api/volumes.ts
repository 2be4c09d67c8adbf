import type { Api } from './api.js';

export interface Volume {
  id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  volume_type: string | null;
  availability_zone: string | null;
  bootable: string;
  created_at: string;
  updated_at: string | null;
  snapshot_id: string | null;
  backup_id?: string | null;
  metadata?: Record<string, string>;
}

export interface VolumeType {
  id: string;
  name: string;
  description: string | null;
  is_public?: boolean;
}

export interface NewVolume {
  name: string;
  size: number;
  volume_type?: string;
  description?: string;
}

const base = (api: Api) => `/v3/${api.projectId}`;

export async function listVolumes(api: Api): Promise<Volume[]> {
  return (await api.client.get<{ volumes: Volume[] }>(`${base(api)}/volumes/detail`, { sort: 'created_at:desc' })).volumes;
}

export async function getVolume(api: Api, id: string): Promise<Volume> {
  return (await api.client.get<{ volume: Volume }>(`${base(api)}/volumes/${encodeURIComponent(id)}`)).volume;
}

export async function createVolume(api: Api, v: NewVolume): Promise<Volume> {
  return (await api.client.post<{ volume: Volume }>(`${base(api)}/volumes`, { volume: v })).volume;
}

export async function deleteVolume(api: Api, id: string): Promise<void> {
  await api.client.delete(`${base(api)}/volumes/${encodeURIComponent(id)}`);
}

export async function listVolumeTypes(api: Api): Promise<VolumeType[]> {
  return (await api.client.get<{ volume_types: VolumeType[] }>(`${base(api)}/types`)).volume_types;
}

/** Statuses that end by themselves: a page showing one polls until it is gone. */
export const VOLUME_BUSY = new Set(['creating', 'deleting', 'attaching', 'detaching', 'backing-up', 'restoring-backup', 'downloading', 'extending', 'reserved']);
