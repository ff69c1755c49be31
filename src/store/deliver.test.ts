import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { addAccount } from "../directory/index.ts";
import { deleteMailbox, deliverMessage, getMailbox, listMessages, renameMailbox, type Store } from "./index.ts";
import { withFailingWal, withTestAccount } from "../../test/support/store.ts";

/** Every blob file under blobs/, as "bucket/name". */
function files(store: Store): string[] {
  return readdirSync(store.blobs.dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${e.parentPath.slice(store.blobs.dir.length + 1)}/${e.name}`)
    .sort();
}

/** The mailboxes "changed" was emitted for, in order. */
function changes(store: Store): number[] {
  const seen: number[] = [];
  store.events.on("changed", (id) => seen.push(id));
  return seen;
}

const parts = [Buffer.from("Subject: hello\r\n"), Buffer.from("\r\nbody\r\n")];

test("a delivery stores one blob, an INBOX row per account naming it, and the caller's rows, in one commit", async () => {
  await withTestAccount(async (store, ids) => {
    const b = await addAccount(store.db, "b@example.test", "password1");
    const bInbox = (await getMailbox(store.db, b.id, "INBOX"))?.id;
    const seen = changes(store);
    const stored = await deliverMessage(store, {
      id: "Q123",
      message: parts,
      accounts: [ids.account, b.id, ids.account],
      internalDate: 1_700_000_000_000,
      // Any row of the caller's (the MX's queue entry and audit rows); it is given the id and the blob.
      alsoInCommit: async (trx, ctx) => {
        await trx.insertInto("tls_policies").values({ domain: ctx.id.toLowerCase(), level: ctx.blob.name, updated_at: ctx.internalDate }).execute();
      },
    });
    assert.deepEqual(stored.map((m) => m.mailboxId), [ids.inbox, bInbox], "each account once");
    const [inA, inB] = [await listMessages(store.db, ids.account), await listMessages(store.db, b.id)];
    assert.equal(inA.length, 1);
    assert.equal(inB.length, 1);
    assert.equal(inA[0]?.blob, inB[0]?.blob, "the recipients share one blob");
    assert.equal(inA[0]?.internalDate, 1_700_000_000_000);
    assert.equal(inA[0]?.size, Buffer.concat(parts).length);
    assert.deepEqual(files(store), [inA[0]?.blob]);
    assert.equal((await store.blobs.read(inA[0]?.blob ?? "")).toString(), "Subject: hello\r\n\r\nbody\r\n");
    const row = await store.db.selectFrom("tls_policies").selectAll().where("domain", "=", "q123").executeTakeFirst();
    assert.equal(row?.level, inA[0]?.blob, "the caller's row names the same blob");
    assert.deepEqual(seen, [ids.inbox, bInbox]);
    assert.equal(store.blobs.isInFlight(inA[0]?.blob ?? ""), false);
  });
});

test("target junk: into the folder with the \\Junk attribute whatever its name, announced to its watchers; the INBOX when the account has none", async () => {
  await withTestAccount(async (store, ids) => {
    const seen = changes(store);
    const [first] = await deliverMessage(store, { id: "Q1", message: parts, accounts: [ids.account], target: "junk" });
    const junk = await getMailbox(store.db, ids.account, "Junk");
    assert.equal(junk?.specialUse, "\\Junk");
    assert.equal(first?.mailboxId, junk?.id);
    assert.deepEqual(seen, [junk?.id]);
    assert.equal((await listMessages(store.db, ids.account, "Junk")).length, 1);
    assert.equal((await listMessages(store.db, ids.account)).length, 0);
    // RFC 6154: the attribute marks the folder, not its name.
    await renameMailbox(store, ids.account, "Junk", "Spam");
    const [second] = await deliverMessage(store, { id: "Q2", message: parts, accounts: [ids.account], target: "junk" });
    assert.equal(second?.mailboxId, junk?.id);
    assert.equal((await listMessages(store.db, ids.account, "Spam")).length, 2);
    await deleteMailbox(store, ids.account, "Spam");
    const [third] = await deliverMessage(store, { id: "Q3", message: parts, accounts: [ids.account], target: "junk" });
    assert.equal(third?.mailboxId, ids.inbox);
    assert.equal(await getMailbox(store.db, ids.account, "Junk"), undefined, "a deleted Junk folder is not made again");
  });
});

test("a blob the caller wrote is delivered as it is; no accounts means only the caller's rows", async () => {
  await withTestAccount(async (store, ids) => {
    const blob = await store.blobs.write(parts);
    await deliverMessage(store, { id: "Q1", message: blob, accounts: [ids.account] });
    assert.deepEqual((await listMessages(store.db, ids.account)).map((m) => m.blob), [blob.name]);
    assert.deepEqual(files(store), [blob.name]);

    const seen = changes(store);
    let ran = false;
    const stored = await deliverMessage(store, { id: "Q2", message: parts, accounts: [], alsoInCommit: async () => void (ran = true) });
    assert.deepEqual(stored, []);
    assert.ok(ran);
    assert.deepEqual(seen, [], "no mailbox changed");
  });
});

test("a failing alsoInCommit commits nothing, leaves no file and emits nothing", async () => {
  await withTestAccount(async (store, ids) => {
    const seen = changes(store);
    const refuse = async (): Promise<void> => {
      throw new Error("queue row refused");
    };
    await assert.rejects(deliverMessage(store, { id: "Q1", message: parts, accounts: [ids.account], alsoInCommit: refuse }), /queue row refused/);
    const written = await store.blobs.write(parts);
    await assert.rejects(deliverMessage(store, { id: "Q2", message: written, accounts: [ids.account], alsoInCommit: refuse }), /queue row refused/);
    assert.deepEqual(await listMessages(store.db, ids.account), []);
    assert.deepEqual(files(store), [], "both files removed at once");
    assert.equal(store.blobs.isInFlight(written.name), false);
    assert.deepEqual(seen, []);
  });
});

test('"changed" comes after the commit: a listener reads the row, and an unacknowledged commit announces nothing', async () => {
  await withTestAccount(async (store, ids) => {
    const reads: Array<Promise<number>> = [];
    store.events.on("changed", (id) => {
      reads.push(store.db.selectFrom("messages").select("uid").where("mailbox_id", "=", id).execute().then((r) => r.length));
    });
    await deliverMessage(store, { id: "Q1", message: parts, accounts: [ids.account] });
    assert.deepEqual(await Promise.all(reads), [1]);

    // The transaction lands but its WAL fsync fails: not durable, so not acknowledged and not announced.
    const failingWal = withFailingWal(store);
    await assert.rejects(deliverMessage(failingWal, { id: "Q2", message: parts, accounts: [ids.account] }), /I\/O error/);
    assert.equal((await listMessages(store.db, ids.account)).length, 2, "the row is in the database");
    assert.equal(reads.length, 1, "but no second \"changed\"");
  });
});
