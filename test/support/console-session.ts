/** What the console's browser tests share: logging a page in, and API shortcuts for their setup. */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { call, type TestServer } from './server.js';
import { until } from './wait.js';

export interface Member {
  projectId: string;
  token: string;
  userName: string;
  password: string;
}

/** Opens the console and logs in through its form; resolves once the navigation shows. */
export async function logInPage(page: Page, url: string, user: { userName: string; password: string }, project: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByLabel('User name').fill(user.userName);
  await page.getByLabel('Password').fill(user.password);
  await page.getByLabel('Project').fill(project);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Makes a VBS backup of a volume and waits for it to be available; its id. */
export async function availableBackup(server: TestServer, m: Member, volumeId: string, name: string): Promise<string> {
  const r = await call(server, 'POST', `/v2/${m.projectId}/cloudbackups`, { token: m.token, body: { backup: { volume_id: volumeId, name } } });
  assert.equal(r.status, 200, r.text);
  const job = await until(`backup ${name}`, async () => {
    const j = await call(server, 'GET', `/v1/${m.projectId}/jobs/${r.body.job_id}`, { token: m.token });
    return j.body.status === 'SUCCESS' || j.body.status === 'FAIL' ? j.body : undefined;
  }, 30_000);
  assert.equal(job.status, 'SUCCESS', JSON.stringify(job));
  return job.entities.backup_id as string;
}
