import type { Policy, Tag } from '../../services/policies/policy-repository.js';
import { formatStartTimes, WEEK_DAYS } from '../../services/policies/policy-repository.js';
import type { PolicyListing, ResourceOutcome } from '../../services/policies/policy-service.js';
import type { TaggedPolicy, TagQueryResult } from '../../services/policies/policy-tags.js';
import { fromDomainError } from '../error-mapping.js';
import type { AssociationView, DisassociationView, PolicyView, ScheduleView, TagQueryView, TagView } from '../schemas/policies.js';
import { HOST } from './cinder-volumes.js';

// Each view answers the type of its reply schema (src/http/schemas/policies.ts), so a field sent
// and a field documented cannot part.

/** scheduled_policy as the policy routes show it: one of each pair, the one that is set. */
export function scheduleView(p: Policy): ScheduleView {
  return {
    start_time: formatStartTimes(p.startTimes),
    ...(p.frequency !== null ? { frequency: p.frequency } : {}),
    ...(p.weekDays !== null ? { week_frequency: p.weekDays.map((d) => WEEK_DAYS[d]) } : {}),
    ...(p.retentionNum !== null ? { rentention_num: p.retentionNum } : {}),
    ...(p.retentionDays !== null ? { rentention_day: p.retentionDays } : {}),
    remain_first_backup_of_curMonth: p.remainFirstBackupOfCurMonth ? 'Y' : 'N',
    status: p.status,
  };
}

export function policyView({ policy, resourceCount, tags }: PolicyListing): PolicyView {
  return {
    backup_policy_id: policy.id,
    backup_policy_name: policy.name,
    scheduled_policy: scheduleView(policy),
    policy_resource_count: resourceCount,
    time_zone: policy.timeZone,
    tags: tagsView(tags),
    created_at: policy.createdAt.toISOString(),
  };
}

export function tagsView(tags: readonly Tag[]): TagView[] {
  return tags.map((t) => ({ key: t.key, value: t.value }));
}

/** success_resources and fail_resources, each failure with its AutoBackup code, items as `item` shows them. */
function outcomesView<T>(outcomes: readonly ResourceOutcome[], item: (o: ResourceOutcome) => T): { success_resources: T[]; fail_resources: Array<T & { code: string; message: string }> } {
  return {
    success_resources: outcomes.filter((o) => !o.error).map(item),
    fail_resources: outcomes.flatMap((o) => {
      if (!o.error) return [];
      const { code, message } = fromDomainError(o.error, 'autobackup');
      return [{ ...item(o), code, message }];
    }),
  };
}

/** An association: each volume with its type, zone and host (empty for a volume not found). */
export function associationView(outcomes: readonly ResourceOutcome[]): AssociationView {
  return outcomesView(outcomes, (o) => ({
    resource_id: o.resourceId,
    resource_type: o.resourceType ?? '',
    availability_zone: o.volume?.availabilityZone ?? '',
    os_vol_host_attr: o.volume ? HOST : '',
  }));
}

/** A disassociation: each volume by its id alone. */
export function disassociationView(outcomes: readonly ResourceOutcome[]): DisassociationView {
  return outcomesView(outcomes, (o) => ({ resource_id: o.resourceId }));
}

/** resource_instances/action: policies as tagged resources; count answers the total alone. */
export function tagQueryView(r: TagQueryResult): TagQueryView {
  if (r.action === 'count') return { total_count: r.total };
  return {
    total_count: r.total,
    resources: r.page.map(({ policy, tags }: TaggedPolicy) => ({
      resource_id: policy.id,
      resource_name: policy.name,
      resource_detail: { backup_policy_id: policy.id, backup_policy_name: policy.name, scheduled_policy: scheduleView(policy), time_zone: policy.timeZone },
      tags: tagsView(tags),
    })),
  };
}
