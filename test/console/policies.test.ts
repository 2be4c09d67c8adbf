/**
 * The console's backup policies in Chromium: the schedule editor's preview of the next five runs
 * is the scheduler's own answer (computed here in node by src/services/policies/schedule.ts for
 * the same schedule, time zone and instant), the policy the form creates is that schedule,
 * binding a volume and running the policy at once shows its task, an API refusal shows its message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { nextSlot, type Schedule } from '../../src/services/policies/schedule.js';
import { call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { launchBrowser, screenshot, screenshotDir, watchPageErrors } from '../support/browser.js';
import { logInPage, type Member } from '../support/console-session.js';
import { createAvailableVolume } from '../support/volumes.js';
import { until } from '../support/wait.js';

/** The next `count` slots after `after`, slot by slot, as the scheduler finds them. */
function scheduledRuns(s: Schedule, after: Date, count: number): string[] {
  const runs: string[] = [];
  let t: Date | undefined = after;
  while (runs.length < count && (t = nextSlot(s, t))) runs.push(t.toISOString());
  return runs;
}

/**
 * Start hours (UTC) at least three hours away from now: the running scheduler must not run the
 * policy on its own while the test counts its tasks.
 */
const HOURS = [3, 9, 15].map((d) => (new Date().getUTCHours() + d) % 24);
const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
/** start_time as the API keeps it: in ascending local time at UTC+05:30. */
const START_TIME = [...HOURS].sort((a, b) => ((a * 60 + 330) % 1440) - ((b * 60 + 330) % 1440)).map(hh).join(',');

/** The local date and time of an instant at an offset, worked out here. */
function localText(iso: string, offsetMinutes: number): [string, string] {
  const local = new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString();
  return [local.slice(0, 10), local.slice(11, 16)];
}

describe('console: backup policies', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let m: Member;
  let volumeId: string;
  let policyId: string;
  const shots = screenshotDir();

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    // "Run now" queues a job of the scheduler's workers, which queues backup jobs of the service's
    // runner: test servers start neither unless asked.
    server.services.runner.start();
    server.services.scheduler.start();
    m = await projectWithUser(server, 'polco');
    volumeId = await createAvailableVolume(server, m, { name: 'db-disk', size: 1 });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    errors = watchPageErrors(page);
    await logInPage(page, server.url, m, 'polco');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    assert.deepEqual(errors, [], 'no script error in the page');
  });

  /** The preview's runs and the instants it computed them for. */
  async function preview(): Promise<{ asOf: Date; createdAt: Date; runs: Array<{ iso: string; text: string }> }> {
    const section = page.getByRole('region', { name: 'Next runs' });
    const asOf = new Date((await section.getAttribute('data-as-of'))!);
    const createdAt = new Date((await section.getAttribute('data-created-at'))!);
    const runs = await section.locator('time').evaluateAll((ts) => ts.map((t) => ({ iso: t.getAttribute('datetime')!, text: t.textContent ?? '' })));
    return { asOf, createdAt, runs };
  }

  async function assertPreviewIsTheScheduler(s: Omit<Schedule, 'createdAt'>): Promise<void> {
    const shown = await preview();
    const expected = scheduledRuns({ ...s, createdAt: shown.createdAt }, shown.asOf, 5);
    assert.equal(expected.length, 5);
    assert.deepEqual(
      shown.runs.map((r) => r.iso),
      expected,
      "the page previews the scheduler's next five slots",
    );
    for (const r of shown.runs) {
      const [day, time] = localText(r.iso, s.offsetMinutes);
      assert.ok(r.text.startsWith(day) && r.text.endsWith(time), `${r.text} is ${r.iso} in the policy's zone`);
    }
  }

  it("previews the next five runs as the scheduler computes them, in the policy's time zone, and creates that policy", async () => {
    await page.getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByRole('button', { name: 'Create policy' }).click();
    const form = page.getByRole('form', { name: 'Create policy' });
    await form.getByLabel('Name', { exact: true }).fill('nightly-ui');
    await form.getByLabel('Time zone').selectOption('UTC+05:30');
    // 02:00 UTC is on by default: off, and the test's hours on.
    await form.getByRole('button', { name: '02:00 UTC', exact: true }).click();
    for (const h of HOURS) await form.getByRole('button', { name: `${hh(h)} UTC`, exact: true }).click();
    assert.equal(await form.getByRole('button', { name: `${hh(HOURS[0])} UTC` }).getAttribute('aria-pressed'), 'true');
    assert.equal(await form.getByRole('button', { name: '02:00 UTC', exact: true }).getAttribute('aria-pressed'), HOURS.includes(2) ? 'true' : 'false');
    await form.getByLabel('Every how many days (1-30)').fill('3');
    await assertPreviewIsTheScheduler({ startHours: HOURS, frequency: 3, weekDays: null, offsetMinutes: 330 });

    // Week days instead: the preview follows, still the scheduler's.
    await form.getByLabel('On days of the week (UTC+05:30)').check();
    await form.getByRole('button', { name: 'MON' }).click(); // MON was on: off now
    await form.getByRole('button', { name: 'SAT' }).click();
    await form.getByRole('button', { name: 'WED' }).click();
    await assertPreviewIsTheScheduler({ startHours: HOURS, frequency: null, weekDays: [6, 3], offsetMinutes: 330 });
    await form.getByLabel('Every N days').check();
    await form.getByLabel('Every how many days (1-30)').fill('3');
    await assertPreviewIsTheScheduler({ startHours: HOURS, frequency: 3, weekDays: null, offsetMinutes: 330 });

    await form.getByLabel('Keep backups for a number of days').check();
    await form.getByLabel('Days kept (2-99999)').fill('14');
    await form.getByLabel('Also keep the first backup of each month').check();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, shots, 'policies');
    await form.getByRole('button', { name: 'Create', exact: true }).click();

    await page.getByRole('heading', { name: 'nightly-ui' }).waitFor();
    policyId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const list = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy`, { token: m.token });
    const made = list.body.backup_policies.find((p: { backup_policy_id: string }) => p.backup_policy_id === policyId);
    assert.ok(made, 'the policy exists through the API');
    assert.equal(made.backup_policy_name, 'nightly-ui');
    assert.equal(made.time_zone, 'UTC+05:30');
    assert.deepEqual(made.scheduled_policy, { start_time: START_TIME, frequency: 3, rentention_day: 14, remain_first_backup_of_curMonth: 'Y', status: 'ON' });

    // The edit form previews from the policy's own creation day.
    await page.getByRole('button', { name: 'Edit' }).click();
    const shown = await preview();
    assert.equal(shown.createdAt.toISOString(), made.created_at);
    await assertPreviewIsTheScheduler({ startHours: HOURS, frequency: 3, weekDays: null, offsetMinutes: 330 });
    await page.getByRole('form', { name: 'Edit policy nightly-ui' }).getByRole('button', { name: 'Cancel' }).click();
  });

  it('binds a volume, runs the policy at once and shows its task; tags add and go', async () => {
    await page.getByLabel('Select volume db-disk').check();
    await page.getByRole('button', { name: 'Bind selected', exact: true }).click();
    await page.getByText('1 volume(s) bound.').waitFor();
    await page.getByLabel('Policy', { exact: true }).getByText('Bound volumes').waitFor();
    assert.equal(await page.getByLabel('Policy', { exact: true }).locator('dt:has-text("Bound volumes") + dd').innerText(), '1');

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByText('The policy is running').waitFor();
    const tasks = page.getByRole('table', { name: 'Backup tasks of the policy' });
    await tasks.getByText('EXECUTE_SUCCESS').waitFor({ timeout: 30_000 });
    assert.match(await tasks.innerText(), new RegExp(volumeId.slice(0, 8)));
    const task = await until('the task through the API', async () => {
      const r = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${policyId}/backuptasks`, { token: m.token });
      return r.body.count === 1 ? r.body.tasks[0] : undefined;
    });
    assert.equal(task.resource_id, volumeId);
    assert.equal(task.status, 'EXECUTE_SUCCESS');

    const tagForm = page.getByRole('form', { name: 'Add tag' });
    await tagForm.getByLabel('Tag key').fill('env');
    await tagForm.getByLabel('Tag value').fill('prod');
    await tagForm.getByRole('button', { name: 'Add tag' }).click();
    await page.getByText('env=prod').waitFor();
    await page.getByRole('button', { name: 'Remove tag env' }).click();
    await page.getByText('env=prod').waitFor({ state: 'detached' });
    const tags = await call(server, 'GET', `/v2/${m.projectId}/backuppolicy/${policyId}/tags`, { token: m.token });
    assert.deepEqual(tags.body.tags, []);
  });

  it('lists the policy with its status, schedule, retention and volume count; an API refusal shows its message', async () => {
    await page.getByRole('link', { name: 'Policies', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: 'nightly-ui' });
    await row.waitFor();
    const text = await row.innerText();
    for (const part of ['ON', `${START_TIME} UTC, every 3 days`, 'UTC+05:30', '14 days + first of month']) assert.ok(text.includes(part), `${part} in ${text}`);
    assert.equal(await row.locator('td[data-label="Volumes"]').innerText(), '1');

    await page.getByRole('button', { name: 'Create policy' }).click();
    const form = page.getByRole('form', { name: 'Create policy' });
    await form.getByLabel('Name', { exact: true }).fill('bad name!');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /AutoBackup\.\d{4}/);
  });

  it('fits a phone: at 375 px the editor, its preview, the dashboard and sharing need no sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      for (const [link, ready] of [
        ['Dashboard', 'protected-count'],
        ['Sharing', 'Share a backup'],
        ['Policies', 'Create policy'],
      ] as const) {
        await page.getByRole('button', { name: 'Menu' }).click();
        await page.getByRole('link', { name: link, exact: true }).click();
        if (link === 'Dashboard') await page.getByTestId(ready).waitFor();
        else if (link === 'Sharing') await page.getByRole('form', { name: ready }).waitFor();
        else {
          await page.getByRole('button', { name: ready }).click();
          await page.getByRole('region', { name: 'Next runs' }).locator('time').first().waitFor();
        }
        const wide = await page.evaluate(() => [...document.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > 376).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 12).join(' | '));
        assert.equal(await overflow(), 0, `${link} fits 375 px: ${wide}`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
