/**
 * The SQLite statements Kysely reads through: kept compiled, and their rows built as literals
 * from arrays. The rows must be what better-sqlite3 itself gives, whatever the columns are named
 * or hold, and a statement being iterated is never handed out a second time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { cachingReadStatements } from '../../src/db/statement-cache.js';

function database(): Database.Database {
  const db = new Database(':memory:');
  db.exec(`create table t (id integer primary key, "odd name" text, "quote""d" text, blob_col blob, n real)`);
  const insert = db.prepare('insert into t values (?, ?, ?, ?, ?)');
  insert.run(1, 'a', 'x"y', Buffer.from([1, 2]), 1.5);
  insert.run(2, null, '\\', null, null);
  return db;
}

describe('db: the statement cache', () => {
  it('gives the rows better-sqlite3 gives, for odd column names, blobs, NULLs and duplicate names', () => {
    const plain = database();
    const cached = cachingReadStatements(database());
    for (const sql of ['select * from t order by id', 'select id, id as "id", "odd name" as "__x", n from t', 'select t.id, u.id from t join t as u on u.id = t.id']) {
      assert.deepEqual(cached.prepare(sql).all([]), plain.prepare(sql).all(), sql);
      assert.deepEqual([...cached.prepare(sql).iterate([])], [...plain.prepare(sql).iterate()], `${sql} (iterated)`);
    }
    assert.deepEqual(cached.prepare('select id from t where id = ?').all([2]), [{ id: 2 }]);
  });

  it('keeps a read statement, prepares writes anew, and does not share a statement still iterating', () => {
    const cached = cachingReadStatements(database());
    const sql = 'select id from t order by id';
    const first = cached.prepare(sql);
    assert.equal(cached.prepare(sql), first, 'the read statement is kept');
    const rows = first.iterate([]);
    rows.next();
    const second = cached.prepare(sql);
    assert.notEqual(second, first, 'a statement mid-iteration is not handed out');
    assert.deepEqual(second.all([]), [{ id: 1 }, { id: 2 }]);
    assert.deepEqual([...rows], [{ id: 2 }]);
    const write = 'insert into t (id) values (?)';
    assert.notEqual(cached.prepare(write), cached.prepare(write));
    assert.equal(cached.prepare(write).run([3]).changes, 1);
  });

  it("keeps better-sqlite3's own rows for a column named __proto__, which a literal would take for the prototype", () => {
    const cached = cachingReadStatements(database());
    const [row] = cached.prepare('select id as "__proto__" from t where id = 1').all([]) as Array<Record<string, unknown>>;
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
  });
});
