import type { QuotaUsage, QuotaValues } from '../../services/volumes/quota-service.js';

/** `quota_set` of a project, with its id when shown (Cinder leaves the id out of an update's answer). */
export function quotaSet(values: QuotaValues | Record<string, QuotaUsage>, projectId?: string) {
  return { quota_set: { ...(projectId !== undefined ? { id: projectId } : {}), ...values } };
}

export function limitsView(absolute: Record<string, number>) {
  return { limits: { rate: [], absolute } };
}
