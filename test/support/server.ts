import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/common/config.js';
import { systemClock, type Clock } from '../../src/common/clock.js';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/container.js';
import { freePort } from './net.js';
import { ReplyContract } from './reply-contract.js';

export type DbKind = 'sqlite' | 'postgres';
export const DB_KINDS: DbKind[] = ['sqlite', 'postgres'];

export const ADMIN_PASSWORD = 'admin-secret';

export function tempDir(prefix = 'vbs-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Settings of a `vbs serve` process a test kills and starts again: its own data directory and
 * port, the admin password `pw`, and a 2 s lease so the restarted server takes over soon.
 */
export async function restartableServe(db: DbKind): Promise<{ env: Record<string, string>; server: { url: string } }> {
  const port = await freePort();
  const env: Record<string, string> = { VBS_DATA_DIR: tempDir(), VBS_PORT: String(port), VBS_ADMIN_PASSWORD: 'pw', VBS_LOG_LEVEL: 'warn', VBS_JOB_LEASE_SECONDS: '2', VBS_DRAIN_SECONDS: '10' };
  if (db === 'postgres') env.VBS_DATABASE_URL = await freshPostgresDatabase();
  return { env, server: { url: `http://127.0.0.1:${port}` } };
}

/** A fresh, empty PostgreSQL database in the test run's server; its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  const base = process.env.VBS_TEST_PG_URL;
  if (!base) throw new Error('VBS_TEST_PG_URL is not set: run the tests with `npm test`');
  const name = `vbs_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return `${base}/${name}`;
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  services: Services;
  config: Config;
  dataDir: string;
  /** Project id of the bootstrap admin project. */
  adminProjectId: string;
  /** A token of the bootstrap admin, scoped to project admin. */
  adminToken: string;
  close(): Promise<void>;
}

export interface StartOptions {
  db?: DbKind;
  clock?: Clock;
  env?: Record<string, string>;
  /** The server's logger (silent when absent), e.g. one writing to a stream the test reads. */
  logger?: AppOptions['logger'];
  dataDir?: string;
  databaseUrl?: string;
  /** The services' log (job runners, policy scheduler, volume driver), e.g. one that records errors. */
  servicesLog?: ServicesLog;
  /** The built web console's folder; the worktree's dist/console (what `npm run build` makes) when absent. */
  consoleDir?: string;
}

export type ServicesLog = NonNullable<Parameters<typeof createServices>[2]>;

/** Starts the real service on a free loopback port, with a bootstrapped admin. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const databaseUrl = options.databaseUrl ?? (options.db === 'postgres' ? await freshPostgresDatabase() : undefined);
  const config = loadConfig({
    VBS_DATA_DIR: dataDir,
    VBS_PORT: String(await freePort()),
    VBS_LOG_LEVEL: 'silent',
    // The suite's own request loops run faster than a tenant's fair share; tests of the limit set it.
    VBS_RATE_LIMIT: '0',
    // A test that ends with a job still running waits this long for it, not a production drain.
    VBS_DRAIN_SECONDS: '10',
    ...(databaseUrl ? { VBS_DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  const services = await createServices(config, options.clock ?? systemClock, options.servicesLog);
  await services.identity.bootstrap(ADMIN_PASSWORD);
  const contract = new ReplyContract();
  const app = await buildApp(services, { ...(options.logger ? { logger: options.logger } : { logLevel: 'silent' }), onReply: contract.observe, consoleDir: options.consoleDir });
  await app.listen({ host: config.host, port: config.port });
  const url = config.publicUrl;
  const token = await issueToken(url, 'admin', ADMIN_PASSWORD, 'admin');
  return {
    url,
    app,
    services,
    config,
    dataDir,
    adminProjectId: token.projectId,
    adminToken: token.token,
    close: async () => {
      await app.close();
      await services.close();
      contract.assertClean();
    },
  };
}

export async function issueToken(url: string, user: string, password: string, project: string): Promise<{ token: string; projectId: string; body: any }> {
  const res = await fetch(`${url}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token for ${user}: HTTP ${res.status} ${await res.text()}`);
  // Test helper bodies are checked field by field by the tests themselves.
  const body = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  return { token: res.headers.get('x-subject-token')!, projectId: body.token.project.id, body };
}

/** Creates a project and a user with a role on it; returns the user's token and the project id. */
export async function projectWithUser(server: TestServer, projectName: string, role: 'admin' | 'member' | 'reader' = 'member') {
  const project = await server.services.identity.createProject(projectName);
  const userName = `${projectName}-${role}`;
  await server.services.identity.createUser(userName, 'pw-' + userName, project.id, role);
  const { token } = await issueToken(server.url, userName, 'pw-' + userName, projectName);
  return { projectId: project.id, token, userName, password: 'pw-' + userName };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // JSON of the reply, whatever its shape: tests assert on it field by field.
  text: string;
}

/** One HTTP request against the server, JSON in and out. */
export async function call(
  server: { url: string },
  method: string,
  pathAndQuery: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['x-auth-token'] = options.token;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await fetch(server.url + pathAndQuery, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
