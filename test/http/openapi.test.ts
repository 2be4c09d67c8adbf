/**
 * /openapi.json is a valid OpenAPI document that documents every route the server registers:
 * its success reply (with the body's schema where it has one), its errors, and the body a
 * write takes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startServer, type TestServer } from '../support/server.js';

interface Operation {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** Fastify's `/a/:id` is OpenAPI's `/a/{id}`. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z_]\w*)/g, '{$1}').replace(/\/$/, '') || '/';

describe('OpenAPI document', () => {
  let server: TestServer;
  let doc: Document;

  before(async () => {
    server = await startServer();
    const res = await fetch(`${server.url}/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as Document;
  });
  after(async () => server.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    assert.match(doc.openapi, /^3\.1\./);
    // The parser dereferences in place: it gets a copy.
    await SwaggerParser.validate(structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0]);
  });

  it('documents every registered route with its replies and errors', () => {
    const missing: string[] = [];
    const routes = server.app.routeTable.routes();
    assert.ok(routes.length > 50, `the server registers its routes (${routes.length})`);
    for (const { method, url } of routes) {
      if (NOT_API.has(`${method} ${url}`)) continue;
      const op = doc.paths[openapiPath(url)]?.[method.toLowerCase()];
      const name = `${method} ${url}`;
      if (!op) {
        missing.push(`${name}: not in the document`);
        continue;
      }
      const responses = op.responses ?? {};
      const success = Object.keys(responses).filter((s) => /^2/.test(s) || (CHOICES.has(name) && s === '300'));
      if (success.length === 0) missing.push(`${name}: no success reply`);
      for (const s of success) {
        const content = responses[s].content;
        // A reply with a body documents the body's schema; one without says so (NoBody).
        if (!content && responses[s].description !== 'No body') missing.push(`${name}: reply ${s} has no body schema`);
      }
      if (!Object.keys(responses).some((s) => /^4/i.test(s))) missing.push(`${name}: no error reply`);
      if ((method === 'POST' || method === 'PUT') && !op.requestBody && !BODILESS.has(name)) missing.push(`${name}: no request body`);
    }
    assert.deepEqual(missing, []);
  });
});

/** Routes whose success is a choice, 300 Multiple Choices, as Cinder's version root answers. */
const CHOICES = new Set<string>(['GET /']);

/** The web console's files and pages: HTML and scripts for a browser, no API (hidden from the document). */
const NOT_API = new Set<string>(['GET /console', 'GET /console/*']);

/** Writes that take no body. */
const BODILESS = new Set<string>([
  // Runs the policy now; the reference defines no body.
  'POST /v2/:project_id/backuppolicy/:policy_id/action',
  // The deprecated VBS delete: a POST that names the backup in its path only.
  'POST /v2/:project_id/cloudbackups/:backup_id',
  // Keystone's role grant: the path names the project, the user and the role.
  'PUT /identity/v3/projects/:id/users/:user_id/roles/:role_id',
  // The same on a domain.
  'PUT /identity/v3/domains/:id/users/:user_id/roles/:role_id',
]);
