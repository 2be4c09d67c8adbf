import type { Kysely } from 'kysely';

/**
 * What each backup represents and what it takes in the store, in bytes, so that a project's
 * statistics are sums in SQL: `bytes_logical` is the volume image the backup holds (the
 * manifest's volumeSize), `bytes_stored` what the backup added to the store after dedup and
 * compression (its bytesStored). Both are written when a backup finishes (create and import)
 * and by `vbs admin reindex`.
 *
 * Rows from before stay null: service_metadata's SS and CS are rounded (percent, MB) and the
 * volume's size is whole GiB, so no exact figure can be derived from them. The statistics count
 * such backups as without figures; `vbs admin reindex` fills them from their manifests.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('backups').addColumn('bytes_logical', 'bigint').execute();
  await db.schema.alterTable('backups').addColumn('bytes_stored', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('backups').dropColumn('bytes_stored').execute();
  await db.schema.alterTable('backups').dropColumn('bytes_logical').execute();
}
