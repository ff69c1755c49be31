import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendMessage,
  applyFlagOp,
  claimRecent,
  copyMessages,
  deliverMessage,
  expunge,
  FlagLimitError,
  messageRows,
  messageStates,
  moveMessages,
  storeFlags,
  type Store,
} from "./index.ts";
import { withTestAccount } from "../../test/support/store.ts";

function withAccount(fn: (store: Store, inbox: number, trash: number) => Promise<void>): Promise<void> {
  return withTestAccount((store, ids) => fn(store, ids.inbox, ids.trash));
}

test("applyFlagOp: case-insensitive, system flags first, keywords in order, each once", () => {
  assert.equal(applyFlagOp("\\Seen", "add", ["\\Flagged", "$Work", "\\seen"]), "\\Flagged \\Seen $Work");
  assert.equal(applyFlagOp("\\Seen $Work $Home", "remove", ["$WORK", "\\Draft"]), "\\Seen $Home");
  assert.equal(applyFlagOp("\\Seen $Work", "set", ["\\Deleted"]), "\\Deleted");
  assert.equal(applyFlagOp("", "set", []), "");
  assert.throws(() => applyFlagOp("", "add", Array.from({ length: 101 }, (_, i) => `k${i}`)), FlagLimitError);
});

test("storeFlags: one modseq for the changed messages, unchanged ones keep theirs, others are told", async () => {
  await withAccount(async (store, inbox) => {
    for (let i = 0; i < 3; i++) await appendMessage(store, inbox, Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`), i === 0 ? "\\Flagged" : "", 1000 + i);
    const changed: number[] = [];
    store.events.on("changed", (id) => changed.push(id));
    const res = await storeFlags(store, inbox, [1, 2, 3, 99], "add", ["\\Flagged"]);
    assert.deepEqual(res.map((r) => [r.uid, r.flags, r.changed]), [[1, "\\Flagged", false], [2, "\\Flagged", true], [3, "\\Flagged", true]]);
    const [r1, r2, r3] = res;
    assert.ok(r1 !== undefined && r2 !== undefined && r3 !== undefined);
    assert.equal(r2.modseq, r3.modseq);
    assert.ok(r2.modseq > r1.modseq);
    assert.deepEqual(changed, [inbox]);
    const again = await storeFlags(store, inbox, [1, 2], "add", ["\\Flagged"]);
    assert.ok(again.every((r) => !r.changed));
    assert.deepEqual(changed, [inbox], "no change, no event");
    assert.deepEqual((await messageStates(store.db, inbox)).map((m) => m.flags), ["\\Flagged", "\\Flagged", "\\Flagged"]);
  });
});

test("appendMessage allocates ascending UIDs and keeps bytes, flags and internal date", async () => {
  await withAccount(async (store, inbox) => {
    const owner = await store.db.selectFrom("mailboxes").select("account_id").where("id", "=", inbox).executeTakeFirstOrThrow();
    const delivered = await deliverMessage(store, { id: "test", accounts: [owner.account_id], message: [Buffer.from("Subject: d\r\n\r\n")] });
    assert.equal(delivered[0]?.uid, 1);
    const a = await appendMessage(store, inbox, Buffer.from("Subject: a\r\n\r\n\0binary"), "\\Seen $X", Date.UTC(2026, 0, 2));
    assert.equal(a.uid, 2);
    const [row] = await messageRows(store.db, inbox, [2]);
    assert.ok(row !== undefined);
    assert.deepEqual([row.flags, row.internalDate, row.size], ["\\Seen $X", Date.UTC(2026, 0, 2), 21]);
    assert.deepEqual(await store.blobs.read(row.blob), Buffer.from("Subject: a\r\n\r\n\0binary"));
    const mb = await store.db.selectFrom("mailboxes").select(["uidnext", "uidvalidity"]).where("id", "=", inbox).executeTakeFirstOrThrow();
    assert.deepEqual([mb.uidnext, mb.uidvalidity], [3, a.uidvalidity]);
  });
});

test("copy shares the blob with new UIDs; move removes the source in the same transaction", async () => {
  await withAccount(async (store, inbox, trash) => {
    for (let i = 0; i < 4; i++) await appendMessage(store, inbox, Buffer.from(`Subject: ${i}\r\n\r\n`), i === 1 ? "\\Seen" : "", 5);
    const copied = await copyMessages(store, inbox, [2, 4, 7], trash);
    assert.deepEqual([copied.srcUids, copied.dstUids], [[2, 4], [1, 2]]);
    const src = await messageRows(store.db, inbox, [2]);
    const dst = await messageRows(store.db, trash, [1]);
    assert.equal(dst[0]?.blob, src[0]?.blob);
    assert.equal(dst[0]?.flags, "\\Seen");
    const moved = await moveMessages(store, inbox, [1, 3], trash);
    assert.deepEqual([moved.srcUids, moved.dstUids], [[1, 3], [3, 4]]);
    assert.deepEqual((await messageStates(store.db, inbox)).map((m) => m.uid), [2, 4]);
    assert.deepEqual((await messageStates(store.db, trash)).map((m) => m.uid), [1, 2, 3, 4]);
    const none = await copyMessages(store, inbox, [99], trash);
    assert.deepEqual([none.srcUids, none.dstUids], [[], []]);
  });
});

test("expunge removes only \\Deleted messages, within the UID set when given", async () => {
  await withAccount(async (store, inbox) => {
    for (let i = 0; i < 5; i++) await appendMessage(store, inbox, Buffer.from(`Subject: ${i}\r\n\r\n`), i % 2 === 0 ? "\\Deleted" : "", 5);
    assert.deepEqual(await expunge(store, inbox, [1, 2, 3]), [1, 3]);
    assert.deepEqual(await expunge(store, inbox, []), []);
    assert.deepEqual(await expunge(store, inbox), [5]);
    assert.deepEqual((await messageStates(store.db, inbox)).map((m) => m.uid), [2, 4]);
  });
});

test("messageRows reads a long UID list as one range", async () => {
  await withAccount(async (store, inbox) => {
    const blob = await store.blobs.write([Buffer.from("x")]);
    await store.committer.submit(async (trx) => {
      for (let uid = 1; uid <= 1200; uid++) {
        await trx.insertInto("messages").values({ mailbox_id: inbox, uid, blob: blob.name, size: 1, internal_date: 0, flags: "", modseq: 1 }).execute();
      }
    });
    const wanted = Array.from({ length: 700 }, (_, i) => 1200 - i * 2).concat([5000]);
    const rows = await messageRows(store.db, inbox, wanted);
    assert.equal(rows.length, 600);
    assert.deepEqual(rows.slice(0, 2).map((r) => r.uid), [2, 4], "UID order, missing ones left out");
  });
});

test("claimRecent: each UID is claimed once, by the first session; concurrent claims split, never overlap", async () => {
  await withAccount(async (store, inbox, trash) => {
    for (let i = 0; i < 3; i++) await appendMessage(store, inbox, Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`), "", 1000);
    assert.equal(await claimRecent(store, inbox, 2), 1, "UIDs 1..2");
    assert.equal(await claimRecent(store, inbox, 2), null, "already claimed");
    const [a, b] = await Promise.all([claimRecent(store, inbox, 3), claimRecent(store, inbox, 3)]);
    assert.deepEqual([a, b].sort(), [3, null].sort(), "one of two racing sessions gets UID 3");
    await copyMessages(store, inbox, [1, 2], trash);
    assert.equal(await claimRecent(store, trash, 2), 1, "copies are recent in the target");
  });
});
