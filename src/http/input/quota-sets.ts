import type { QuotaValues } from '../../services/volumes/quota-service.js';
import type { UpdateQuotas } from '../../services/volumes/quota-sets.js';
import { bad, bodyObject } from './common.js';

/** Keys clients echo back from a show; they change nothing. */
const IGNORED = new Set(['id', 'tenant_id', 'skip_validation']);

/**
 * PUT os-quota-sets/{target} (`quota_set`) and os-quota-class-sets/{class} (`quota_class_set`):
 * Cinder's rules for values, each failure 400 badRequest; the service knows which keys name a resource.
 */
export function quotaUpdateRequest(body: unknown, envelope: 'quota_set' | 'quota_class_set' = 'quota_set'): UpdateQuotas {
  const set = bodyObject(body, envelope);
  const limits: QuotaValues = {};
  for (const [key, raw] of Object.entries(set)) {
    if (IGNORED.has(key)) continue;
    const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1 || n > 2 ** 31 - 1) {
      throw bad(`Quota limit ${JSON.stringify(raw)} for ${key} must be a whole number from -1 (unlimited).`);
    }
    limits[key] = n;
  }
  return { limits };
}
