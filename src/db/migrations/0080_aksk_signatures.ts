import type { Kysely } from 'kysely';

/**
 * Signatures of AK/SK requests that changed something, each until it expires: a signed
 * request is accepted once, whichever server process of the database it reaches first (the
 * primary key makes a second insert of the same signature conflict). Only a hash is kept.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('aksk_signatures')
    .addColumn('signature_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('aksk_signatures_expires').on('aksk_signatures').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('aksk_signatures').execute();
}
