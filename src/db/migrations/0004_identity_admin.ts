import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

/** role_assignments as 0001 made it: what this migration reads before it rebuilds the table. */
interface Before {
  role_assignments: { user_id: string; project_id: string; role: string };
}

/** The table after the rebuild: what this migration writes back. */
interface After {
  role_assignments: { user_id: string; project_id: string; role_id: string };
}

/**
 * The built-in role's id, as src/services/identity/roles.ts derives it: a migration keeps the
 * formula of its day, so later changes to the service cannot rewrite history.
 */
function builtInRoleId(name: string): string {
  return createHash('sha256').update(`role:${name}`).digest('hex').slice(0, 32);
}

/** role_assignments with the role named by the given column: 0001's `role`, or this migration's `role_id`. */
async function createAssignments(db: Kysely<unknown>, role: 'role' | 'role_id', type: 'varchar(32)' | 'varchar(64)'): Promise<void> {
  await db.schema
    .createTable('role_assignments')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn(role, type, (c) => c.notNull())
    .addPrimaryKeyConstraint('role_assignments_pk', ['user_id', 'project_id', role])
    .execute();
}

/**
 * Keystone v3 administration: custom roles, project tags, a user's email and description, and
 * role assignments that name the role by id (so a custom role's name may be as long as
 * Keystone allows, where 0001's role column held a built-in name of 32 characters at most).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('roles')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('projects').addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('users').addColumn('email', 'varchar(255)').execute();
  await db.schema.alterTable('users').addColumn('description', 'text').execute();

  // SQLite cannot change a column or a primary key in place: the table is rebuilt, its rows kept.
  const rows = await (db as unknown as Kysely<Before>).selectFrom('role_assignments').selectAll().execute();
  await db.schema.dropTable('role_assignments').execute();
  await createAssignments(db, 'role_id', 'varchar(64)');
  await db.schema.createIndex('role_assignments_project').on('role_assignments').column('project_id').execute();
  await db.schema.createIndex('role_assignments_role').on('role_assignments').column('role_id').execute();
  await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute();
  await db.schema.createIndex('tokens_project').on('tokens').column('project_id').execute();
  if (rows.length > 0) {
    await (db as unknown as Kysely<After>)
      .insertInto('role_assignments')
      .values(rows.map((r) => ({ user_id: r.user_id, project_id: r.project_id, role_id: builtInRoleId(r.role) })))
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const rows = await (db as unknown as Kysely<After>).selectFrom('role_assignments').selectAll().execute();
  await db.schema.dropIndex('tokens_project').execute();
  await db.schema.dropIndex('tokens_user').execute();
  await db.schema.dropTable('role_assignments').execute();
  await createAssignments(db, 'role', 'varchar(32)');
  // Only built-in roles had a column before; custom roles' assignments go with their table.
  const names = new Map(['admin', 'member', 'reader'].map((n) => [builtInRoleId(n), n]));
  const kept = rows.flatMap((r) => {
    const role = names.get(r.role_id);
    return role ? [{ user_id: r.user_id, project_id: r.project_id, role }] : [];
  });
  if (kept.length > 0) await (db as unknown as Kysely<Before>).insertInto('role_assignments').values(kept).execute();
  await db.schema.alterTable('users').dropColumn('description').execute();
  await db.schema.alterTable('users').dropColumn('email').execute();
  await db.schema.alterTable('projects').dropColumn('tags').execute();
  await db.schema.dropTable('roles').execute();
}
