/**
 * Migration 0140 on a database that already holds backups: the counts start from what is there,
 * the triggers keep them from then on, and undoing it leaves the backups as they were.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/schema.js';
import { toRow } from '../../src/services/backups/backup-repository.js';
import { backupRecord } from '../support/services.js';
import { DB_KINDS, freshPostgresDatabase, tempDir } from '../support/server.js';

const BEFORE = '0130_listing_indexes';

for (const kind of DB_KINDS) {
  describe(`migration 0140: backup counts (${kind})`, () => {
    it('counts the backups already there, follows later writes, and comes off cleanly', async () => {
      const dialect =
        kind === 'sqlite'
          ? new SqliteDialect({ database: new SQLite(path.join(tempDir('vbs-migration-'), 'vbs.sqlite')) })
          : new PostgresDialect({ pool: new pg.Pool({ connectionString: await freshPostgresDatabase(), max: 2 }) });
      const db = new Kysely<Database>({ dialect });
      try {
        const migrator = new Migrator({ db, provider: migrationProvider });
        const to = async (step: Promise<{ error?: unknown }>) => {
          const { error } = await step;
          if (error) throw error;
        };
        await to(migrator.migrateTo(BEFORE));
        const [p1, p2] = ['1'.repeat(32), '2'.repeat(32)];
        await db.insertInto('backups').values([backupRecord(p1), backupRecord(p1), backupRecord(p2)].map(toRow)).execute();
        await to(migrator.migrateToLatest());
        const counts = async () =>
          Object.fromEntries((await db.selectFrom('backup_counts').selectAll().orderBy('project_id').execute()).map((r) => [r.project_id, Number(r.backups)]));
        assert.deepEqual(await counts(), { [p1]: 2, [p2]: 1 });
        await db.insertInto('backups').values(toRow(backupRecord(p2))).execute();
        assert.deepEqual(await counts(), { [p1]: 2, [p2]: 2 });
        await to(migrator.migrateTo(BEFORE));
        // Without the triggers a write still works, and the backups are all there.
        await db.deleteFrom('backups').where('project_id', '=', p1).execute();
        assert.equal((await db.selectFrom('backups').selectAll().execute()).length, 2);
        await to(migrator.migrateToLatest());
        assert.deepEqual(await counts(), { [p2]: 2 });
      } finally {
        await db.destroy();
      }
    });
  });
}
