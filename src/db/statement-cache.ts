import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct queries kept compiled; past this the oldest is dropped (a listing's IN lists vary). */
const MAX_STATEMENTS = 500;

/**
 * A read statement whose rows come from better-sqlite3 as arrays and become objects in one
 * literal per row, made for its columns: better-sqlite3's own row objects took twice as long to
 * build (a page of a hundred backups: 0.97 ms against 0.48 ms), and were slower to read after.
 * A column named `__proto__` (which a literal would take for the prototype) keeps its rows as
 * better-sqlite3 makes them.
 */
function withLiteralRows(statement: SQLite.Statement): SqliteStatement & { readonly busy: boolean } {
  const names = statement.columns().map((c) => c.name);
  if (names.includes('__proto__')) return statement;
  // Keys are JSON string literals: whatever a column is named, the source stays one literal.
  const row = new Function('r', `return {${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')}};`) as (values: unknown[]) => unknown;
  statement.raw(true);
  return {
    reader: true,
    get busy() {
      return statement.busy;
    },
    all: (parameters) => (statement.all(parameters) as unknown[][]).map(row),
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) yield row(values);
    },
  };
}

/**
 * The database as Kysely's SQLite driver sees it, keeping each read statement compiled: the
 * driver prepares at every query, and compiling costs more than running a lookup by key.
 * Writes and schema changes are prepared anew each time, as before; a statement still being
 * iterated (a stream) is not handed out twice.
 */
export function cachingReadStatements(database: SQLite.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, ReturnType<typeof withLiteralRows>>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (sql: string) => {
      const kept = statements.get(sql);
      if (kept && !kept.busy) return kept;
      const statement = database.prepare(sql);
      if (!statement.reader) return statement;
      const reading = withLiteralRows(statement);
      if (kept) return reading;
      if (statements.size >= max) statements.delete(statements.keys().next().value as string);
      statements.set(sql, reading);
      return reading;
    },
  };
}
