/**
 * The web console in headless Chromium against a real server: log in, make a volume and put data
 * in it, back it up while the progress bar moves, restore into a new volume and into an existing
 * one (the data comes back), see the API's own message when a restore is refused, list backups
 * with filter, sort and pages, delete, a phone-width layout, logout and a revoked token.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { launchBrowser, screenshot, screenshotDir, watchPageErrors } from '../support/browser.js';
import { fillDistinct } from '../support/volume-data.js';
import { until } from '../support/wait.js';

type Member = Awaited<ReturnType<typeof projectWithUser>>;

/** Enough distinct data that the backup runs for a few polls of the progress bar. */
const DATA_BYTES = 160 * 1024 * 1024;
const MiB = 1024 * 1024;

async function headHash(file: string, bytes = DATA_BYTES): Promise<string> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
  } finally {
    await fh.close();
  }
}

describe('web console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let m: Member;
  const shots = screenshotDir();
  const ids: { source?: string; target?: string; small?: string; backup?: string; big?: string } = {};

  const api = (method: string, path: string, body?: unknown) => call(server, method, path.replace('{p}', m.projectId), { token: m.token, body });
  async function apiVolume(name: string, size: number): Promise<string> {
    const r = await api('POST', '/v3/{p}/volumes', { volume: { name, size } });
    assert.equal(r.status, 202, r.text);
    const id = r.body.volume.id as string;
    await until(`volume ${name}`, async () => (await api('GET', `/v3/{p}/volumes/${id}`)).body.volume.status === 'available');
    return id;
  }
  async function logIn(p: Page, password = m.password): Promise<void> {
    await p.getByLabel('User name').fill(m.userName);
    await p.getByLabel('Password').fill(password);
    await p.getByLabel('Project').fill('webco');
    await p.getByRole('button', { name: 'Log in' }).click();
  }
  const form = (name: string) => page.getByRole('form', { name });

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    server.services.runner.start();
    m = await projectWithUser(server, 'webco');
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    errors = watchPageErrors(page);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    assert.deepEqual(errors, [], 'no script error in the page');
  });

  it('sends a browser from / to the login form; a bad password shows the identity error, a good one the navigation', async () => {
    await page.goto(`${server.url}/`);
    assert.equal(new URL(page.url()).pathname, '/console/');
    await page.getByRole('heading', { name: 'Volume Backup Service' }).waitFor();
    await screenshot(page, shots, 'login');
    const refused = await call(server, 'POST', '/identity/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: { name: m.userName, domain: { name: 'Default' }, password: 'wrong' } } }, scope: { project: { name: 'webco', domain: { name: 'Default' } } } } },
    });
    assert.equal(refused.status, 401);
    await logIn(page, 'wrong');
    await page.getByRole('alert').filter({ hasText: refused.body.error.message }).waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);

    await logIn(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    for (const name of ['Dashboard', 'Volumes', 'Snapshots', 'Backups', 'Policies', 'Sharing']) assert.equal(await nav.getByRole('link', { name }).count(), 1, name);
    assert.equal(await nav.getByRole('link', { name: 'Admin' }).count(), 0, 'Admin is for cloud administrators only');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    // The token is the session's, in sessionStorage: no cookie carries it.
    assert.deepEqual(await page.context().cookies(), []);
  });

  it('creates a volume with a type from the types API', async () => {
    await page.getByRole('link', { name: 'Volumes' }).click();
    await page.getByRole('button', { name: 'Create volume' }).click();
    await form('Create volume').getByLabel('Name').fill('web-disk');
    await form('Create volume').getByLabel('Size (GiB)').fill('1');
    await form('Create volume').getByLabel('Type').selectOption('SSD');
    await form('Create volume').getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'web-disk' }) });
    // The list polls while the volume is creating.
    await row.getByText('available', { exact: true }).waitFor({ timeout: 20_000 });
    assert.match(await row.textContent() ?? '', /1 GiB.*SSD/);
    const listed = (await api('GET', '/v3/{p}/volumes/detail')).body.volumes as Array<{ id: string; name: string; volume_type: string; size: number }>;
    const v = listed.find((x) => x.name === 'web-disk');
    assert.ok(v && v.size === 1 && v.volume_type === 'SSD', JSON.stringify(listed));
    ids.source = v.id;
    await fillDistinct(server.services.volumeDriver.path('volume', v.id), DATA_BYTES);
    [ids.target, ids.small] = await Promise.all([apiVolume('web-target', 1), apiVolume('web-small', 1)]);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('link', { name: 'web-small' }).waitFor();
    await screenshot(page, shots, 'volumes');
  });

  it('creates a backup and shows its progress live until it is available', async () => {
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'Create backup' }).click();
    const f = form('Create backup');
    await f.getByLabel('Volume', { exact: true }).selectOption(ids.source!);
    await f.getByLabel('Backup name').fill('web-nightly');
    await f.getByLabel('Description').fill('made in the console');
    await f.getByLabel('Kind').selectOption('full');
    await f.getByRole('button', { name: 'Create backup' }).click();
    const panel = page.getByRole('region', { name: 'Backup web-nightly' });
    const bar = panel.getByRole('progressbar', { name: 'Backup web-nightly: progress' });
    // While it runs: the backup's status and a figure on the bar.
    await panel.getByText(/^creating: \d+%$/).waitFor({ timeout: 20_000 });
    const running = Number(await bar.getAttribute('value'));
    assert.ok(running >= 0 && running < 100, `a running backup's bar is below 100 (${running})`);
    await screenshot(page, shots, 'running-job');
    await panel.getByText('Done: available').waitFor({ timeout: 60_000 });
    assert.equal(await bar.getAttribute('value'), '100');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'web-nightly' }) });
    await row.getByText('available', { exact: true }).waitFor();
    const backups = (await api('GET', '/v3/{p}/backups/detail')).body.backups as Array<{ id: string; name: string; status: string; description: string }>;
    assert.equal(backups.length, 1);
    assert.equal(backups[0].description, 'made in the console');
    ids.backup = backups[0].id;
  });

  it('lists backups with a filter, sorting by a column header and pages with the total', async () => {
    // Three more, of empty volumes (quick), for the listing to have pages; web-b's is of 2 GiB.
    for (const name of ['web-b', 'web-a', 'other-c']) {
      const vol = await apiVolume(`vol-${name}`, name === 'web-b' ? 2 : 1);
      const r = await api('POST', '/v3/{p}/backups', { backup: { volume_id: vol, name } });
      assert.equal(r.status, 202, r.text);
      if (name === 'web-b') ids.big = r.body.backup.id;
      await until(`backup ${name}`, async () => {
        const b = (await api('GET', `/v3/{p}/backups/${r.body.backup.id}`)).body.backup;
        assert.notEqual(b.status, 'error', b.fail_reason);
        return b.status === 'available';
      });
    }
    await page.goto(`${server.url}/console/backups?limit=2`);
    const names = async () => (await page.locator('tbody tr td:first-child').allTextContents()).map((t) => t.replace(/^Name/, ''));
    await page.getByText('1–2 of 4').waitFor();
    await page.getByRole('button', { name: /^Name/ }).click();
    await until('sorted by name', async () => JSON.stringify(await names()) === JSON.stringify(['other-c', 'web-a']));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('3–4 of 4').waitFor();
    assert.deepEqual(await names(), ['web-b', 'web-nightly']);
    assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), true);
    await page.getByRole('button', { name: /^Name/ }).click();
    await until('sorted by name, descending', async () => JSON.stringify(await names()) === JSON.stringify(['web-nightly', 'web-b']));
    await page.getByRole('search').getByLabel('Name contains').fill('web-');
    await page.getByText('1–2 of 3').waitFor();
    await page.getByRole('search').getByLabel('Volume', { exact: true }).selectOption(ids.source!);
    await page.getByText('1–1 of 1').waitFor();
    assert.deepEqual(await names(), ['web-nightly']);
    await page.getByRole('search').getByLabel('Volume', { exact: true }).selectOption('');
    await page.getByRole('search').getByLabel('Name contains').fill('');
    await page.getByText('1–2 of 4').waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await screenshot(page, shots, 'backups');
  });

  it('shows every field of a backup and its service figures', async () => {
    await page.goto(`${server.url}/console/backups/${ids.backup}`);
    const details = page.getByRole('definition');
    await page.getByRole('heading', { name: 'web-nightly' }).waitFor();
    assert.ok((await details.allTextContents()).includes(ids.backup!));
    const figures = page.getByLabel('Service metadata');
    await figures.getByText('Progress (%)').waitFor();
    assert.match(await figures.textContent() ?? '', /Progress \(%\)100/);
    assert.match(await figures.textContent() ?? '', /Average throughput/);
    await screenshot(page, shots, 'backup-detail');
  });

  it('restores into a new volume: the data comes back', async () => {
    const f = form('Restore backup');
    await f.getByLabel('Restore into').selectOption('');
    await f.getByLabel('New volume name').fill('web-restored');
    await f.getByRole('button', { name: 'Restore' }).click();
    const panel = page.getByRole('region', { name: 'Restoring web-nightly into a new volume' });
    await panel.getByText('Done: volume available').waitFor({ timeout: 60_000 });
    const volumes = (await api('GET', '/v3/{p}/volumes/detail')).body.volumes as Array<{ id: string; name: string }>;
    const restored = volumes.find((v) => v.name === 'web-restored');
    assert.ok(restored);
    const image = (id: string) => server.services.volumeDriver.path('volume', id);
    assert.equal(await headHash(image(restored.id)), await headHash(image(ids.source!)));
  });

  it('restores into an existing volume through a job: the data comes back', async () => {
    const f = form('Restore backup');
    await f.getByLabel('Restore into').selectOption(ids.target!);
    await f.getByRole('button', { name: 'Restore' }).click();
    const panel = page.getByRole('region', { name: 'Restoring web-nightly into web-target' });
    await panel.getByText('Done: SUCCESS').waitFor({ timeout: 60_000 });
    const image = (id: string) => server.services.volumeDriver.path('volume', id);
    assert.equal(await headHash(image(ids.target!)), await headHash(image(ids.source!)));
    assert.equal((await fs.stat(image(ids.target!))).size, 1024 * MiB);
  });

  it("shows the API's own message when a restore is refused (a 2 GiB backup into a 1 GiB volume)", async () => {
    // What the API answers for this restore (a refused restore changes nothing, so it is asked twice).
    const direct = await api('POST', `/v2/{p}/cloudbackups/${ids.big}/restore`, { restore: { volume_id: ids.small } });
    assert.equal(direct.status, 400, direct.text);
    const { code, message } = direct.body.error as { code: string; message: string };
    await page.goto(`${server.url}/console/backups/${ids.big}`);
    await page.getByRole('heading', { name: 'web-b' }).waitFor();
    const f = form('Restore backup');
    await f.getByLabel('Restore into').selectOption(ids.small!);
    await f.getByRole('button', { name: 'Restore' }).click();
    const alert = f.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.ok(text.includes(message), `${text} shows ${message}`);
    assert.ok(text.includes(code), `${text} shows ${code}`);
    await screenshot(page, shots, 'error');
  });

  it('deletes a backup after a confirmation and follows it until it is gone', async () => {
    await page.goto(`${server.url}/console/backups`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'other-c' }) });
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('region', { name: 'Deleting other-c' }).getByText('Done: deleted').waitFor({ timeout: 30_000 });
    const left = (await api('GET', '/v3/{p}/backups')).body.backups as Array<{ name: string }>;
    assert.deepEqual(left.map((b) => b.name).sort(), ['web-a', 'web-b', 'web-nightly']);
    await page.getByRole('link', { name: 'other-c' }).waitFor({ state: 'detached' });
  });

  it("shows a volume's details and lists its backups from there", async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Volumes' }).click();
    await page.getByRole('link', { name: 'web-disk' }).click();
    await page.getByRole('heading', { name: 'Volume', level: 1 }).waitFor();
    assert.ok((await page.getByRole('definition').allTextContents()).includes(ids.source!));
    await page.getByRole('link', { name: 'Backups of this volume' }).click();
    await page.getByText('1–1 of 1').waitFor();
    assert.equal(await page.getByRole('search').getByLabel('Volume', { exact: true }).inputValue(), ids.source);
  });

  it('takes a snapshot of a volume (forced), deletes it, then deletes the volume after a confirmation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Snapshots' }).click();
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    const f = form('Create snapshot');
    await f.getByLabel('Volume', { exact: true }).selectOption(ids.small!);
    await f.getByLabel('Snapshot name').fill('web-snap');
    await f.getByLabel(/^Force/).check();
    await f.getByRole('button', { name: 'Create snapshot' }).click();
    const row = page.getByRole('row').filter({ hasText: 'web-snap' });
    await row.getByText('available', { exact: true }).waitFor();
    assert.match((await row.textContent()) ?? '', /web-small/);
    const snaps = (await api('GET', '/v3/{p}/snapshots/detail')).body.snapshots as Array<{ name: string; volume_id: string }>;
    assert.deepEqual(snaps.map((x) => [x.name, x.volume_id]), [['web-snap', ids.small]]);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await row.waitFor({ state: 'detached' });
    assert.deepEqual((await api('GET', '/v3/{p}/snapshots')).body.snapshots, []);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Volumes' }).click();
    const vrow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'web-small' }) });
    await vrow.getByRole('button', { name: 'Delete' }).click();
    await vrow.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api('GET', `/v3/{p}/volumes/${ids.small}`)).status, 200, 'a cancelled delete deletes nothing');
    await vrow.getByRole('button', { name: 'Delete' }).click();
    await vrow.getByRole('button', { name: 'Yes, delete' }).click();
    await vrow.waitFor({ state: 'detached', timeout: 20_000 });
    assert.equal((await api('GET', `/v3/{p}/volumes/${ids.small}`)).status, 404);
  });

  it('at phone width (375 px) the navigation folds behind a button and the list stacks', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 740 } });
    try {
      await phone.goto(`${server.url}/console/backups`);
      await logIn(phone);
      const nav = phone.getByRole('navigation', { name: 'Main' });
      await phone.getByRole('heading', { name: 'Backups', level: 1 }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Volumes' }).isVisible(), false, 'the navigation is folded');
      const menu = phone.getByRole('button', { name: 'Menu' });
      assert.equal(await menu.getAttribute('aria-expanded'), 'false');
      await menu.click();
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      await nav.getByRole('link', { name: 'Volumes' }).click();
      await phone.getByRole('heading', { name: 'Volumes', level: 1 }).waitFor();
      await phone.getByRole('link', { name: 'web-restored' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Volumes' }).isVisible(), false, 'the navigation folds again');
      const width = await phone.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `nothing wider than the phone (${width} px)`);
      // Each row stacks: the row's cells are one under another, labelled.
      const cells = phone.getByRole('row').filter({ has: phone.getByRole('link', { name: 'web-restored' }) }).getByRole('cell');
      const [a, b] = [await cells.nth(0).boundingBox(), await cells.nth(1).boundingBox()];
      assert.ok(a && b && b.y > a.y, 'cells stack');
    } finally {
      await phone.close();
    }
  });

  it('logs out by revoking the token; a revoked token returns to the login form with a message', async () => {
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('vbs-console-session') ?? '{}').token as string);
    assert.equal((await call(server, 'GET', `/v3/${m.projectId}/volumes`, { token })).status, 200);
    // Revoked elsewhere (another tab, an administrator): the next request finds out.
    assert.equal((await call(server, 'DELETE', '/identity/v3/auth/tokens', { token: m.token, headers: { 'x-subject-token': token } })).status, 204);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('status').filter({ hasText: /session ended/ }).waitFor();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('vbs-console-session')), null);

    await logIn(page);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    const second = await page.evaluate(() => JSON.parse(sessionStorage.getItem('vbs-console-session') ?? '{}').token as string);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('status').filter({ hasText: 'You are logged out.' }).waitFor();
    await until('token revoked', async () => (await call(server, 'GET', `/v3/${m.projectId}/volumes`, { token: second })).status === 401);
  });
});
