import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addAccount, addDomain } from "../directory/index.ts";
import {
  createMailbox, deleteMailbox, deliverMessage, getMailbox, listMailboxes, listMessages, listSubscriptions, mailboxStatus, MailboxAdminError,
  MAX_MAILBOXES, renameMailbox, setSubscribed, superiorNames, validateNewName, type MailboxAdminCode, type Store,
} from "./index.ts";
import { openTestStore } from "../../test/support/postgres.ts";

async function withAccount(fn: (store: Store, accountId: number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-mbadmin-"));
  const store = await openTestStore(dir, { auditFlushMs: 10 });
  try {
    await addDomain(store.db, "example.test");
    const a = await addAccount(store.db, "alice@example.test", "password1");
    await fn(store, a.id);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function refused(p: Promise<unknown>, code: MailboxAdminCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof MailboxAdminError && e.code === code);
}

async function names(store: Store, accountId: number): Promise<string[]> {
  return (await listMailboxes(store.db, accountId)).map((m) => m.name);
}

test("name checks: trailing delimiter dropped, INBOX prefix canonical, bad names refused", () => {
  assert.equal(validateNewName("Projects/"), "Projects");
  assert.equal(validateNewName("inbox/Sub"), "INBOX/Sub");
  assert.equal(validateNewName("Inboxes"), "Inboxes");
  assert.equal(validateNewName("Entwürfe"), "Entwürfe");
  for (const bad of ["", "/", "a//b", "/a", "a*", "50%", "a\r\nb", "tab\there", "a//"]) {
    assert.throws(() => validateNewName(bad), MailboxAdminError, JSON.stringify(bad));
  }
  assert.throws(() => validateNewName("x".repeat(1001)), (e: unknown) => e instanceof MailboxAdminError && e.code === "LIMIT");
  assert.equal(validateNewName("ü".repeat(500)).length, 500);
  assert.deepEqual(superiorNames("a/b/c"), ["a", "a/b"]);
  assert.deepEqual(superiorNames("a"), []);
});

test("CREATE makes missing parents, unsubscribed, with fresh UIDVALIDITY; duplicates refused", async () => {
  await withAccount(async (store, id) => {
    const before = await listMailboxes(store.db, id);
    const row = await createMailbox(store, id, "Projects/2026/Q1");
    assert.equal(row.name, "Projects/2026/Q1");
    assert.ok(!(await listSubscriptions(store.db, id)).includes("Projects/2026/Q1"));
    assert.equal(row.uidnext, 1);
    const all = await listMailboxes(store.db, id);
    assert.deepEqual(all.map((m) => m.name).filter((n) => n.startsWith("Projects")), ["Projects", "Projects/2026", "Projects/2026/Q1"]);
    const maxBefore = Math.max(...before.map((m) => m.uidvalidity));
    const fresh = all.filter((m) => m.name.startsWith("Projects")).map((m) => m.uidvalidity);
    assert.ok(fresh.every((v) => v > maxBefore));
    assert.equal(new Set(fresh).size, 3);
    await createMailbox(store, id, "Projects/2027");
    await refused(createMailbox(store, id, "Projects"), "ALREADYEXISTS");
    await refused(createMailbox(store, id, "Projects/"), "ALREADYEXISTS");
    await refused(createMailbox(store, id, "INBOX"), "ALREADYEXISTS");
    await refused(createMailbox(store, id, "a%"), "CANNOT");
    // "inbox/x" is a child of INBOX.
    assert.equal((await createMailbox(store, id, "inbox/x")).name, "INBOX/x");
  });
});

test("CREATE stops at the per-account mailbox limit", async () => {
  await withAccount(async (store, id) => {
    const have = (await names(store, id)).length;
    await store.committer.submit(async (trx) => {
      for (let i = have; i < MAX_MAILBOXES - 1; i++) {
        await trx.insertInto("mailboxes").values({ account_id: id, name: `box${i}`, special_use: null, uidvalidity: i + 1, uidnext: 1, highest_modseq: 1, created_at: 0 }).execute();
      }
    });
    await refused(createMailbox(store, id, "deep/one"), "LIMIT");
    await createMailbox(store, id, "last");
    await refused(createMailbox(store, id, "one-more"), "LIMIT");
    assert.equal((await names(store, id)).length, MAX_MAILBOXES);
  });
});

test("DELETE removes the mailbox and its messages; INBOX, missing and parent mailboxes are refused", async () => {
  await withAccount(async (store, id) => {
    await createMailbox(store, id, "Old/Child");
    await deliverMessage(store, { id: "test", accounts: [id], message: [Buffer.from("Subject: x\r\n\r\nx\r\n")] });
    await renameMailbox(store, id, "INBOX", "Old/Child/Moved");
    const moved = await getMailbox(store.db, id, "Old/Child/Moved");
    assert.ok(moved !== undefined);
    await refused(deleteMailbox(store, id, "INBOX"), "CANNOT");
    await refused(deleteMailbox(store, id, "inbox"), "CANNOT");
    await refused(deleteMailbox(store, id, "Nope"), "NONEXISTENT");
    await refused(deleteMailbox(store, id, "Old"), "HASCHILDREN");
    const events: number[] = [];
    store.events.on("changed", (mb) => events.push(mb));
    assert.deepEqual(await deleteMailbox(store, id, "Old/Child/Moved"), { id: moved.id, messages: 1 });
    assert.deepEqual(events, [moved.id]);
    const left = await store.db.selectFrom("messages").select("id").where("mailbox_id", "=", moved.id).execute();
    assert.equal(left.length, 0);
    await deleteMailbox(store, id, "Old/Child");
    await deleteMailbox(store, id, "Old");
    assert.ok(!(await names(store, id)).some((n) => n.startsWith("Old")));
    // A name deleted and created again gets a new UIDVALIDITY.
    await createMailbox(store, id, "Again");
    const v1 = (await getMailbox(store.db, id, "Again"))?.uidvalidity;
    await deleteMailbox(store, id, "Again");
    const v2 = (await createMailbox(store, id, "Again")).uidvalidity;
    assert.ok(v1 !== undefined && v2 > v1);
  });
});

test("RENAME moves children, keeps UIDVALIDITY, creates target parents, refuses conflicts", async () => {
  await withAccount(async (store, id) => {
    await createMailbox(store, id, "A/B/C");
    await setSubscribed(store, id, "A/B", true);
    const b = await getMailbox(store.db, id, "A/B");
    await renameMailbox(store, id, "A", "X/Y");
    const all = await names(store, id);
    assert.ok(!all.some((n) => n === "A" || n.startsWith("A/")));
    for (const n of ["X", "X/Y", "X/Y/B", "X/Y/B/C"]) assert.ok(all.includes(n), n);
    const nb = await getMailbox(store.db, id, "X/Y/B");
    assert.equal(nb?.id, b?.id);
    assert.equal(nb?.uidvalidity, b?.uidvalidity);
    // RENAME moves the subscriptions of the name and its inferiors (RFC 9051 §6.3.6, as Dovecot).
    assert.ok((await listSubscriptions(store.db, id)).includes("X/Y/B"));
    assert.ok(!(await listSubscriptions(store.db, id)).includes("A/B"));
    await refused(renameMailbox(store, id, "Nope", "Z"), "NONEXISTENT");
    await refused(renameMailbox(store, id, "X", "Sent"), "ALREADYEXISTS");
    await refused(renameMailbox(store, id, "X", "X/Y/Z"), "CANNOT");
    await refused(renameMailbox(store, id, "X", "X"), "ALREADYEXISTS");
    await refused(renameMailbox(store, id, "X", "bad*"), "CANNOT");
    // Special-use stays with the mailbox.
    await renameMailbox(store, id, "Sent", "Sent Items");
    assert.equal((await getMailbox(store.db, id, "Sent Items"))?.specialUse, "\\Sent");
  });
});

test("RENAME INBOX moves its messages to a new mailbox and leaves INBOX empty", async () => {
  await withAccount(async (store, id) => {
    for (let i = 0; i < 3; i++) await deliverMessage(store, { id: "test", accounts: [id], message: [Buffer.from(`Subject: ${i}\r\n\r\n${i}\r\n`)] });
    const inbox = await getMailbox(store.db, id, "INBOX");
    assert.ok(inbox !== undefined);
    const events: number[] = [];
    store.events.on("changed", (mb) => events.push(mb));
    await renameMailbox(store, id, "INBOX", "Old Mail");
    const old = await getMailbox(store.db, id, "Old Mail");
    assert.ok(old !== undefined);
    assert.deepEqual((await listMessages(store.db, id, "Old Mail")).map((m) => m.uid), [1, 2, 3]);
    assert.equal(old.uidnext, 4);
    assert.notEqual(old.uidvalidity, inbox.uidvalidity);
    assert.equal((await listMessages(store.db, id, "INBOX")).length, 0);
    const after = await getMailbox(store.db, id, "INBOX");
    assert.equal(after?.uidnext, 4);
    assert.equal(after?.uidvalidity, inbox.uidvalidity);
    assert.ok((after?.highestModseq ?? 0) > inbox.highestModseq);
    assert.deepEqual(events.sort(), [inbox.id, old.id].sort());
    // New mail still goes to INBOX, with UIDs that were never used there.
    const [stored] = await deliverMessage(store, { id: "test", accounts: [id], message: [Buffer.from("Subject: new\r\n\r\nnew\r\n")] });
    assert.equal(stored?.uid, 4);
  });
});

test("SUBSCRIBE / UNSUBSCRIBE, and STATUS counts", async () => {
  await withAccount(async (store, id) => {
    await createMailbox(store, id, "Lists");
    await setSubscribed(store, id, "Lists", true);
    assert.ok((await listSubscriptions(store.db, id)).includes("Lists"));
    await setSubscribed(store, id, "Lists", false);
    assert.ok(!(await listSubscriptions(store.db, id)).includes("Lists"));
    await refused(setSubscribed(store, id, "Lists", false), "NONEXISTENT");
    // RFC 9051 §6.3.7: a subscription is a name; it may name no mailbox, and outlives its mailbox.
    await setSubscribed(store, id, "Nope", true);
    await setSubscribed(store, id, "Lists", true);
    await deleteMailbox(store, id, "Lists");
    assert.deepEqual((await listSubscriptions(store.db, id)).filter((n) => n === "Lists" || n === "Nope"), ["Lists", "Nope"]);
    await refused(setSubscribed(store, id, "a//b", true), "CANNOT");

    const inbox = await getMailbox(store.db, id, "INBOX");
    assert.ok(inbox !== undefined);
    assert.deepEqual(await mailboxStatus(store.db, inbox.id), {
      messages: 0, recent: 0, unseen: 0, deleted: 0, size: 0, uidnext: 1, uidvalidity: inbox.uidvalidity, highestModseq: inbox.highestModseq,
    });
    const bodies = ["Subject: a\r\n\r\na\r\n", "Subject: bb\r\n\r\nbb\r\n", "Subject: ccc\r\n\r\nccc\r\n"];
    for (const body of bodies) await deliverMessage(store, { id: "test", accounts: [id], message: [Buffer.from(body)] });
    await store.db.updateTable("messages").set({ flags: "\\Seen" }).where("mailbox_id", "=", inbox.id).where("uid", "=", 1).execute();
    await store.db.updateTable("messages").set({ flags: "$Seen \\Deleted \\Flagged" }).where("mailbox_id", "=", inbox.id).where("uid", "=", 2).execute();
    const s = await mailboxStatus(store.db, inbox.id);
    assert.equal(s?.messages, 3);
    assert.equal(s?.recent, 3, "delivered, selected by no one yet");
    assert.equal(s?.unseen, 2);
    assert.equal(s?.deleted, 1);
    assert.equal(s?.size, bodies.reduce((n, b) => n + Buffer.byteLength(b), 0));
    assert.equal(s?.uidnext, 4);
    assert.equal(await mailboxStatus(store.db, 999_999), undefined);
  });
});
