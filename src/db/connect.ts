import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { cachingReadStatements } from './statement-cache.js';

export type Db = Kysely<Database>;

/** The SQLite function lower-casing text as JavaScript does (SQLite's lower() folds ASCII only), for listings' fuzzy filters. */
export const SQLITE_LOWER = 'vbs_lower';

export interface DbHandle {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

// int8 columns (byte counts) come back as numbers; every value we store stays below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

import { DatabaseOpenError } from './errors.js';

export { DatabaseOpenError };

/** Opens the metadata database named by the settings and applies pending migrations. */
export async function openDatabase(databaseUrl: string | undefined, dataDir: string): Promise<DbHandle> {
  const handle = databaseUrl ? await openPostgres(databaseUrl) : openSqlite(dataDir);
  try {
    await migrate(handle.db);
  } catch (err) {
    await handle.close();
    throw new DatabaseOpenError(`cannot apply database migrations: ${(err as Error).message}`);
  }
  return handle;
}

/** The SQLite file of a data directory. */
export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'vbs.sqlite');
}

/**
 * Whether a service has ever been set up on the database the settings name: the SQLite file
 * exists, or the PostgreSQL database has this service's migration table. It creates nothing,
 * so commands that need an existing service can refuse without leaving a database behind.
 */
export async function databaseExists(databaseUrl: string | undefined, dataDir: string): Promise<boolean> {
  if (!databaseUrl) return fs.existsSync(sqliteFile(dataDir));
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseOpenError(`cannot connect to PostgreSQL at ${safeUrl(databaseUrl)}: ${(err as Error).message}`);
  }
  try {
    const r = await client.query("select to_regclass('kysely_migration') is not null as present");
    return r.rows[0]?.present === true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function openSqlite(dataDir: string): DbHandle {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = sqliteFile(dataDir);
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file);
  } catch (err) {
    throw new DatabaseOpenError(`cannot open ${file}: ${(err as Error).message}`);
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // The CLI and the server share the file; writers wait for each other instead of failing.
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.function(SQLITE_LOWER, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingReadStatements(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

async function openPostgres(url: string): Promise<DbHandle> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const where = safeUrl(url);
    throw new DatabaseOpenError(`cannot connect to PostgreSQL at ${where}: ${(err as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** The URL without its password, for messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`${failed ? failed.migrationName + ': ' : ''}${(error as Error).message ?? String(error)}`);
  }
}
