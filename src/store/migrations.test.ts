import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, SqliteDialect, sql } from "kysely";
import { Migrator } from "kysely/migration";
import { migrations } from "./migrations.ts";
import { openSqlite } from "./sqlite.ts";
import { openStore } from "./database.ts";
import { enqueue } from "../queue/index.ts";

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

test("0015 rebuilds accounts (domain_id may be NULL) through openStore without cascading to mailboxes, grants or sessions", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-migrate-"));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqlite(join(dir, "sealpost.db")) }) });
  try {
    assert.equal((await new Migrator({ db, provider: migrations }).migrateTo("0014_web_sessions")).error, undefined);
    await sql`insert into domains (id, name, mandatory_tls, created_at) values (1, 'example.test', 0, 1)`.execute(db);
    await sql`insert into accounts (id, address, domain_id, password_hash, disabled, created_at, role) values (7, 'a@example.test', 1, 'h', 0, 1, 'domain-admin')`.execute(db);
    await sql`insert into mailboxes (account_id, name, uidvalidity, created_at) values (7, 'INBOX', 1, 1)`.execute(db);
    await sql`insert into domain_admins (domain, account_id, granted_at) values ('customer.test', 7, 1)`.execute(db);
    await sql`insert into web_sessions (id_hash, account_id, created_at, last_seen, client_ip) values ('x', 7, 1, 1, '127.0.0.1')`.execute(db);
  } finally {
    await db.destroy();
  }
  const store = await openStore(dir);
  try {
    const count = async (table: "mailboxes" | "domain_admins" | "web_sessions"): Promise<number> =>
      Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    assert.deepEqual([await count("mailboxes"), await count("domain_admins"), await count("web_sessions")], [1, 1, 1]);
    assert.deepEqual((await store.db.selectFrom("accounts").select(["id", "address", "domain_id", "role"]).execute()).map((r) => ({ ...r })), [{ id: 7, address: "a@example.test", domain_id: 1, role: "domain-admin" }]);
    await store.db.insertInto("accounts").values({ address: "postmaster@customer.test", domain_id: null, password_hash: "h", created_at: 2 }).execute();
    // The keys are on again: a mailbox of no account is refused.
    await assert.rejects(sql`insert into mailboxes (account_id, name, uidvalidity, created_at) values (999, 'INBOX', 1, 1)`.execute(store.db), /FOREIGN KEY/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("0017 moves subscriptions into their own table (the one truth) and makes existing messages old (\\Recent mark at uidnext)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-migrate-"));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqlite(join(dir, "sealpost.db")) }) });
  try {
    const migrator = new Migrator({ db, provider: migrations });
    assert.equal((await migrator.migrateTo("0016_campaign")).error, undefined);
    await sql`insert into domains (id, name, mandatory_tls, created_at) values (1, 'example.test', 0, 1)`.execute(db);
    await sql`insert into accounts (id, address, domain_id, password_hash, disabled, created_at) values (7, 'a@example.test', 1, 'h', 0, 1)`.execute(db);
    await sql`insert into mailboxes (account_id, name, subscribed, uidvalidity, uidnext, created_at) values (7, 'INBOX', 1, 1, 12, 1), (7, 'Old', 0, 2, 1, 1), (7, 'Lists', 1, 3, 5, 1)`.execute(db);

    assert.equal((await migrator.migrateToLatest()).error, undefined);

    const subs = (await sql<{ account_id: number; name: string }>`select account_id, name from subscriptions order by name`.execute(db)).rows;
    assert.deepEqual(subs.map((r) => ({ ...r })), [{ account_id: 7, name: "INBOX" }, { account_id: 7, name: "Lists" }]);
    const columns = (await sql<{ name: string }>`select name from pragma_table_info('mailboxes')`.execute(db)).rows.map((r) => r.name);
    assert.ok(!columns.includes("subscribed"), "one source of truth");
    const marks = (await sql<{ name: string; recent_uid: number }>`select name, recent_uid from mailboxes order by name`.execute(db)).rows;
    assert.deepEqual(marks.map((r) => ({ ...r })), [{ name: "INBOX", recent_uid: 12 }, { name: "Lists", recent_uid: 5 }, { name: "Old", recent_uid: 1 }]);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("0028: a message queued before signing moved to the hand-off is signed on delivery; one the queue adds since is not", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-migrate-"));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqlite(join(dir, "sealpost.db")) }) });
  try {
    assert.equal((await new Migrator({ db, provider: migrations }).migrateTo("0027_requiretls")).error, undefined);
    await sql`insert into queue (id, created_at, mail_from, blob, size, source, owns_blob) values ('OLD', 1000, 'a@example.test', 'ab/cd', 10, 'submission:a@example.test', 1)`.execute(db);
  } finally {
    await db.destroy();
  }
  const store = await openStore(dir);
  try {
    await store.committer.submit((trx) => enqueue(trx, { id: "NEW", from: "a@example.test", recipients: ["b@example.org"], blob: "ef/gh", size: 10, source: "submission:a@example.test" }));
    const rows = await store.db.selectFrom("queue").select(["id", "sign_on_delivery"]).orderBy("id").execute();
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: "NEW", sign_on_delivery: 0 }, { id: "OLD", sign_on_delivery: 1 }]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
