import type { Api } from './api.js';

export interface QuotaUse {
  used: number;
  /** -1: unlimited. */
  limit: number;
}

export interface VolumeState {
  id: string;
  name: string | null;
  size: number;
  status: string;
  /** Bound to a backup policy that is ON. */
  protected: boolean;
  policy_id: string | null;
  backups: number;
  last_backup_at: string | null;
  last_backup_age_seconds: number | null;
}

export interface Statistics {
  project_id: string;
  generated_at: string;
  backups: {
    total: number;
    by_status: Record<string, number>;
    logical_bytes: number;
    stored_bytes: number;
    saving_percent: number | null;
    without_figures: number;
  };
  volumes: VolumeState[];
  quota: { backups: QuotaUse; backup_gigabytes: QuotaUse };
}

export async function getStatistics(api: Api): Promise<Statistics> {
  return (await api.client.get<{ statistics: Statistics }>(`/v2/${api.projectId}/cloudbackups/statistics`)).statistics;
}

/** The project's volume quota (Cinder's os-quota-sets with usage): in use and the limit. */
export async function getVolumeQuota(api: Api): Promise<QuotaUse> {
  const r = await api.client.get<{ quota_set: { volumes: { in_use: number; limit: number } } }>(`/v3/${api.projectId}/os-quota-sets/${api.projectId}`, { usage: 'True' });
  return { used: r.quota_set.volumes.in_use, limit: r.quota_set.volumes.limit };
}
