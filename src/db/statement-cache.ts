import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct queries kept compiled; past this the oldest is dropped (a listing's IN lists vary). */
const MAX_STATEMENTS = 500;

/**
 * The database as Kysely's SQLite driver sees it, keeping each read statement compiled: the
 * driver prepares at every query, and compiling costs more than running a lookup by key.
 * Writes and schema changes are prepared anew each time, as before; a statement still being
 * iterated (a stream) is not handed out twice.
 */
export function cachingReadStatements(database: SQLite.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (sql: string) => {
      const kept = statements.get(sql);
      if (kept && !kept.busy) return kept;
      const statement = database.prepare(sql);
      if (!statement.reader || kept) return statement;
      if (statements.size >= max) statements.delete(statements.keys().next().value as string);
      statements.set(sql, statement);
      return statement;
    },
  };
}
