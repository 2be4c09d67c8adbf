import type { Kysely } from 'kysely';

/**
 * Access keys as IAM keeps them: a status (an `inactive` key signs nothing until it is made
 * `active` again) and a description. Existing keys are active, without a description.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('credentials').addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('active')).execute();
  await db.schema.alterTable('credentials').addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.createIndex('credentials_user').on('credentials').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('credentials_user').execute();
  await db.schema.alterTable('credentials').dropColumn('description').execute();
  await db.schema.alterTable('credentials').dropColumn('status').execute();
}
