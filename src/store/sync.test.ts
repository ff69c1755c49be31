import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import {
  appendMessages,
  createMailbox,
  deleteMailbox,
  expunge,
  expungeMessages,
  getMailbox,
  moveMessages,
  renameMailbox,
  storeFlags,
  type Store,
} from "./index.ts";
import { expungedSince, flagStates, highestModseq, recordExpunged } from "./sync.ts";
import { withTestAccount } from "../../test/support/store.ts";

async function fill(store: Store, mailbox: number, n: number): Promise<number[]> {
  const msgs = Array.from({ length: n }, (_, i) => ({ bytes: Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`), flags: "", internalDate: 1000 + i }));
  return (await appendMessages(store, mailbox, msgs)).uids;
}

async function since(store: Store, mailbox: number, modseq: number): Promise<{ uids: number[]; complete: boolean }> {
  const { uids, complete } = await expungedSince(store.db, mailbox, modseq);
  return { uids, complete };
}

async function tombstones(store: Store, mailbox: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from expunged where mailbox_id = ${mailbox}`.execute(store.db);
  return Number(rows[0]?.n ?? 0);
}

test("every path that removes messages takes a new modseq and remembers each UID with it", async () => {
  await withTestAccount(async (store, { inbox, trash }) => {
    await fill(store, inbox, 6);
    const m0 = await highestModseq(store.db, inbox);
    await storeFlags(store, inbox, [1, 2], "add", ["\\Deleted"]);
    assert.deepEqual(await expunge(store, inbox), [1, 2]);
    const m1 = await highestModseq(store.db, inbox);
    assert.equal(m1, m0 + 2, "STORE took one modseq, EXPUNGE another");
    await moveMessages(store, inbox, [3], trash);
    const m2 = await highestModseq(store.db, inbox);
    assert.equal(m2, m1 + 1);
    // CLOSE and POP3: a UID already gone is not remembered twice.
    assert.equal(await expungeMessages(store, inbox, [4, 3]), 1);
    const m3 = await highestModseq(store.db, inbox);
    assert.equal(m3, m2 + 1);
    assert.deepEqual(await since(store, inbox, m0), { uids: [1, 2, 3, 4], complete: true });
    assert.deepEqual(await since(store, inbox, m1), { uids: [3, 4], complete: true });
    assert.deepEqual(await since(store, inbox, m2), { uids: [4], complete: true });
    assert.deepEqual(await since(store, inbox, m3), { uids: [], complete: true });
    assert.deepEqual(await since(store, trash, 0), { uids: [], complete: true }, "a MOVE's target loses nothing");
  });
});

test("flagStates reads flags and modseq of existing UIDs, only the changed ones with a modseq given", async () => {
  await withTestAccount(async (store, { inbox }) => {
    await fill(store, inbox, 4);
    const before = await highestModseq(store.db, inbox);
    const [changed] = await storeFlags(store, inbox, [3], "add", ["$Work"]);
    assert.ok(changed !== undefined);
    const all = await flagStates(store.db, inbox, [1, 3, 9]);
    assert.deepEqual([...all.keys()], [1, 3]);
    assert.deepEqual(all.get(3), { flags: "$Work", modseq: changed.modseq });
    assert.deepEqual([...(await flagStates(store.db, inbox, [1, 2, 3, 4], before)).keys()], [3]);
  });
});

test("renaming INBOX expunges its messages there; deleting a mailbox takes its tombstones along", async () => {
  await withTestAccount(async (store, { account, inbox }) => {
    await fill(store, inbox, 3);
    const m0 = await highestModseq(store.db, inbox);
    await renameMailbox(store, account, "INBOX", "Old");
    assert.deepEqual(await since(store, inbox, m0), { uids: [1, 2, 3], complete: true });
    const old = await getMailbox(store.db, account, "Old");
    assert.ok(old !== undefined);
    await expungeMessages(store, old.id, [2]);
    assert.equal(await tombstones(store, old.id), 1);
    await deleteMailbox(store, account, "Old");
    assert.equal(await tombstones(store, old.id), 0);
    const again = await createMailbox(store, account, "Old");
    assert.deepEqual(await since(store, again.id, 0), { uids: [], complete: true });
  });
});

test("tombstones are bounded: the oldest are pruned and the floor says from where answers are incomplete", async () => {
  await withTestAccount(async (store, { inbox }) => {
    const modseqs: number[] = [];
    // 11 expunges of 1,000 UIDs each: the 11th passes 10,000 and prunes to the newest 5,000.
    for (let b = 0; b < 11; b++) {
      const uids = Array.from({ length: 1000 }, (_, i) => b * 1000 + i + 1);
      modseqs.push(await store.committer.submit((trx) => recordExpunged(trx, inbox, uids)));
    }
    assert.equal(await tombstones(store, inbox), 5000);
    const { rows } = await sql<{ c: number }>`select expunged_count as c from mailboxes where id = ${inbox}`.execute(store.db);
    assert.equal(rows[0]?.c, 5000);
    const sixth = modseqs[5] ?? 0;
    assert.equal((await expungedSince(store.db, inbox, sixth)).complete, true);
    assert.equal((await expungedSince(store.db, inbox, sixth)).uids.length, 5000);
    assert.equal((await expungedSince(store.db, inbox, sixth - 1)).complete, false);
    // One expunge too large to remember is not remembered at all.
    const big = Array.from({ length: 6000 }, (_, i) => 20_000 + i);
    const last = await store.committer.submit((trx) => recordExpunged(trx, inbox, big));
    assert.equal(await tombstones(store, inbox), 0);
    assert.deepEqual(await since(store, inbox, last - 1), { uids: [], complete: false });
    assert.deepEqual(await since(store, inbox, last), { uids: [], complete: true });
  });
});
