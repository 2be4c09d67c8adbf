import { ApiError } from '../../common/errors.js';
import { isUuid } from '../../common/ids.js';
import type { GcStoreCommand, VerifyStoreCommand } from '../../services/backups/store-jobs.js';
import { StoreGcBody, StoreVerifyBody } from '../schemas/store.js';
import { refuseUnknownFields } from './common.js';

type Obj = Record<string, unknown>;

/** The body of a store job: none, or an object of the schema's fields only. */
function bodyOf(body: unknown, schema: typeof StoreVerifyBody | typeof StoreGcBody): Obj {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError('VolumeBackup.0002', 'the body must be a JSON object');
  refuseUnknownFields(body as Obj, schema, 'VolumeBackup.0002', 'the body');
  return body as Obj;
}

/** POST /v1/{project_id}/store/verify. */
export function storeVerifyRequest(body: unknown): VerifyStoreCommand {
  const b = bodyOf(body, StoreVerifyBody);
  if (b.backup_id === undefined || b.backup_id === null) return {};
  if (!isUuid(b.backup_id)) throw new ApiError('VolumeBackup.0204', `api request parameter backup_id invalid UUID pattern: "${String(b.backup_id)}"`);
  return { backupId: b.backup_id };
}

/** POST /v1/{project_id}/store/gc. */
export function storeGcRequest(body: unknown): GcStoreCommand {
  const b = bodyOf(body, StoreGcBody);
  const g = b.grace_seconds;
  if (g === undefined || g === null) return {};
  if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g > 2 ** 31 - 1) {
    throw new ApiError('VolumeBackup.0002', `grace_seconds must be a whole number of seconds from 0, got ${JSON.stringify(g)}`);
  }
  return { graceSeconds: g };
}
