import type { Kysely } from 'kysely';

/**
 * Token chains and domain-level roles, as Keystone has them: a token got from another token
 * records the audit id its chain began with (and ends with it: same expiry, revoked together),
 * a token may be scoped to a domain instead of a project, and a user may hold a role on a
 * domain (the admin role on the admin project's domain is cloud administration).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('audit_chain_id', 'varchar(64)').execute();
  await db.schema.alterTable('tokens').addColumn('domain_id', 'varchar(64)').execute();
  // A chain is revoked and checked by audit ids.
  await db.schema.createIndex('tokens_audit_chain').on('tokens').column('audit_chain_id').execute();
  await db.schema.createIndex('tokens_audit').on('tokens').column('audit_id').execute();
  await db.schema
    .createTable('domain_role_assignments')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull().references('domains.id').onDelete('cascade'))
    .addColumn('role_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('domain_role_assignments_pk', ['user_id', 'domain_id', 'role_id'])
    .execute();
  await db.schema.createIndex('domain_role_assignments_domain').on('domain_role_assignments').column('domain_id').execute();
  await db.schema.createIndex('domain_role_assignments_role').on('domain_role_assignments').column('role_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('domain_role_assignments').execute();
  await db.schema.dropIndex('tokens_audit').execute();
  await db.schema.dropIndex('tokens_audit_chain').execute();
  await db.schema.alterTable('tokens').dropColumn('domain_id').execute();
  await db.schema.alterTable('tokens').dropColumn('audit_chain_id').execute();
}
