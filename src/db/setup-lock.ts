import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** A PostgreSQL advisory lock key of this service's one-time setup (any fixed number will do; this spells "vbs" and "set"). */
const SETUP_LOCK = 0x766273_736574;

/**
 * Makes the transaction `trx` wait for any other process's setup transaction before it reads:
 * nodes starting together on an empty PostgreSQL database otherwise each saw no default domain
 * and raced to create it, and all but one failed on its key. On SQLite the service is one node
 * (several nodes share a PostgreSQL database), so there is no other node to wait for.
 */
// A Kysely of any schema: only its engine is asked for.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function serializeSetup(trx: Kysely<any>): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) await sql`select pg_advisory_xact_lock(${SETUP_LOCK})`.execute(trx);
}
