import type { Api } from './api.js';

export type WeekDayName = 'SUN' | 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT';

/** scheduled_policy as the API sends and takes it (rentention_* is the reference's spelling). */
export interface ScheduledPolicy {
  /** UTC full hours, "22:00,00:00", in ascending local time. */
  start_time: string;
  frequency?: number;
  week_frequency?: WeekDayName[];
  rentention_num?: number;
  rentention_day?: number;
  remain_first_backup_of_curMonth: 'Y' | 'N';
  status: 'ON' | 'OFF';
}

export interface Tag {
  key: string;
  value: string;
}

export interface Policy {
  backup_policy_id: string;
  backup_policy_name: string;
  scheduled_policy: ScheduledPolicy;
  policy_resource_count: number;
  time_zone: string;
  tags: Tag[];
  /** Absent on servers before the console's addition; frequency counting starts on its day. */
  created_at?: string;
}

export interface PolicyInput {
  backup_policy_name: string;
  scheduled_policy: ScheduledPolicy;
  time_zone: string;
}

export const TASK_STATUSES = ['RUNNING', 'EXECUTE_TIMEOUT', 'WAITING', 'EXECUTE_FAIL', 'EXECUTE_SUCCESS', 'SKIP'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface Task {
  status: TaskStatus;
  job_id: string;
  created_at: string;
  finished_at?: string;
  backup_name: string | null;
  resource_id: string;
  resource_type: string;
  message?: string;
  code?: string;
}

export interface ResourceFailure {
  resource_id: string;
  code: string;
  message: string;
}

const base = (api: Api) => `/v2/${api.projectId}/backuppolicy`;
const one = (api: Api, id: string) => `${base(api)}/${encodeURIComponent(id)}`;

export async function listPolicies(api: Api): Promise<Policy[]> {
  return (await api.client.get<{ backup_policies: Policy[] }>(base(api))).backup_policies;
}

export async function createPolicy(api: Api, p: PolicyInput): Promise<string> {
  return (await api.client.post<{ backup_policy_id: string }>(base(api), p)).backup_policy_id;
}

/** A modification sends every field of the editor: setting one of a pair clears the other. */
export async function updatePolicy(api: Api, id: string, p: PolicyInput): Promise<void> {
  await api.client.put(one(api, id), p);
}

export async function deletePolicy(api: Api, id: string): Promise<void> {
  await api.client.delete(one(api, id));
}

/** Binds volumes; the ones that could not be bound come back, each with its code and message. */
export async function bindVolumes(api: Api, id: string, volumeIds: string[]): Promise<ResourceFailure[]> {
  const r = await api.client.post<{ fail_resources: ResourceFailure[] }>(`/v2/${api.projectId}/backuppolicyresources`, {
    backup_policy_id: id,
    resources: volumeIds.map((v) => ({ resource_id: v, resource_type: 'volume' })),
  });
  return r.fail_resources;
}

export async function unbindVolumes(api: Api, id: string, volumeIds: string[]): Promise<ResourceFailure[]> {
  const r = await api.client.post<{ fail_resources: ResourceFailure[] }>(`/v2/${api.projectId}/backuppolicyresources/${encodeURIComponent(id)}/deleted_resources`, {
    resources: volumeIds.map((v) => ({ resource_id: v })),
  });
  return r.fail_resources;
}

export async function runPolicyNow(api: Api, id: string): Promise<void> {
  await api.client.post(`${one(api, id)}/action`);
}

export async function listTasks(api: Api, id: string, q: { limit: number; offset: number; status?: string }): Promise<{ count: number; tasks: Task[] }> {
  return api.client.get(`${one(api, id)}/backuptasks`, { limit: q.limit, offset: q.offset, status: q.status, sort_order: 'desc' });
}

export async function addPolicyTag(api: Api, id: string, tag: Tag): Promise<void> {
  await api.client.post(`${one(api, id)}/tags`, { tag });
}

export async function removePolicyTag(api: Api, id: string, key: string): Promise<void> {
  await api.client.delete(`${one(api, id)}/tags/${encodeURIComponent(key)}`);
}
