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

test("a change reaches the watchers of its mailbox only, and a watcher that stopped hears nothing more", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-watch-"));
  const store = await openStore(dir);
  try {
    const heard: string[] = [];
    const stops = Array.from({ length: 1000 }, (_, i) => store.events.watch(i % 2 === 0 ? 1 : 2, () => heard.push(`w${i}`)));
    store.events.emit("changed", 1);
    assert.equal(heard.length, 500);
    assert.ok(heard.every((h) => Number(h.slice(1)) % 2 === 0));
    heard.length = 0;
    // Stopping is per watcher: half of mailbox 1's watchers stop, the rest still hear.
    stops.forEach((stop, i) => i % 4 === 0 && stop());
    store.events.emit("changed", 1, true);
    assert.equal(heard.length, 250);
    heard.length = 0;
    for (const stop of stops) stop();
    store.events.emit("changed", 1);
    store.events.emit("changed", 2);
    assert.deepEqual(heard, []);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
