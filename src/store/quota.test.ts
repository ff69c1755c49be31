import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import {
  accountUsage,
  appendMessage,
  appendMessages,
  copyMessages,
  createMailbox,
  deleteMailbox,
  deliverMessage,
  expunge,
  expungeMessages,
  moveMessages,
  OverQuotaError,
  renameMailbox,
  storeFlags,
  type Store,
} from "./index.ts";
import { withTestAccount } from "../../test/support/store.ts";

/** The real sum of the account's message sizes, by a scan (what the counters must equal). */
async function scannedUsage(store: Store, account: number): Promise<number> {
  const { rows } = await sql<{ n: number | null }>`
    select sum(m.size) as n from messages m join mailboxes b on b.id = m.mailbox_id where b.account_id = ${account}`.execute(store.db);
  return Number(rows[0]?.n ?? 0);
}

const msg = (n: number): Buffer => Buffer.from(`Subject: ${n}\r\n\r\n${"x".repeat(100 * n)}\r\n`);

test("the used-bytes counters equal the sum of the messages' sizes after every kind of write", async () => {
  await withTestAccount(async (store, { account, inbox, trash }) => {
    const check = async (what: string): Promise<void> => {
      const usage = await accountUsage(store.db, account);
      assert.equal(usage?.usedBytes, await scannedUsage(store, account), what);
    };
    await appendMessage(store, inbox, msg(1), "", 1);
    await check("append");
    await appendMessages(store, inbox, [2, 3, 4].map((n) => ({ bytes: msg(n), flags: "", internalDate: n })));
    await check("multiappend");
    await deliverMessage(store, { id: "Q1", message: [msg(5)], accounts: [account] });
    await check("delivery");
    await copyMessages(store, inbox, [1, 2, 3], trash);
    await check("copy");
    await moveMessages(store, inbox, [4], trash);
    await check("move");
    await storeFlags(store, trash, [1, 2], "add", ["\\Deleted"]);
    await expunge(store, trash);
    await check("expunge");
    await expungeMessages(store, inbox, [5]);
    await check("POP3 expunge");
    const box = await createMailbox(store, account, "Projects");
    await copyMessages(store, inbox, [1, 2], box.id);
    await renameMailbox(store, account, "INBOX", "Old inbox");
    await check("rename of INBOX");
    await deleteMailbox(store, account, "Projects");
    await check("delete of a mailbox");
    assert.ok(((await accountUsage(store.db, account))?.usedBytes ?? 0) > 0);
  });
});

test("APPEND and COPY over the quota are refused (nothing stored); MOVE within the account is not", async () => {
  await withTestAccount(async (store, { account, inbox, trash }) => {
    await store.db.updateTable("accounts").set({ quota_bytes: 800 }).where("id", "=", account).execute();
    await appendMessage(store, inbox, msg(4), "", 1);
    await assert.rejects(appendMessage(store, inbox, msg(6), "", 2), (e: unknown) => e instanceof OverQuotaError && e.verdict === "full");
    await assert.rejects(appendMessage(store, inbox, msg(9), "", 3), (e: unknown) => e instanceof OverQuotaError && e.verdict === "too-big");
    await assert.rejects(copyMessages(store, inbox, [1], trash), OverQuotaError);
    await moveMessages(store, inbox, [1], trash);
    const usage = await accountUsage(store.db, account);
    assert.equal(usage?.usedBytes, await scannedUsage(store, account));
    assert.equal(usage?.usedBytes, msg(4).length);
    const rows = await store.db.selectFrom("messages").select("size").execute();
    assert.deepEqual(rows.map((r) => r.size), [msg(4).length]);
  });
});
