import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, SqliteDialect, sql } from "kysely";
import { Migrator } from "kysely/migration";
import {
  appendMessage,
  claimRecent,
  expunge,
  mailboxChanges,
  mailboxStatus,
  storeFlags,
  type Store,
} from "./index.ts";
import { migrations } from "./migrations.ts";
import { openSqlite } from "./sqlite.ts";
import { everyWrite, withTestAccount } from "../../test/support/store.ts";

interface Counts {
  messages: number;
  unseen: number;
  deleted: number;
}

/** Each mailbox's counts by a scan of its rows (flags compared case-insensitively), what the counters must equal. */
async function scanned(db: Kysely<unknown>): Promise<Map<number, Counts>> {
  const boxes = await sql<{ id: number }>`select id from mailboxes`.execute(db);
  const rows = await sql<{ mailbox_id: number; flags: string }>`select mailbox_id, flags from messages`.execute(db);
  const out = new Map<number, Counts>(boxes.rows.map((b) => [b.id, { messages: 0, unseen: 0, deleted: 0 }]));
  for (const r of rows.rows) {
    const c = out.get(r.mailbox_id);
    assert.ok(c !== undefined);
    const flags = r.flags.toLowerCase().split(" ");
    c.messages++;
    if (!flags.includes("\\seen")) c.unseen++;
    if (flags.includes("\\deleted")) c.deleted++;
  }
  return out;
}

/** Each mailbox's counters as stored. */
async function counters(db: Kysely<unknown>): Promise<Map<number, Counts>> {
  const { rows } = await sql<{ id: number } & Counts>`select id, message_count as messages, unseen_count as unseen, deleted_count as deleted from mailboxes`.execute(db);
  return new Map(rows.map((r) => [r.id, { messages: r.messages, unseen: r.unseen, deleted: r.deleted }]));
}

const msg = (n: number): Buffer => Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`);

test("the message, unseen and deleted counters equal a count of the rows after every kind of write", async () => {
  await withTestAccount(async (store: Store, ids) => {
    const { inbox } = ids;
    const db = store.db as unknown as Kysely<unknown>;
    const check = async (what: string): Promise<void> => {
      assert.deepEqual(await counters(db), await scanned(db), what);
      // STATUS reads the counters.
      const st = await mailboxStatus(store.db, inbox);
      const want = (await scanned(db)).get(inbox);
      if (want !== undefined) assert.deepEqual({ messages: st?.messages, unseen: st?.unseen, deleted: st?.deleted }, want, `STATUS after ${what}`);
    };
    await everyWrite(store, ids, msg, check);
    assert.ok([...(await counters(db)).values()].some((c) => c.messages > 0 && c.unseen > 0 && c.deleted > 0));
  });
});

test("STATUS counts \\Recent from the recent mark, and none once every message is claimed", async () => {
  await withTestAccount(async (store, { inbox }) => {
    for (const n of [1, 2, 3]) await appendMessage(store, inbox, msg(n), "", n);
    assert.equal((await mailboxStatus(store.db, inbox))?.recent, 3);
    // Not asked for (STATUS without RECENT): not counted.
    assert.equal((await mailboxStatus(store.db, inbox, { recent: false }))?.recent, 0);
    await claimRecent(store, inbox, 2);
    assert.equal((await mailboxStatus(store.db, inbox))?.recent, 1);
    await storeFlags(store, inbox, [3], "add", ["\\Deleted"]);
    await expunge(store, inbox);
    assert.equal((await mailboxStatus(store.db, inbox))?.recent, 0);
    await claimRecent(store, inbox, 3);
    assert.equal((await mailboxStatus(store.db, inbox))?.recent, 0);
  });
});

test("a view's catch-up read: the message count always, the changed messages only past the known modseq", async () => {
  await withTestAccount(async (store, { inbox }) => {
    for (const n of [1, 2, 3]) await appendMessage(store, inbox, msg(n), "", n);
    const first = await mailboxChanges(store.db, inbox, 0);
    assert.deepEqual(first?.changed.map((m) => m.uid), [1, 2, 3]);
    assert.equal(first?.messages, 3);
    const top = Math.max(...(first?.changed.map((m) => m.modseq) ?? []));
    assert.deepEqual(await mailboxChanges(store.db, inbox, top), { messages: 3, changed: [] });
    await storeFlags(store, inbox, [2], "add", ["\\Seen", "\\Deleted"]);
    await expunge(store, inbox);
    // The expunge took a modseq of its own and left no row: the count tells it.
    const after = await mailboxChanges(store.db, inbox, top);
    assert.equal(after?.messages, 2);
    assert.deepEqual(after?.changed, []);
    assert.equal(await mailboxChanges(store.db, inbox + 1000, 0), undefined);
  });
});

test("0020 fills the counters of the mailboxes that already hold messages", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-migrate-"));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqlite(join(dir, "sealpost.db")) }) });
  try {
    const migrator = new Migrator({ db, provider: migrations, allowUnorderedMigrations: true });
    assert.equal((await migrator.migrateTo("0019_quota")).error, undefined);
    await sql`insert into domains (id, name, created_at) values (1, 'example.test', 0)`.execute(db);
    await sql`insert into accounts (id, address, domain_id, password_hash, created_at) values (1, 'a@example.test', 1, 'x', 0)`.execute(db);
    await sql`insert into mailboxes (id, account_id, name, uidvalidity, uidnext, created_at) values (1, 1, 'INBOX', 1, 6, 0), (2, 1, 'Empty', 2, 1, 0)`.execute(db);
    const flags = ["", "\\Seen", "\\Deleted \\Seen", "\\Deleted $Work", "\\Answered \\Seen"];
    for (const [i, f] of flags.entries()) {
      await sql`insert into messages (mailbox_id, uid, blob, size, internal_date, flags) values (1, ${i + 1}, ${`b/${i}`}, 10, 0, ${f})`.execute(db);
    }
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    assert.deepEqual(await counters(db), await scanned(db));
    assert.deepEqual((await counters(db)).get(1), { messages: 5, unseen: 2, deleted: 2 });
    assert.deepEqual((await counters(db)).get(2), { messages: 0, unseen: 0, deleted: 0 });
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
