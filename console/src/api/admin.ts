/** Cloud administration: Keystone projects, users and role grants, IAM access keys, store verify and gc. */
import type { Api } from './api.js';
import type { Session } from './session.js';
import type { Static } from '@sinclair/typebox';
import type { GcReport as GcSchema, VerifyReport as VerifySchema } from '../../../src/http/schemas/store-reports.js';
import type { Job } from './jobs.js';

export interface Project {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
}

export interface User {
  id: string;
  name: string;
  enabled: boolean;
  default_project_id?: string;
}

export interface Role {
  id: string;
  name: string;
}

export interface Credential {
  access: string;
  status: 'active' | 'inactive';
  user_id: string;
  create_time: string;
  description: string;
  project_id: string;
}

/** A key just made: the only reply that carries its secret. */
export interface NewCredential extends Credential {
  secret: string;
}

/** Keystone's rule: the admin role in a token scoped to the admin project. */
export function isCloudAdmin(session: Session): boolean {
  return session.isAdminProject === true && session.roles.includes('admin');
}

const id = '/identity/v3';

export async function listProjects(api: Api): Promise<Project[]> {
  return (await api.client.get<{ projects: Project[] }>(`${id}/projects`)).projects;
}

export async function createProject(api: Api, name: string, description: string): Promise<Project> {
  return (await api.client.post<{ project: Project }>(`${id}/projects`, { project: { name, description } })).project;
}

export async function deleteProject(api: Api, projectId: string): Promise<void> {
  await api.client.delete(`${id}/projects/${encodeURIComponent(projectId)}`);
}

export async function listUsers(api: Api): Promise<User[]> {
  return (await api.client.get<{ users: User[] }>(`${id}/users`)).users;
}

export async function listRoles(api: Api): Promise<Role[]> {
  return (await api.client.get<{ roles: Role[] }>(`${id}/roles`)).roles;
}

/** A user with a password, its default project, and a role granted on that project. */
export async function createUser(api: Api, u: { name: string; password: string; projectId: string; roleId: string }): Promise<User> {
  const user = (await api.client.post<{ user: User }>(`${id}/users`, { user: { name: u.name, password: u.password, default_project_id: u.projectId } })).user;
  await api.client.put(`${id}/projects/${encodeURIComponent(u.projectId)}/users/${encodeURIComponent(user.id)}/roles/${encodeURIComponent(u.roleId)}`);
  return user;
}

export async function deleteUser(api: Api, userId: string): Promise<void> {
  await api.client.delete(`${id}/users/${encodeURIComponent(userId)}`);
}

const keys = '/identity/v3.0/OS-CREDENTIAL/credentials';

export async function listCredentials(api: Api, userId: string): Promise<Credential[]> {
  return (await api.client.get<{ credentials: Credential[] }>(keys, { user_id: userId })).credentials;
}

export async function createCredential(api: Api, userId: string, description: string): Promise<NewCredential> {
  return (await api.client.post<{ credential: NewCredential }>(keys, { credential: { user_id: userId, ...(description ? { description } : {}) } })).credential;
}

export async function setCredentialStatus(api: Api, access: string, status: 'active' | 'inactive'): Promise<void> {
  await api.client.put(`${keys}/${encodeURIComponent(access)}`, { credential: { status } });
}

export async function deleteCredential(api: Api, access: string): Promise<void> {
  await api.client.delete(`${keys}/${encodeURIComponent(access)}`);
}

/** Starts a verify of a project's backups in the block store (all, or one): its job id. */
export async function startStoreVerify(api: Api, projectId: string, backupId?: string): Promise<string> {
  return (await api.client.post<{ job_id: string }>(`/v1/${encodeURIComponent(projectId)}/store/verify`, backupId ? { backup_id: backupId } : {})).job_id;
}

/** Starts a gc of a project's namespace of the block store: its job id. */
export async function startStoreGc(api: Api, projectId: string, graceSeconds?: number): Promise<string> {
  return (await api.client.post<{ job_id: string }>(`/v1/${encodeURIComponent(projectId)}/store/gc`, graceSeconds === undefined ? {} : { grace_seconds: graceSeconds })).job_id;
}

/** What the server's reply schemas declare for a store job's results. */
export type VerifyReport = Static<typeof VerifySchema>;
export type GcReport = Static<typeof GcSchema>;
/** A store job as GET /v1/{project_id}/jobs/{job_id} shows it: its report in its entities. */
export type StoreJob = Job;

export async function getStoreJob(api: Api, projectId: string, jobId: string): Promise<StoreJob> {
  return api.client.get<StoreJob>(`/v1/${encodeURIComponent(projectId)}/jobs/${encodeURIComponent(jobId)}`);
}
