/** `vbs policy ...`: the VBS backup policies of the project (the backuppolicy API). */
import { Option, type Command } from 'commander';
import { ClientError } from '../../client/errors.js';
import { findVolume } from '../../client/lookup.js';
import type { Session } from '../../client/session.js';
import { CLIENT_GROUP, clientAction, clientCommand, count, type ClientContext } from './common.js';

interface PolicyView {
  backup_policy_id: string;
  backup_policy_name: string;
  scheduled_policy: Record<string, unknown>;
  policy_resource_count: number;
  time_zone: string;
  tags: Array<{ key: string; value: string }>;
  [field: string]: unknown;
}

interface Failed {
  resource_id: string;
  code: string;
  message: string;
}

const WEEK_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

async function policies(session: Session): Promise<PolicyView[]> {
  return (await session.request<{ backup_policies: PolicyView[] }>('GET', 'vbs', '/backuppolicy')).backup_policies;
}

/** A policy by id or name: the API lists them all (at most 10 a project), so one listing finds either. */
async function findPolicy(session: Session, ref: string): Promise<PolicyView> {
  const all = await policies(session);
  const found = all.find((p) => p.backup_policy_id === ref) ?? all.find((p) => p.backup_policy_name === ref);
  if (!found) throw new ClientError(`no backup policy with the id or name "${ref}"`);
  return found;
}

/** A table row: the schedule's fields beside the policy's own. */
function flat(p: PolicyView): Record<string, unknown> {
  const s = p.scheduled_policy;
  return {
    id: p.backup_policy_id,
    name: p.backup_policy_name,
    status: s.status,
    start_time: s.start_time,
    frequency: s.frequency ?? (Array.isArray(s.week_frequency) ? s.week_frequency.join(',') : null),
    retention: s.rentention_num !== undefined ? `${String(s.rentention_num)} backups` : s.rentention_day !== undefined ? `${String(s.rentention_day)} days` : null,
    time_zone: p.time_zone,
    volumes: p.policy_resource_count,
  };
}

function show(ctx: ClientContext, p: PolicyView): void {
  ctx.record(ctx.output.format === 'json' ? p : flat(p));
}

interface ScheduleOptions {
  startTime?: string[];
  frequency?: number;
  weekDays?: string;
  keep?: number;
  keepDays?: number;
  keepFirstOfMonth?: boolean;
  timeZone?: string;
  on?: boolean;
  off?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];

function weekDays(raw: string): string[] {
  const days = raw.split(',').map((d) => d.trim().toUpperCase().slice(0, 3));
  const bad = days.filter((d) => !WEEK_DAYS.includes(d));
  if (bad.length) throw new ClientError(`--week-days takes ${WEEK_DAYS.join(',')}, got ${bad.join(', ')}`);
  return days;
}

/** The scheduled_policy fields the options give, in the API's (and the reference's) spelling. */
function schedule(o: ScheduleOptions): Record<string, unknown> {
  if (o.frequency !== undefined && o.weekDays !== undefined) throw new ClientError('give --frequency or --week-days, not both');
  if (o.keep !== undefined && o.keepDays !== undefined) throw new ClientError('give --keep or --keep-days, not both');
  if (o.on && o.off) throw new ClientError('give --on or --off, not both');
  const s: Record<string, unknown> = {};
  if (o.startTime) s.start_time = o.startTime.join(',');
  if (o.frequency !== undefined) s.frequency = o.frequency;
  if (o.weekDays !== undefined) s.week_frequency = weekDays(o.weekDays);
  if (o.keep !== undefined) s.rentention_num = o.keep;
  if (o.keepDays !== undefined) s.rentention_day = o.keepDays;
  if (o.keepFirstOfMonth !== undefined) s.remain_first_backup_of_curMonth = o.keepFirstOfMonth ? 'Y' : 'N';
  if (o.on) s.status = 'ON';
  if (o.off) s.status = 'OFF';
  return s;
}

function scheduleOptions(cmd: Command, creating: boolean): Command {
  return cmd
    .addOption(new Option('--start-time <HH:00>', `a start time, full hours in the policy's time zone (repeatable or comma-separated)${creating ? ', required' : ''}`).argParser(collect))
    .option('--frequency <days>', 'run every this many days (1-30)', count('--frequency', 1))
    .option('--week-days <days>', 'or run on these days, e.g. MON,THU')
    .option('--keep <n>', 'keep this many automatic backups per volume (2-99)', count('--keep', 2))
    .option('--keep-days <n>', 'or keep automatic backups this many days', count('--keep-days', 2))
    .option('--keep-first-of-month', "also keep each month's first backup")
    .option('--time-zone <UTC±HH:mm>', 'time zone of the start times, e.g. UTC+08:00')
    .option('--on', 'scheduled (the default of a new policy)')
    .option('--off', 'not scheduled: runs only when asked');
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('backup policies: scheduled backups of bound volumes, with retention').helpGroup(CLIENT_GROUP);

  clientAction(clientCommand(policy, 'list', "list the project's backup policies"), async (ctx) => {
    const all = await policies(ctx.session);
    ctx.list(ctx.output.format === 'json' ? all : all.map(flat), ['id', 'name', 'status', 'start_time', 'frequency', 'retention', 'time_zone', 'volumes']);
  });

  clientAction<ScheduleOptions>(
    scheduleOptions(clientCommand(policy, 'create <name>', 'create a backup policy (ON unless --off)'), true),
    async (ctx, [name], o) => {
      if (!o.startTime) throw new ClientError('a policy needs --start-time HH:00');
      if (o.frequency === undefined && o.weekDays === undefined) throw new ClientError('a policy needs --frequency DAYS or --week-days DAYS');
      const s: Record<string, unknown> = { status: 'ON', ...schedule(o) };
      if (s.rentention_num === undefined && s.rentention_day === undefined) throw new ClientError('a policy needs --keep N or --keep-days N');
      const body = { backup_policy_name: name, scheduled_policy: s, ...(o.timeZone ? { time_zone: o.timeZone } : {}) };
      const { backup_policy_id } = await ctx.session.request<{ backup_policy_id: string }>('POST', 'vbs', '/backuppolicy', { body });
      show(ctx, await findPolicy(ctx.session, backup_policy_id));
    },
  );

  clientAction(clientCommand(policy, 'show <policy>', 'show a backup policy (id or name)'), async (ctx, [ref]) => {
    show(ctx, await findPolicy(ctx.session, ref));
  });

  clientAction<ScheduleOptions & { name?: string }>(
    scheduleOptions(clientCommand(policy, 'update <policy>', 'change a backup policy: only what is given changes'), false).option('--name <name>', 'a new name'),
    async (ctx, [ref], o) => {
      const p = await findPolicy(ctx.session, ref);
      const s = schedule(o);
      const body = { ...(o.name ? { backup_policy_name: o.name } : {}), ...(Object.keys(s).length ? { scheduled_policy: s } : {}), ...(o.timeZone ? { time_zone: o.timeZone } : {}) };
      if (Object.keys(body).length === 0) throw new ClientError('nothing to change: give --name, a schedule option or --time-zone');
      await ctx.session.request('PUT', 'vbs', `/backuppolicy/${p.backup_policy_id}`, { body });
      show(ctx, await findPolicy(ctx.session, p.backup_policy_id));
    },
  );

  clientAction(clientCommand(policy, 'delete <policy>', 'delete a backup policy (its backups stay)'), async (ctx, [ref]) => {
    const p = await findPolicy(ctx.session, ref);
    await ctx.session.request('DELETE', 'vbs', `/backuppolicy/${p.backup_policy_id}`);
    ctx.record({ id: p.backup_policy_id, name: p.backup_policy_name, status: 'deleted' });
  });

  clientAction(clientCommand(policy, 'bind <policy> <volumes...>', 'bind volumes (ids or names) to a policy; exit status 1 if one could not be'), async (ctx, args) => {
    const [ref, refs] = args as unknown as [string, string[]];
    const p = await findPolicy(ctx.session, ref);
    const ids = await Promise.all(refs.map(async (v) => (await findVolume(ctx.session, v)).id));
    const r = await ctx.session.request<{ success_resources: Array<{ resource_id: string }>; fail_resources: Failed[] }>('POST', 'vbs', '/backuppolicyresources', {
      body: { backup_policy_id: p.backup_policy_id, resources: ids.map((id) => ({ resource_id: id, resource_type: 'volume' })) },
    });
    report(ctx, 'bound', r.success_resources, r.fail_resources);
  });

  clientAction(clientCommand(policy, 'unbind <policy> <volumes...>', 'unbind volumes (ids or names) from a policy'), async (ctx, args) => {
    const [ref, refs] = args as unknown as [string, string[]];
    const p = await findPolicy(ctx.session, ref);
    const ids = await Promise.all(refs.map(async (v) => (await findVolume(ctx.session, v)).id));
    const r = await ctx.session.request<{ success_resources: Array<{ resource_id: string }>; fail_resources: Failed[] }>('POST', 'vbs', `/backuppolicyresources/${p.backup_policy_id}/deleted_resources`, {
      body: { resources: ids.map((id) => ({ resource_id: id })) },
    });
    report(ctx, 'unbound', r.success_resources, r.fail_resources);
  });

  clientAction(clientCommand(policy, 'run <policy>', 'run a policy now: back up each bound volume (follow it with `vbs policy tasks`)'), async (ctx, [ref]) => {
    const p = await findPolicy(ctx.session, ref);
    await ctx.session.request('POST', 'vbs', `/backuppolicy/${p.backup_policy_id}/action`);
    ctx.record({ id: p.backup_policy_id, name: p.backup_policy_name, run: 'started' });
  });

  clientAction<{ status?: string; limit?: number }>(
    clientCommand(policy, 'tasks <policy>', "a policy's backup tasks, newest first: one per volume and run")
      .option('--status <status>', 'RUNNING, WAITING, EXECUTE_SUCCESS, EXECUTE_FAIL, EXECUTE_TIMEOUT or SKIP')
      .option('--limit <n>', 'at most this many (default 20)', count('--limit', 1)),
    async (ctx, [ref], o) => {
      const p = await findPolicy(ctx.session, ref);
      const r = await ctx.session.request<{ count: number; tasks: Array<Record<string, unknown>> }>('GET', 'vbs', `/backuppolicy/${p.backup_policy_id}/backuptasks`, {
        query: { status: o.status, limit: o.limit },
      });
      ctx.list(r.tasks, ['job_id', 'status', 'resource_id', 'backup_name', 'created_at', 'finished_at', 'code']);
    },
  );
}

function report(ctx: ClientContext, verb: string, ok: Array<{ resource_id: string }>, failed: Failed[]): void {
  ctx.list(
    [...ok.map((r) => ({ resource_id: r.resource_id, result: verb, code: null, message: null })), ...failed.map((f) => ({ resource_id: f.resource_id, result: 'failed', code: f.code, message: f.message }))],
    ['resource_id', 'result', 'code', 'message'],
  );
  if (failed.length) throw new ClientError(`${failed.length} of ${ok.length + failed.length} volumes were not ${verb}`);
}
