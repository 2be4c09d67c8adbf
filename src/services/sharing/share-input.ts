import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';

/** POST /v2/{project_id}/os-vendor-backup-sharing, once its rules have passed. */
export interface ShareRequest {
  backupId: string;
  toProjectIds: string[];
}

/** More recipients in one request than any real use needs; it bounds the work of one request. */
export const MAX_RECIPIENTS = 100;

function malformed(detail: string): ApiError {
  return new ApiError('VolumeBackup.0002', `api request parameter instance null: ${detail}`);
}

export function shareRequest(body: unknown): ShareRequest {
  const shared = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).shared : undefined;
  if (!shared || typeof shared !== 'object' || Array.isArray(shared)) throw malformed('the body needs a "shared" object with backup_id and to_project_ids');
  const spec = shared as Record<string, unknown>;
  const backupId = spec.backup_id;
  if (backupId === undefined || backupId === null || backupId === '') throw new ApiError('VolumeBackup.0203', 'api request parameter backup_id null');
  if (!isUuid(backupId)) throw new ApiError('VolumeBackup.0204', `api request parameter backup_id invalid UUID pattern: ${JSON.stringify(backupId)}`);
  const to = spec.to_project_ids;
  if (!Array.isArray(to) || to.length === 0) throw malformed('to_project_ids must be a list of 1 or more project ids');
  if (to.length > MAX_RECIPIENTS) throw malformed(`to_project_ids may list at most ${MAX_RECIPIENTS} projects, got ${to.length}`);
  const seen = new Set<string>();
  for (const id of to) {
    if (typeof id !== 'string' || id === '') throw malformed(`every entry of to_project_ids must be a project id, got ${JSON.stringify(id)}`);
    if (seen.has(id)) throw malformed(`project ${id} is listed twice in to_project_ids`);
    seen.add(id);
  }
  return { backupId: backupId.toLowerCase(), toProjectIds: to as string[] };
}
