import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** Where `npm run build` puts the console (vite's outDir): dist/console beside dist/src. */
export const BUILT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The console's script and styles come from this origin only, nothing runs inline, and no other
 * site may frame it (a console that deletes backups is a clickjacking target).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Vite names every built asset by its content hash: a changed file is a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function secured(reply: FastifyReply): FastifyReply {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) void reply.header(name, value);
  return reply;
}

async function readIfFile(file: string): Promise<Buffer | undefined> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? await fs.readFile(file) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The web console, a single-page app built by vite into `dir`: its files under /console/, and
 * index.html for every other path under it so that a deep link (/console/backups/ID) opens the
 * page it names. It is no API: hidden from /openapi.json, and public (it logs in by the API).
 */
export function consoleRoutes(dir: string = BUILT_CONSOLE_DIR): FastifyPluginAsync {
  const root = path.resolve(dir);
  return async (app) => {
    const options = { config: { public: true }, schema: { hide: true } };
    const serve = async (rel: string, reply: FastifyReply) => {
      const index = await readIfFile(path.join(root, 'index.html'));
      if (!index) {
        return secured(reply).status(503).type('text/plain; charset=utf-8').header('Cache-Control', 'no-store')
          .send('The web console is not built: run `npm run build`, then restart the server.\n');
      }
      const file = path.resolve(root, rel);
      const inside = file.startsWith(root + path.sep);
      const ext = path.extname(rel);
      if (ext) {
        const body = inside ? await readIfFile(file) : undefined;
        if (!body) return secured(reply).status(404).type('text/plain; charset=utf-8').send(`No such console file: ${rel}\n`);
        const cache = rel.startsWith('assets/') ? IMMUTABLE : 'no-cache';
        return secured(reply).type(CONTENT_TYPES[ext] ?? 'application/octet-stream').header('Cache-Control', cache).send(body);
      }
      // A page of the app, not a file: the app reads the path and shows that page.
      return secured(reply).type(CONTENT_TYPES['.html']).header('Cache-Control', 'no-cache').send(index);
    };
    app.get('/console', options, async (request, reply) => {
      // The router reads trailing slashes away; relative links need the slash, so it is sent there.
      if (!request.url.split('?')[0].endsWith('/')) return reply.redirect('/console/', 301);
      return serve('', reply);
    });
    app.get('/console/*', options, async (request, reply) => serve((request.params as { '*': string })['*'], reply));
  };
}

/** A browser asking for the root wants the console; API clients (JSON, any or no Accept) the version document. */
export function wantsConsole(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  const html = types.indexOf('text/html');
  const json = types.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}
