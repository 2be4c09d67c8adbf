/**
 * The backups table's trigger-kept columns on a database that already holds backups. Migration
 * 0140: the counts start from what is there, the triggers keep them from then on, and undoing it
 * leaves the backups as they were. Migration 0150: every row gets a revision, and every write of
 * a row, whoever makes it, changes it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/schema.js';
import { BackupRepository, insertableRow, toRow, type BackupRecordRow } from '../../src/services/backups/backup-repository.js';
import { backupRecord } from '../support/services.js';
import { DB_KINDS, freshPostgresDatabase, tempDir } from '../support/server.js';

async function to(step: Promise<{ error?: unknown }>): Promise<void> {
  const { error } = await step;
  if (error) throw error;
}

/** A fresh database of `kind` and its migrator, for `use`; closed after it. */
async function withMigrator(kind: (typeof DB_KINDS)[number], use: (db: Kysely<Database>, migrator: Migrator) => Promise<void>): Promise<void> {
  const dialect =
    kind === 'sqlite'
      ? new SqliteDialect({ database: new SQLite(path.join(tempDir('vbs-migration-'), 'vbs.sqlite')) })
      : new PostgresDialect({ pool: new pg.Pool({ connectionString: await freshPostgresDatabase(), max: 2 }) });
  const db = new Kysely<Database>({ dialect });
  try {
    await use(db, new Migrator({ db, provider: migrationProvider }));
  } finally {
    await db.destroy();
  }
}

/** Backups written as the code of an earlier migration wrote them: without the columns later migrations add. */
async function insertBefore(db: Kysely<Database>, rows: BackupRecordRow[]): Promise<void> {
  await (db as unknown as Kysely<{ backups: BackupRecordRow }>).insertInto('backups').values(rows).execute();
}

for (const kind of DB_KINDS) {
  describe(`migration 0140: backup counts (${kind})`, () => {
    it('counts the backups already there, follows later writes, and comes off cleanly', async () => {
      await withMigrator(kind, async (db, migrator) => {
        await to(migrator.migrateTo('0130_listing_indexes'));
        const [p1, p2] = ['1'.repeat(32), '2'.repeat(32)];
        await insertBefore(db, [backupRecord(p1), backupRecord(p1), backupRecord(p2)].map(toRow));
        await to(migrator.migrateToLatest());
        const counts = async () =>
          Object.fromEntries((await db.selectFrom('backup_counts').selectAll().orderBy('project_id').execute()).map((r) => [r.project_id, Number(r.backups)]));
        assert.deepEqual(await counts(), { [p1]: 2, [p2]: 1 });
        await db.insertInto('backups').values(insertableRow(backupRecord(p2))).execute();
        assert.deepEqual(await counts(), { [p1]: 2, [p2]: 2 });
        await to(migrator.migrateTo('0130_listing_indexes'));
        // Without the triggers a write still works, and the backups are all there.
        await db.deleteFrom('backups').where('project_id', '=', p1).execute();
        assert.equal((await db.selectFrom('backups').selectAll().execute()).length, 2);
        await to(migrator.migrateToLatest());
        assert.deepEqual(await counts(), { [p2]: 2 });
      });
    });
  });

  describe(`migration 0150: backup revisions (${kind})`, () => {
    it('gives the backups already there a revision, changes it at every write by any writer, and comes off cleanly', async () => {
      await withMigrator(kind, async (db, migrator) => {
        await to(migrator.migrateTo('0140_backup_counts'));
        const project = '3'.repeat(32);
        const [old, later] = [backupRecord(project), backupRecord(project)];
        await insertBefore(db, [toRow(old)]);
        await to(migrator.migrateToLatest());
        const revisionOf = async (id: string) => Number((await db.selectFrom('backups').select('revision').where('id', '=', id).executeTakeFirstOrThrow()).revision);
        const first = await revisionOf(old.id);
        assert.notEqual(first, 0, 'a row from before the migration has a revision of its own');
        assert.ok(Number.isSafeInteger(first));

        const backups = new BackupRepository(db);
        await backups.insert(later);
        const inserted = await revisionOf(later.id);
        // Every writer: the status's one writer, a plain update of another column (a job's progress), the same value again.
        assert.equal(await backups.moveBackup(old.id, 'available', 'deleting'), true);
        const moved = await revisionOf(old.id);
        await db.updateTable('backups').set({ service_metadata: '{"progress":"50%"}' }).where('id', '=', old.id).execute();
        const progressed = await revisionOf(old.id);
        await db.updateTable('backups').set({ service_metadata: '{"progress":"50%"}' }).where('id', '=', old.id).execute();
        const again = await revisionOf(old.id);
        assert.equal(new Set([first, moved, progressed, again]).size, 4, `every write changes the revision: ${[first, moved, progressed, again].join(', ')}`);
        assert.equal(await revisionOf(later.id), inserted, 'a write of one row leaves the others\' revisions');

        // The same id written anew (a reindex after a delete) does not take its old row's revision.
        await db.deleteFrom('backups').where('id', '=', old.id).execute();
        await backups.insert(old);
        assert.ok(![first, moved, progressed, again].includes(await revisionOf(old.id)));

        await to(migrator.migrateTo('0140_backup_counts'));
        await db.updateTable('backups').set({ name: 'after' }).where('id', '=', old.id).execute();
        assert.equal((await db.selectFrom('backups').select('name').where('id', '=', old.id).executeTakeFirstOrThrow()).name, 'after');
      });
    });
  });
}
