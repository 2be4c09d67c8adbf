/**
 * The web console's files under /console/: content types, caching, security headers, deep links,
 * the answer when it was not built, and the root's redirect of a browser (API clients still get
 * the version document).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, tempDir, type TestServer } from '../support/server.js';

const CHROME_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** A console build as vite lays it out: index.html and content-hashed assets. */
function fakeBuild(): string {
  const dir = tempDir('vbs-console-');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/index-AbC123.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), 'console.log("app");');
  fs.writeFileSync(path.join(dir, 'assets', 'index-DeF456.css'), 'body{}');
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  // Outside the console's folder: never served, however the path is spelt.
  fs.writeFileSync(path.join(dir, '..', `secret-${path.basename(dir)}.txt`), 'secret');
  return dir;
}

function assertSecured(res: Response): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
}

describe('web console files', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    dir = fakeBuild();
    server = await startServer({ consoleDir: dir });
  });
  after(async () => server.close());

  it('serves index.html at /console/ with the security headers, never cached stale', async () => {
    const res = await fetch(`${server.url}/console/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assertSecured(res);
    assert.match(await res.text(), /index-AbC123\.js/);
  });

  it('sends /console to /console/', async () => {
    const res = await fetch(`${server.url}/console`, { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/console/');
  });

  it('serves hashed assets with their type, cached for good', async () => {
    const js = await fetch(`${server.url}/console/assets/index-AbC123.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    assertSecured(js);
    assert.equal(await js.text(), 'console.log("app");');
    const css = await fetch(`${server.url}/console/assets/index-DeF456.css`);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    const svg = await fetch(`${server.url}/console/favicon.svg`);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.equal(svg.headers.get('cache-control'), 'no-cache', 'an unhashed file is revalidated');
  });

  it('answers index.html for a deep link, so the app opens the page it names', async () => {
    for (const p of ['/console/backups/4a0f9c55-1b61-4d6f-9f0e-4a8e0c1d2e3f', '/console/volumes', '/console/backups/']) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, p);
      assert.match(await res.text(), /index-AbC123\.js/, p);
    }
  });

  it('answers 404 for a file it does not have, and for a path out of its folder', async () => {
    for (const p of ['/console/assets/index-missing.js', '/console/logo.png', `/console/..%2fsecret-${path.basename(dir)}.txt`, `/console/assets/..%2f..%2fsecret-${path.basename(dir)}.txt`]) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 404, p);
      assert.doesNotMatch(await res.text(), /secret$/, p);
    }
  });

  it('is public and stays out of the API document', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/console')), []);
  });
});

describe('the root', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ consoleDir: fakeBuild() });
  });
  after(async () => server.close());

  it('sends a browser to the console', async () => {
    for (const accept of [CHROME_ACCEPT, 'text/html']) {
      const res = await fetch(`${server.url}/`, { redirect: 'manual', headers: { accept } });
      assert.equal(res.status, 302, accept);
      assert.equal(res.headers.get('location'), '/console/');
    }
  });

  it('answers API clients with the version document', async () => {
    for (const headers of [{ accept: 'application/json' }, { accept: '*/*' }, {}, { accept: 'application/json, text/html' }] as Array<Record<string, string>>) {
      const res = await fetch(`${server.url}/`, { redirect: 'manual', headers });
      assert.equal(res.status, 300, JSON.stringify(headers));
      const body = (await res.json()) as { versions: Array<{ id: string }> };
      assert.deepEqual(body.versions.map((v) => v.id), ['v2.0', 'v3.0']);
    }
  });
});

describe('web console, not built', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ consoleDir: tempDir('vbs-console-none-') });
  });
  after(async () => server.close());

  it('answers 503 saying how to build it', async () => {
    for (const p of ['/console/', '/console/backups', '/console/assets/index-AbC123.js']) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 503, p);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(await res.text(), /npm run build/);
    }
  });
});

describe('web console, as built by npm run build', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.close());

  it('serves the built app, whose page runs no inline script', async () => {
    const res = await fetch(`${server.url}/console/`);
    assert.equal(res.status, 200, 'the console is built into dist/console (npm run build)');
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0, html);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, /src="\/console\/assets\/[^"]+\.js"/);
      assert.equal(body.trim(), '', 'no inline script: the CSP forbids it');
      const src = /src="([^"]+)"/.exec(attrs)![1];
      const js = await fetch(`${server.url}${src}`);
      assert.equal(js.status, 200, src);
      assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    }
    assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/i, 'no inline style or handler attributes');
  });
});
