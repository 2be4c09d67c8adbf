/** Row counts of tables, to prove that a refused request or command wrote nothing. */
import type { Db } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';

export async function rowCounts(db: Db, tables: Array<keyof Database>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db.selectFrom(table).select(({ fn }) => fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
