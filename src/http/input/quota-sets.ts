import { ApiError } from '../../common/errors.js';
import { QUOTA_RESOURCES, type QuotaValues } from '../../services/volumes/quota-service.js';
import type { UpdateQuotas } from '../../services/volumes/quota-sets.js';
import { bad, bodyObject } from './common.js';

/** Keys clients echo back from a show; they change nothing. */
const IGNORED = new Set(['id', 'tenant_id', 'skip_validation']);

/** PUT /v2|v3/{project_id}/os-quota-sets/{target}: Cinder's rules, each failure 400 badRequest. */
export function quotaUpdateRequest(body: unknown): UpdateQuotas {
  const set = bodyObject(body, 'quota_set');
  const limits: QuotaValues = {};
  const badKeys: string[] = [];
  for (const [key, raw] of Object.entries(set)) {
    if (IGNORED.has(key)) continue;
    if (!QUOTA_RESOURCES.includes(key)) {
      badKeys.push(key);
      continue;
    }
    const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1 || n > 2 ** 31 - 1) {
      throw bad(`Quota limit ${JSON.stringify(raw)} for ${key} must be a whole number from -1 (unlimited).`);
    }
    limits[key] = n;
  }
  if (badKeys.length) throw new ApiError('common.0400', `Bad key(s) in quota set: ${badKeys.join(', ')}.`);
  return { limits };
}
