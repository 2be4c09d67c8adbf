import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';

export type Db = Kysely<Database>;

export interface DbHandle {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

// int8 columns (byte counts) come back as numbers; every value we store stays below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export class DatabaseOpenError extends Error {}

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

function openSqlite(dataDir: string): DbHandle {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'vbs.sqlite');
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
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
  // A database made before a migration numbered below its last applied one (0004 came after
  // 0030) gets it applied too, after the others, instead of Kysely refusing the history.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`${failed ? failed.migrationName + ': ' : ''}${(error as Error).message ?? String(error)}`);
  }
}
