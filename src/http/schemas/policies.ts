/**
 * The AutoBackup family's bodies, requests and replies: backup policies, their volumes, their
 * tags, running them at once and their tasks (API reference §5.2). The request bodies' objects
 * are also the parsers' lists of fields (src/http/input/policies.ts, policy-tags.ts): a field
 * they do not name is refused with AutoBackup.0221.
 */
import { Type, type ObjectOptions, type Static, type TProperties } from '@sinclair/typebox';
import { WEEK_DAYS } from '../../services/policies/policy-repository.js';
import { TASK_STATUSES } from '../../services/policies/policy-runs-repository.js';
import { NoBody, errorResponses } from './common.js';

export const ProjectParams = Type.Object({ project_id: Type.String() });
export const PolicyParams = Type.Object({ project_id: Type.String(), policy_id: Type.String({ description: 'backup policy id (UUID)' }) });
export const PolicyTagParams = Type.Object({ project_id: Type.String(), policy_id: Type.String(), key: Type.String({ description: 'tag key, URL-encoded' }) });

/** One of a few strings, typed as their union. */
const literals = <T extends string>(values: readonly T[], description?: string) => Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

const WeekDay = literals(WEEK_DAYS);
const OnOff = literals(['ON', 'OFF'], 'only ON policies are scheduled');
const YesNo = literals(['Y', 'N'], 'keep the first backup of the current month beyond the retention rule');

// ---- Requests ----

/** A body object: a field it does not name is refused (AutoBackup.0221), and the document says so. */
const Closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) => Type.Object(properties, { ...options, additionalProperties: false });

/** A tag as policy bodies carry it; a missing value is the empty value (on delete: any value). */
export const TagBody = Closed({
  key: Type.String({ pattern: '^[A-Za-z0-9_-]{1,36}$' }),
  value: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{0,43}$' })),
});

/** scheduled_policy of a create: start_time, status and one of frequency and week_frequency are required. */
export const CreateScheduleBody = Closed({
  start_time: Type.String({ description: 'full UTC hours HH:00, comma separated, in ascending local time (e.g. "22:00,00:00,02:00" at UTC+02:00)' }),
  frequency: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, description: 'days between runs; or week_frequency' })),
  week_frequency: Type.Optional(Type.Array(WeekDay, { minItems: 1, uniqueItems: true, description: 'days of the week; or frequency' })),
  rentention_num: Type.Optional(Type.Integer({ minimum: 2, maximum: 99, description: 'backups kept per volume; or rentention_day (the reference\'s spelling)' })),
  rentention_day: Type.Optional(Type.Number({ minimum: 2, exclusiveMaximum: 100000, description: 'days backups are kept, rounded down; or rentention_num' })),
  remain_first_backup_of_curMonth: Type.Optional(YesNo),
  status: OnOff,
});

/** scheduled_policy of a modification: the fields given change; setting one of a pair clears the other. */
export const UpdateScheduleBody = Type.Partial(CreateScheduleBody, { minProperties: 1, additionalProperties: false });

const policyName = (more = '') => Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: `1 to 64 letters, digits, _ and -${more}` });
const TimeZone = Type.String({ pattern: '^UTC[+-]\\d{2}:[0-5]\\d$', description: 'UTC-12:00 to UTC+14:00; UTC+00:00 when not given' });

export const CreatePolicyBody = Closed({
  backup_policy_name: policyName(),
  scheduled_policy: CreateScheduleBody,
  time_zone: Type.Optional(TimeZone),
  tags: Type.Optional(Type.Array(TagBody, { maxItems: 10, description: 'distinct keys' })),
});

export const UpdatePolicyBody = Closed(
  {
    backup_policy_name: Type.Optional(policyName('; not starting with "default", and the default policy keeps its name')),
    scheduled_policy: Type.Optional(UpdateScheduleBody),
    time_zone: Type.Optional(TimeZone),
  },
  { minProperties: 1 },
);

export const AssociatedResourceBody = Closed({ resource_id: Type.String(), resource_type: Type.Literal('volume', { description: 'another type fails alone (AutoBackup.0211)' }) });
export const AssociateBody = Closed({
  backup_policy_id: Type.String(),
  resources: Type.Array(AssociatedResourceBody, { minItems: 1, description: 'an entry that cannot be bound fails alone, in fail_resources' }),
});

export const DisassociatedResourceBody = Closed({ resource_id: Type.String() });
export const DisassociateBody = Closed({ resources: Type.Array(DisassociatedResourceBody, { minItems: 1 }) });

export const AddTagBody = Closed({ tag: TagBody });

export const TagBatchBody = Closed({
  action: literals(['create', 'update', 'delete'], 'create adds or overwrites; update sets keys the policy has; delete removes keys (those with a value only when it matches)'),
  tags: Type.Array(TagBody),
});

export const TagConditionBody = Closed({
  key: Type.String({ pattern: '^[A-Za-z0-9_-]{1,36}$' }),
  values: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{0,43}$' }), { description: 'any of these values; any value at all when empty' }),
});
export const NameMatchBody = Closed({ key: Type.Literal('resource_name'), value: Type.String({ maxLength: 255, description: 'part of the policy name, any case' }) });

const Count = (description: string) => Type.Union([Type.Integer(), Type.String({ pattern: '^\\d+$' })], { description });
const Conditions = (description: string) => Type.Optional(Type.Array(TagConditionBody, { description }));

export const TagQueryBody = Closed({
  action: literals(['filter', 'count'], 'count answers total_count alone'),
  tags: Conditions('every condition holds'),
  tags_any: Conditions('at least one condition holds'),
  not_tags: Conditions('not every condition holds'),
  not_tags_any: Conditions('no condition holds'),
  matches: Type.Optional(Type.Array(NameMatchBody)),
  limit: Type.Optional(Count('1 to 1000, 1000 when not given')),
  offset: Type.Optional(Count('from 0')),
});

export const TaskListingQuery = Type.Object({
  sort_order: Type.Optional(literals(['asc', 'desc'], 'desc when not given')),
  sort_key: Type.Optional(Type.Literal('created_at')),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: '20 when not given' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, description: '0 when not given' })),
  marker: Type.Optional(Type.String({ description: 'job_id of the last task of the previous page' })),
  job_id: Type.Optional(Type.String()),
  status: Type.Optional(literals(TASK_STATUSES)),
});

// ---- Replies ----

/** scheduled_policy as sent: of each pair (frequency/week_frequency, rentention_num/rentention_day) the one that is set. */
export const ScheduleView = Type.Object({
  start_time: Type.String({ description: 'UTC hours HH:00, comma separated' }),
  frequency: Type.Optional(Type.Integer()),
  week_frequency: Type.Optional(Type.Array(WeekDay)),
  rentention_num: Type.Optional(Type.Integer()),
  rentention_day: Type.Optional(Type.Integer()),
  remain_first_backup_of_curMonth: YesNo,
  status: OnOff,
});

export const TagView = Type.Object({ key: Type.String(), value: Type.String() });

export const PolicyView = Type.Object({
  backup_policy_id: Type.String(),
  backup_policy_name: Type.String(),
  scheduled_policy: ScheduleView,
  policy_resource_count: Type.Integer({ description: 'volumes bound to the policy' }),
  time_zone: Type.String(),
  tags: Type.Array(TagView),
  created_at: Type.String({ description: "this service's addition: when the policy was made; day 0 of its frequency counting (a console previews the next runs from it)" }),
});

const PolicyId = Type.Object({ backup_policy_id: Type.String() });

const Failure = { code: Type.String({ description: 'AutoBackup error code' }), message: Type.String() };
const AssociatedFields = {
  resource_id: Type.String(),
  resource_type: Type.String({ description: 'as given; empty when not given' }),
  availability_zone: Type.String({ description: 'empty for a volume not found' }),
  os_vol_host_attr: Type.String({ description: 'empty for a volume not found' }),
};
export const AssociationView = Type.Object({
  success_resources: Type.Array(Type.Object(AssociatedFields)),
  fail_resources: Type.Array(Type.Object({ ...AssociatedFields, ...Failure })),
});
export const DisassociationView = Type.Object({
  success_resources: Type.Array(Type.Object({ resource_id: Type.String() })),
  fail_resources: Type.Array(Type.Object({ resource_id: Type.String(), ...Failure })),
});

export const ProjectTagsView = Type.Object({ tags: Type.Array(Type.Object({ key: Type.String(), values: Type.Array(Type.String()) })) });

export const TagQueryView = Type.Object({
  total_count: Type.Integer({ description: 'policies matching, on every page' }),
  resources: Type.Optional(
    Type.Array(
      Type.Object({
        resource_id: Type.String(),
        resource_name: Type.String(),
        resource_detail: Type.Object({ backup_policy_id: Type.String(), backup_policy_name: Type.String(), scheduled_policy: ScheduleView, time_zone: Type.String() }),
        tags: Type.Array(TagView),
      }),
      { description: 'filter only: the page of policies' },
    ),
  ),
});

const TaskTime = Type.String({ description: 'UTC with milliseconds and no zone letter, e.g. 2016-12-02T09:06:46.706' });
export const TaskView = Type.Object({
  status: literals(TASK_STATUSES),
  job_id: Type.String(),
  created_at: TaskTime,
  finished_at: Type.Optional(TaskTime),
  backup_name: Type.Union([Type.String(), Type.Null()]),
  resource_id: Type.String(),
  resource_type: Type.String(),
  vbs_job_id: Type.Optional(Type.String({ description: 'the job of the run' })),
  message: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
});

export type ScheduleView = Static<typeof ScheduleView>;
export type TagView = Static<typeof TagView>;
export type PolicyView = Static<typeof PolicyView>;
export type AssociationView = Static<typeof AssociationView>;
export type DisassociationView = Static<typeof DisassociationView>;
export type TagQueryView = Static<typeof TagQueryView>;
export type TaskView = Static<typeof TaskView>;

export const autobackupErrors = errorResponses('autobackup');

export const PolicyReplies = {
  id: { 200: PolicyId, ...autobackupErrors },
  list: { 200: Type.Object({ backup_policies: Type.Array(PolicyView) }), ...autobackupErrors },
  noContent: { 204: NoBody, ...autobackupErrors },
  associated: { 200: AssociationView, ...autobackupErrors },
  disassociated: { 200: DisassociationView, ...autobackupErrors },
  projectTags: { 200: ProjectTagsView, ...autobackupErrors },
  tagQuery: { 200: TagQueryView, ...autobackupErrors },
  tags: { 200: Type.Object({ tags: Type.Array(TagView) }), ...autobackupErrors },
  tasks: { 200: Type.Object({ count: Type.Integer({ description: 'tasks matching, on every page' }), tasks: Type.Array(TaskView) }), ...autobackupErrors },
};
