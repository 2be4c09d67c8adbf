import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import type { ScheduledPolicy, WeekDayName } from '../../api/policies.js';
import { formatLocal, localHourOf, nextRuns, parseTimeZoneOffset, scheduleOfInput, startTimeOf, WEEK_DAYS } from '../../api/schedule-preview.js';
import { Checkbox, NumberField, SelectField } from '../../components/Form.js';

/** What the editor edits: the API's scheduled_policy split into the choices a person makes. */
export interface ScheduleDraft {
  /** UTC hours. */
  hours: number[];
  days: 'every' | 'week';
  everyDays: number;
  weekDays: WeekDayName[];
  retention: 'count' | 'days';
  retentionCount: number;
  retentionDays: number;
  keepFirstOfMonth: boolean;
  on: boolean;
  timeZone: string;
}

export function draftOf(s: ScheduledPolicy | undefined, timeZone = 'UTC+00:00'): ScheduleDraft {
  return {
    hours: s ? s.start_time.split(',').map((t) => Number(t.slice(0, 2))) : [2],
    days: s?.week_frequency ? 'week' : 'every',
    everyDays: s?.frequency ?? 1,
    weekDays: s?.week_frequency ?? ['MON'],
    retention: s?.rentention_day !== undefined ? 'days' : 'count',
    retentionCount: s?.rentention_num ?? 7,
    retentionDays: s?.rentention_day ?? 30,
    keepFirstOfMonth: s?.remain_first_backup_of_curMonth === 'Y',
    on: s ? s.status === 'ON' : true,
    timeZone,
  };
}

export function scheduledPolicyOf(d: ScheduleDraft): ScheduledPolicy {
  return {
    start_time: startTimeOf(d.hours, parseTimeZoneOffset(d.timeZone)),
    ...(d.days === 'every' ? { frequency: d.everyDays } : { week_frequency: WEEK_DAYS.filter((w) => d.weekDays.includes(w)) }),
    ...(d.retention === 'count' ? { rentention_num: d.retentionCount } : { rentention_day: d.retentionDays }),
    remain_first_backup_of_curMonth: d.keepFirstOfMonth ? 'Y' : 'N',
    status: d.on ? 'ON' : 'OFF',
  };
}

/** UTC-12:00 .. UTC+14:00 by half hours, and the three zones at :45. */
export const TIME_ZONES: string[] = (() => {
  const zones: number[] = [];
  for (let m = -12 * 60; m <= 14 * 60; m += 30) zones.push(m);
  zones.push(5 * 60 + 45, 8 * 60 + 45, 12 * 60 + 45);
  return zones
    .sort((a, b) => a - b)
    .map((m) => `UTC${m < 0 ? '-' : '+'}${String(Math.floor(Math.abs(m) / 60)).padStart(2, '0')}:${String(Math.abs(m) % 60).padStart(2, '0')}`);
})();

function Toggle({ pressed, label, onToggle, children }: { pressed: boolean; label: string; onToggle: () => void; children: ComponentChildren }) {
  return (
    <button type="button" class="toggle" aria-pressed={pressed} aria-label={label} onClick={onToggle}>
      {children}
    </button>
  );
}

function Choice<T extends string>({ name, value, current, onValue, children }: { name: string; value: T; current: T; onValue: (v: T) => void; children: ComponentChildren }) {
  const id = useId();
  return (
    <div class="choice">
      <input type="radio" id={id} name={name} checked={current === value} onChange={() => onValue(value)} />
      <label for={id}>{children}</label>
    </div>
  );
}

const toggled = <T,>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

/** The schedule's fields: start hours, days, retention, time zone, ON/OFF. */
export function ScheduleFields({ draft, onDraft }: { draft: ScheduleDraft; onDraft: (d: ScheduleDraft) => void }) {
  const set = (patch: Partial<ScheduleDraft>) => onDraft({ ...draft, ...patch });
  const offset = parseTimeZoneOffset(draft.timeZone);
  const name = useId();
  return (
    <>
      <SelectField label="Time zone" value={draft.timeZone} onValue={(timeZone) => set({ timeZone })} options={TIME_ZONES.map((z) => ({ value: z, label: z }))} />
      <fieldset class="hours">
        <legend>Start hours (UTC{offset !== 0 ? `; local time in ${draft.timeZone} below each` : ''})</legend>
        <div class="toggle-grid">
          {Array.from({ length: 24 }, (_, h) => (
            <Toggle key={h} pressed={draft.hours.includes(h)} label={`${String(h).padStart(2, '0')}:00 UTC`} onToggle={() => set({ hours: toggled(draft.hours, h) })}>
              <span>{String(h).padStart(2, '0')}</span>
              {offset !== 0 ? <small aria-hidden="true">{localHourOf(h, offset)}</small> : null}
            </Toggle>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Days</legend>
        <Choice name={`${name}-days`} value="every" current={draft.days} onValue={(days) => set({ days })}>
          Every N days
        </Choice>
        {draft.days === 'every' ? <NumberField label="Every how many days (1-30)" value={draft.everyDays} onValue={(everyDays) => set({ everyDays })} min={1} max={30} /> : null}
        <Choice name={`${name}-days`} value="week" current={draft.days} onValue={(days) => set({ days })}>
          On days of the week ({draft.timeZone})
        </Choice>
        {draft.days === 'week' ? (
          <div class="toggle-row" role="group" aria-label="Days of the week">
            {WEEK_DAYS.map((w) => (
              <Toggle key={w} pressed={draft.weekDays.includes(w)} label={w} onToggle={() => set({ weekDays: toggled(draft.weekDays, w) })}>
                {w}
              </Toggle>
            ))}
          </div>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Retention</legend>
        <Choice name={`${name}-ret`} value="count" current={draft.retention} onValue={(retention) => set({ retention })}>
          Keep a number of backups
        </Choice>
        {draft.retention === 'count' ? <NumberField label="Backups kept per volume (2-99)" value={draft.retentionCount} onValue={(retentionCount) => set({ retentionCount })} min={2} max={99} /> : null}
        <Choice name={`${name}-ret`} value="days" current={draft.retention} onValue={(retention) => set({ retention })}>
          Keep backups for a number of days
        </Choice>
        {draft.retention === 'days' ? <NumberField label="Days kept (2-99999)" value={draft.retentionDays} onValue={(retentionDays) => set({ retentionDays })} min={2} max={99999} /> : null}
        <Checkbox label="Also keep the first backup of each month" checked={draft.keepFirstOfMonth} onValue={(keepFirstOfMonth) => set({ keepFirstOfMonth })} />
      </fieldset>
      <Checkbox label="Policy is ON (runs on schedule)" checked={draft.on} onValue={(on) => set({ on })} />
    </>
  );
}

/**
 * The next five runs, by the scheduler's own code, in the policy's time zone. `createdAt` is the
 * policy's (day 0 of "every N days"); a new policy's is now.
 */
export function SchedulePreview({ draft, createdAt, asOf }: { draft: ScheduleDraft; createdAt: Date; asOf: Date }) {
  const s = scheduledPolicyOf(draft);
  const schedule = scheduleOfInput(s, draft.timeZone, createdAt);
  const runs = nextRuns(schedule, asOf, 5);
  return (
    <section class="preview" aria-label="Next runs" data-as-of={asOf.toISOString()} data-created-at={createdAt.toISOString()}>
      <h3>Next five runs ({draft.timeZone})</h3>
      {!draft.on ? <p class="muted">The policy is OFF: it runs only when turned ON or run now. Were it ON:</p> : null}
      {runs.length === 0 ? (
        <p class="muted">No run: choose at least one start hour{draft.days === 'week' ? ' and one day' : ''}.</p>
      ) : (
        <ol>
          {runs.map((t) => (
            <li key={t.getTime()}>
              <time dateTime={t.toISOString()}>{formatLocal(t, schedule.offsetMinutes)}</time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
