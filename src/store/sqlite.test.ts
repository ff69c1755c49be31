import { test } from "node:test";
import assert from "node:assert/strict";
import { Kysely, SqliteDialect, sql } from "kysely";
import { openSqlite } from "./sqlite.ts";
import { isStorageFull } from "./space.ts";

test("a transaction that fails for a full database rejects with SQLITE_FULL, not with the ROLLBACK that SQLite made needless", async () => {
  const sqlite = openSqlite(":memory:");
  sqlite.raw.exec("CREATE TABLE t (b BLOB)");
  // A database that may not grow past 20 pages: the insert fails with SQLITE_FULL, and SQLite
  // rolls the transaction back itself (as it does when a COMMIT fails on a full disk).
  sqlite.raw.exec("PRAGMA max_page_count = 20");
  const db = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const failed = await db
      .transaction()
      .execute(async (trx) => {
        await sql`INSERT INTO t VALUES (zeroblob(1000000))`.execute(trx);
      })
      .then(() => null, (e: unknown) => e);
    assert.ok(isStorageFull(failed), `a full-storage error, got ${String(failed)}`);
    assert.equal(sqlite.raw.isTransaction, false);
    // A transaction that fails for another reason is still rolled back.
    await db
      .transaction()
      .execute(async (trx) => {
        await sql`INSERT INTO t VALUES (x'00')`.execute(trx);
        throw new Error("changed my mind");
      })
      .catch(() => undefined);
    assert.equal(sqlite.raw.isTransaction, false);
    assert.equal((sqlite.raw.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 0);
  } finally {
    await db.destroy();
  }
});
