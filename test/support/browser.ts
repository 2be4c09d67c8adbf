/**
 * Headless Chromium for the console's tests: Debian's /usr/bin/chromium (scripts/test-tools.sh
 * installs it), driven by playwright-core, which never downloads a browser of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tempDir } from './server.js';

export const CHROMIUM = process.env.VBS_CHROMIUM ?? '/usr/bin/chromium';

/** One small browser for a test file: as root in a container Chromium's sandbox cannot start. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/test-tools.sh (it installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--disable-extensions', '--renderer-process-limit=2'],
  });
}

/**
 * Where the console's screenshots go: docs/console/ of the repository with
 * VBS_CONSOLE_SCREENSHOTS=1 (the committed pictures of the README), a temp dir otherwise.
 */
export function screenshotDir(): string {
  if (process.env.VBS_CONSOLE_SCREENSHOTS === '1') {
    // dist/test/support/browser.js -> the repository's docs/console
    const dir = fileURLToPath(new URL('../../../docs/console/', import.meta.url));
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
  return tempDir('vbs-console-shots-');
}

export async function screenshot(page: Page, dir: string, name: string): Promise<void> {
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** Fails the test on a script error in the page: a broken page must not pass by luck. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
