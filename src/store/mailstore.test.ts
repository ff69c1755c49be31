import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addAccount, addDomain } from "../directory/index.ts";
import { DEFAULT_MAILBOXES, deliverMessage, listMessages, openStore } from "./index.ts";
import { openTestStore } from "../../test/support/postgres.ts";

async function withStore(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-store-"));
  const store = await openTestStore(dir, { auditFlushMs: 10 });
  try {
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a new account gets INBOX and the special-use mailboxes", async () => {
  await withStore(async (store) => {
    await addDomain(store.db, "example.test");
    const a = await addAccount(store.db, "Alice@Example.test", "password1");
    assert.equal(a.address, "alice@example.test");
    const boxes = await store.db.selectFrom("mailboxes").select(["name", "special_use", "uidvalidity", "uidnext"]).where("account_id", "=", a.id).execute();
    assert.deepEqual(boxes.map((b) => b.name).sort(), DEFAULT_MAILBOXES.map((m) => m.name).sort());
    assert.equal(boxes.find((b) => b.name === "Sent")?.special_use, "\\Sent");
    assert.ok(boxes.every((b) => b.uidvalidity > 0 && b.uidnext === 1));
  });
});

test("concurrent deliveries share commits, get ascending UIDs, and keep their bytes", async () => {
  await withStore(async (store) => {
    await addDomain(store.db, "example.test");
    const a = await addAccount(store.db, "a@example.test", "password1");
    const b = await addAccount(store.db, "b@example.test", "password1");
    const before = { ...store.committer.stats };
    const sent = Array.from({ length: 40 }, (_, i) => Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`));
    const results = await Promise.all(sent.map((m, i) => deliverMessage(store, { id: "test", accounts: i % 2 === 0 ? [a.id, b.id] : [a.id], message: [m] })));
    assert.equal(results.length, 40);
    const items = store.committer.stats.items - before.items;
    const transactions = store.committer.stats.transactions - before.transactions;
    assert.equal(items, 40);
    assert.ok(transactions < items, `40 deliveries took ${transactions} commits`);
    const inA = await listMessages(store.db, a.id);
    const inB = await listMessages(store.db, b.id);
    assert.equal(inA.length, 40);
    assert.equal(inB.length, 20);
    assert.deepEqual(inA.map((m) => m.uid), Array.from({ length: 40 }, (_, i) => i + 1));
    const bodies = await Promise.all(inA.map((m) => store.blobs.read(m.blob)));
    assert.deepEqual(bodies.map((x) => x.toString()).sort(), sent.map((x) => x.toString()).sort());
    const inbox = await store.db.selectFrom("mailboxes").select("uidnext").where("account_id", "=", a.id).where("name", "=", "INBOX").executeTakeFirstOrThrow();
    assert.equal(inbox.uidnext, 41);
    // One blob per delivered message, shared by its recipients.
    const files = readdirSync(store.blobs.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.equal(files.length, 40);
  });
});

test("a failing item in a batch does not fail its neighbours", async () => {
  await withStore(async (store) => {
    await addDomain(store.db, "example.test");
    const good = store.committer.submit((trx) => trx.insertInto("domains").values({ name: "ok.test", mandatory_tls: 0, created_at: 1 }).execute());
    const bad = store.committer.submit((trx) => trx.insertInto("domains").values({ name: "example.test", mandatory_tls: 0, created_at: 1 }).execute());
    await good;
    await assert.rejects(bad);
    const names = (await store.db.selectFrom("domains").select("name").execute()).map((d) => d.name).sort();
    assert.deepEqual(names, ["example.test", "ok.test"]);
  });
});
