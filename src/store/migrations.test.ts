import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, SqliteDialect, sql } from "kysely";
import { Migrator } from "kysely/migration";
import { migrations } from "./migrations.ts";
import { openSqlite } from "./sqlite.ts";

test("0009 drops the queue row's stale schedule columns and keeps the queued message and its recipients", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-migrate-"));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqlite(join(dir, "sealpost.db")) }) });
  try {
    const migrator = new Migrator({ db, provider: migrations });
    assert.equal((await migrator.migrateTo("0006_blob_refs")).error, undefined);
    await sql`insert into queue (id, created_at, mail_from, recipients, blob, size, status, next_attempt_at, attempts, last_error, source, owns_blob)
              values ('Q1', 1000, 'a@example.test', '["b@example.org"]', 'ab/cd', 10, 'queued', 1000, 0, null, 'submission:a@example.test', 1)`.execute(db);
    await sql`insert into queue_recipients (queue_id, recipient, domain, status, attempts, next_attempt_at, updated_at)
              values ('Q1', 'b@example.org', 'example.org', 'pending', 2, 5000, 3000)`.execute(db);

    assert.equal((await migrator.migrateToLatest()).error, undefined);

    const columns = (await sql<{ name: string }>`select name from pragma_table_info('queue')`.execute(db)).rows.map((r) => r.name);
    for (const gone of ["status", "next_attempt_at", "attempts", "last_error", "recipients"]) assert.ok(!columns.includes(gone), `${gone} is still there`);
    assert.deepEqual((await sql<{ id: string; blob: string }>`select id, blob from queue`.execute(db)).rows.map((r) => ({ ...r })), [{ id: "Q1", blob: "ab/cd" }]);
    const rcpt = (await sql<{ recipient: string; attempts: number; next_attempt_at: number }>`select recipient, attempts, next_attempt_at from queue_recipients`.execute(db)).rows;
    assert.deepEqual(rcpt.map((r) => ({ ...r })), [{ recipient: "b@example.org", attempts: 2, next_attempt_at: 5000 }]);
    const indexes = (await sql<{ name: string }>`select name from pragma_index_list('queue')`.execute(db)).rows.map((r) => r.name);
    assert.ok(!indexes.includes("queue_due"));
    assert.ok(indexes.includes("queue_blob"));
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
