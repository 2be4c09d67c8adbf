/**
 * The console's dashboard and administration pages in Chromium: the dashboard's counts of
 * protected volumes, backups and last backups before and after a backup; the Admin page only for
 * cloud administrators, who create a project and a user that can then log in, create an access
 * key whose secret shows once (a reload of the list does not show it), and verify a project's
 * backups in the store, the job followed to its report.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD, call, issueToken, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { launchBrowser, screenshot, screenshotDir, watchPageErrors } from '../support/browser.js';
import { backUpNewData } from '../support/backup-jobs.js';
import { logInPage, type Member } from '../support/console-session.js';
import { createAvailableVolume, writeAt } from '../support/volumes.js';

describe('console: dashboard and administration', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let admin: Page;
  const errors: string[][] = [];
  let m: Member;
  let protectedVolume: string;
  const shots = screenshotDir();

  async function newPage(): Promise<Page> {
    const p = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    p.setDefaultTimeout(15_000);
    errors.push(watchPageErrors(p));
    return p;
  }
  const figure = (p: Page, id: string) => p.getByTestId(id).innerText();

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    server.services.runner.start();
    m = await projectWithUser(server, 'dashco');
    protectedVolume = await createAvailableVolume(server, m, { name: 'db-disk', size: 1 });
    await createAvailableVolume(server, m, { name: 'web-disk', size: 1 });
    const policy = await call(server, 'POST', `/v2/${m.projectId}/backuppolicy`, {
      token: m.token,
      body: { backup_policy_name: 'daily', scheduled_policy: { start_time: '03:00', frequency: 1, rentention_num: 3, status: 'ON' } },
    });
    assert.equal(policy.status, 200, policy.text);
    const bound = await call(server, 'POST', `/v2/${m.projectId}/backuppolicyresources`, {
      token: m.token,
      body: { backup_policy_id: policy.body.backup_policy_id, resources: [{ resource_id: protectedVolume, resource_type: 'volume' }] },
    });
    assert.deepEqual(bound.body.fail_resources, []);
    page = await newPage();
    await logInPage(page, server.url, m, 'dashco');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    assert.deepEqual(errors.flat(), [], 'no script error in the pages');
  });

  it('shows protected and unprotected volumes, and the counts and last backups after a backup', async () => {
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByTestId('protected-count').waitFor();
    assert.equal(await figure(page, 'protected-count'), '1');
    assert.equal(await figure(page, 'unprotected-count'), '1');
    assert.equal(await figure(page, 'backup-count'), '0');
    const volumes = page.getByRole('table', { name: 'Volumes and their last backup' });
    assert.equal(await volumes.locator('.stale').count(), 2, 'no volume has a backup: both highlighted');

    // Data that compresses (a repeated line) beside data that does not: a saving neither 0 nor 100%.
    const image = server.services.volumeDriver.path('volume', protectedVolume);
    writeAt(image, 0, Buffer.from('a log line that repeats, as logs do\n'.repeat(100_000)));
    await backUpNewData(server, m, protectedVolume, 'db_manual', 8 << 20, 2 << 20);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('backup-count').filter({ hasText: '1' }).waitFor();
    const db = volumes.getByRole('row').filter({ hasText: 'db-disk' });
    const web = volumes.getByRole('row').filter({ hasText: 'web-disk' });
    assert.match(await db.innerText(), /yes[\s\S]*1[\s\S]*\d+ (s|min) ago/);
    assert.equal(await db.locator('.stale').count(), 0, 'a fresh backup is not highlighted');
    assert.match(await web.innerText(), /no[\s\S]*0[\s\S]*none/);
    const stats = (await call(server, 'GET', `/v2/${m.projectId}/cloudbackups/statistics`, { token: m.token })).body.statistics;
    const chart = await page.getByRole('img', { name: /Stored vs logical bytes/ }).getAttribute('aria-label');
    assert.match(chart!, /Logical .*B, Stored .*B/);
    assert.ok(stats.backups.saving_percent > 0 && stats.backups.saving_percent < 100, JSON.stringify(stats.backups));
    assert.equal(await figure(page, 'saving'), `${stats.backups.saving_percent}%`);
    assert.match((await page.getByRole('img', { name: /^Backups:/ }).getAttribute('aria-label'))!, /^Backups: 1 (of \d+|used, no limit)/);
    assert.match((await page.getByRole('img', { name: /^Volumes:/ }).getAttribute('aria-label'))!, /^Volumes: 2 (of \d+|used, no limit)/);
    await screenshot(page, shots, 'dashboard');
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count(), 0, 'no Admin for a member');
  });

  it('lets an administrator create a project and a user who can log in', async () => {
    admin = await newPage();
    await logInPage(admin, server.url, { userName: 'admin', password: ADMIN_PASSWORD }, 'admin');
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    const projectForm = admin.getByRole('form', { name: 'Create project' });
    await projectForm.getByLabel('Project name').fill('uiproj');
    await projectForm.getByRole('button', { name: 'Create project' }).click();
    await admin.getByRole('table', { name: 'Projects' }).getByRole('cell', { name: 'uiproj', exact: true }).waitFor();

    const userForm = admin.getByRole('form', { name: 'Create user' });
    await userForm.getByLabel('User name').fill('ui-user');
    await userForm.getByLabel("New user's password").fill('ui-user-pw');
    await userForm.getByLabel("User's project").selectOption({ label: 'uiproj' });
    await userForm.getByLabel('Role on the project').selectOption({ label: 'member' });
    await userForm.getByRole('button', { name: 'Create user' }).click();
    await admin.getByRole('table', { name: 'Users' }).getByRole('cell', { name: 'ui-user', exact: true }).waitFor();
    const token = await issueToken(server.url, 'ui-user', 'ui-user-pw', 'uiproj');
    assert.deepEqual(token.body.token.roles.map((r: { name: string }) => r.name), ['member']);
  });

  it('creates an access key whose secret shows once: the reloaded list does not show it', async () => {
    await admin.getByLabel('Keys of user').selectOption({ label: 'dashco-member' });
    await admin.getByRole('button', { name: 'Create access key' }).click();
    const panel = admin.getByRole('region', { name: 'New access key' });
    await panel.waitFor();
    assert.match(await panel.getByRole('alert').innerText(), /shown this once/);
    const access = await panel.getByTestId('new-access').innerText();
    const secret = await panel.getByTestId('new-secret').innerText();
    assert.ok(secret.length >= 20, secret);
    const keys = admin.getByRole('table', { name: 'Access keys of the user' });
    await keys.getByText(access).waitFor();
    await admin.getByRole('button', { name: 'Copy secret key' }).waitFor();
    await screenshot(admin, shots, 'admin');
    const listed = await call(server, 'GET', `/identity/v3.0/OS-CREDENTIAL/credentials?user_id=${await userId('dashco-member')}`, { token: server.adminToken });
    assert.deepEqual(listed.body.credentials.map((c: { access: string }) => c.access), [access]);
    assert.equal(JSON.stringify(listed.body).includes(secret), false, 'the API lists no secret');

    await admin.reload();
    await admin.getByLabel('Keys of user').selectOption({ label: 'dashco-member' });
    await keys.getByText(access).waitFor();
    assert.equal(await admin.getByRole('region', { name: 'New access key' }).count(), 0);
    assert.equal((await admin.content()).includes(secret), false, 'the secret is not shown again');

    await keys.getByRole('button', { name: 'Deactivate' }).click();
    await keys.getByRole('cell', { name: 'inactive', exact: true }).waitFor();
  });

  it('verifies a project\'s backups in the store and shows the job\'s report', async () => {
    const form = admin.getByRole('form', { name: 'Store maintenance' });
    await form.getByLabel('Store project').selectOption({ label: 'dashco' });
    await form.getByRole('button', { name: 'Verify' }).click();
    await admin.getByText('Done: SUCCESS').waitFor({ timeout: 30_000 });
    const report = admin.getByLabel('Verify report');
    await report.waitFor();
    assert.match(await report.innerText(), /1 checked of 1, 1 intact[\s\S]*Damaged\s*none/);
  });

  async function userId(name: string): Promise<string> {
    const r = await call(server, 'GET', `/identity/v3/users?name=${name}`, { token: server.adminToken });
    return r.body.users[0].id as string;
  }
});
