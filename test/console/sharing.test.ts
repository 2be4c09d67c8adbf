/**
 * Backup sharing in the console, with two browser contexts: the owner shares a backup with a second
 * project, a user of that project sees it, makes a new volume of it and restores it into one of its
 * own volumes; the owner cancels the share and the recipient no longer sees it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, projectWithUser, startServer, type TestServer } from '../support/server.js';
import { launchBrowser, screenshot, screenshotDir, watchPageErrors } from '../support/browser.js';
import { backUpNewData } from '../support/backup-jobs.js';
import { logInPage, type Member } from '../support/console-session.js';
import { createAvailableVolume } from '../support/volumes.js';
import { until } from '../support/wait.js';

describe('console: backup sharing between projects', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[][] = [];
  let owner: Member;
  let recipient: Member;
  let backupId: string;
  let ownerPage: Page;
  let recipientPage: Page;
  const shots = screenshotDir();

  async function openAs(m: Member, project: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    errors.push(watchPageErrors(page));
    await logInPage(page, server.url, m, project);
    await page.getByRole('link', { name: 'Sharing', exact: true }).click();
    return page;
  }

  const volumeOf = async (m: Member, id: string) => (await call(server, 'GET', `/v3/${m.projectId}/volumes/${id}`, { token: m.token })).body.volume;
  /** The recipient's restore jobs that succeeded: which backup went into which volume. */
  async function restoresOf(m: Member): Promise<Array<{ backup_id: string; volume_id: string }>> {
    const jobs = await server.services.database.db.selectFrom('jobs').select(['entities']).where('project_id', '=', m.projectId).where('job_type', '=', 'bksRestoreBackup').where('status', '=', 'SUCCESS').execute();
    return jobs.map((j) => JSON.parse(j.entities) as { backup_id: string; volume_id: string });
  }

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    server.services.runner.start();
    [owner, recipient] = await Promise.all([projectWithUser(server, 'share-own'), projectWithUser(server, 'share-rcpt')]);
    const volumeId = await createAvailableVolume(server, owner, { name: 'app-disk', size: 1 });
    backupId = await backUpNewData(server, owner, volumeId, 'app_nightly', 0, 1 << 20);
    ownerPage = await openAs(owner, 'share-own');
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
    assert.deepEqual(errors.flat(), [], 'no script error in the pages');
  });

  it("shares a backup with another project; sharing with one's own project shows the API's refusal", async () => {
    const form = ownerPage.getByRole('form', { name: 'Share a backup' });
    await form.getByLabel('Backup').selectOption(backupId);
    await form.getByLabel('Project IDs').fill(owner.projectId);
    await form.getByRole('button', { name: 'Share' }).click();
    await form.getByRole('alert').waitFor();
    assert.match(await form.getByRole('alert').innerText(), /\S/);

    await form.getByLabel('Project IDs').fill(` ${recipient.projectId} `);
    await form.getByRole('button', { name: 'Share' }).click();
    await ownerPage.getByText('Shared with 1 project(s).').waitFor();
    const mine = ownerPage.getByRole('table', { name: 'Backups this project shared' });
    await mine.getByText(recipient.projectId).waitFor();
    assert.match(await mine.innerText(), /app_nightly/);
    const seen = await call(server, 'GET', `/v2/${recipient.projectId}/os-vendor-backup-sharing/detail?share_to_me=true`, { token: recipient.token });
    assert.deepEqual(seen.body.shared.map((s: { backup_id: string }) => s.backup_id), [backupId]);
  });

  it('shows the backup to a user of the other project, who makes a new volume of it and restores it into its own volume', async () => {
    recipientPage = await openAs(recipient, 'share-rcpt');
    const shared = recipientPage.getByRole('table', { name: 'Backups shared with this project' });
    await shared.getByText('app_nightly').waitFor();
    assert.match(await shared.innerText(), new RegExp(owner.projectId));
    await screenshot(recipientPage, shots, 'sharing');

    await recipientPage.getByRole('button', { name: 'New volume from app_nightly' }).click();
    const make = recipientPage.getByRole('form', { name: 'New volume from app_nightly' });
    await make.getByLabel('Volume name').fill('copy-of-app');
    await make.getByRole('button', { name: 'Create volume' }).click();
    await recipientPage.getByText('Volume copy-of-app is being made').waitFor();
    const href = await recipientPage.getByRole('link', { name: 'See the volume' }).getAttribute('href');
    const newId = href!.split('/').pop()!;
    const made = await until('the new volume', async () => {
      const v = await volumeOf(recipient, newId);
      return v.status === 'available' ? v : undefined;
    }, 30_000);
    assert.equal(made.name, 'copy-of-app');
    assert.ok((await restoresOf(recipient)).some((r) => r.backup_id === backupId && r.volume_id === newId), 'the new volume holds the shared backup');

    const target = await createAvailableVolume(server, recipient, { name: 'landing', size: 1 });
    await recipientPage.getByRole('button', { name: 'Restore app_nightly into a volume' }).click();
    const restore = recipientPage.getByRole('form', { name: 'Restore app_nightly' });
    await restore.getByLabel('Target volume').selectOption(target);
    await restore.getByRole('button', { name: 'Restore' }).click();
    await recipientPage.getByText('Restoring app_nightly into the volume.').waitFor();
    const restored = await until('the restore', async () => {
      const v = await volumeOf(recipient, target);
      return v.status === 'available' || v.status === 'error_restoring' ? v : undefined;
    }, 30_000);
    assert.equal(restored.status, 'available');
    assert.ok((await restoresOf(recipient)).some((r) => r.backup_id === backupId && r.volume_id === target), 'the shared backup was restored into the own volume');
  });

  it('cancels the share: the other project sees it no more', async () => {
    await ownerPage.reload();
    const mine = ownerPage.getByRole('table', { name: 'Backups this project shared' });
    await mine.getByRole('button', { name: 'Cancel share', exact: true }).click();
    await mine.getByRole('button', { name: 'Yes, cancel share' }).click();
    await ownerPage.getByText(`The share with project ${recipient.projectId} is cancelled.`).waitFor();
    await ownerPage.getByText('This project shares no backup.').waitFor();

    await recipientPage.reload();
    await recipientPage.getByText('No backup is shared with this project.').waitFor();
    const seen = await call(server, 'GET', `/v2/${recipient.projectId}/os-vendor-backup-sharing/detail?share_to_me=true`, { token: recipient.token });
    assert.deepEqual(seen.body.shared, []);
  });
});
