/** What the console's browser tests share: logging a page in as a member of a project. */
import type { Page } from 'playwright-core';

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
