import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { openStore } from "./index.ts";

test("a migration that arrives after a later-named one has run (branches merged in any order) still runs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-migrate-"));
  try {
    // A database from a branch that had 0009 but not yet 0008.
    const first = await openStore(dir);
    await sql`delete from kysely_migration where name = '0008_retention'`.execute(first.db);
    await sql`drop index logins_time`.execute(first.db);
    await sql`drop index smtp_recipients_at`.execute(first.db);
    await first.close();

    const again = await openStore(dir);
    try {
      const names = (await sql<{ name: string }>`select name from kysely_migration order by timestamp, name`.execute(again.db)).rows.map((r) => r.name);
      assert.equal(names.at(-1), "0008_retention");
      const idx = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and name = 'logins_time'`.execute(again.db);
      assert.equal(idx.rows.length, 1);
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
