import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import {
  accountUsage,
  appendMessage,
  copyMessages,
  moveMessages,
  OverQuotaError,
  type Store,
} from "./index.ts";
import { everyWrite, withTestAccount } from "../../test/support/store.ts";

/** The real sum of the account's message sizes, by a scan (what the counters must equal). */
async function scannedUsage(store: Store, account: number): Promise<number> {
  const { rows } = await sql<{ n: number | null }>`
    select sum(m.size) as n from messages m join mailboxes b on b.id = m.mailbox_id where b.account_id = ${account}`.execute(store.db);
  return Number(rows[0]?.n ?? 0);
}

const msg = (n: number): Buffer => Buffer.from(`Subject: ${n}\r\n\r\n${"x".repeat(100 * n)}\r\n`);

test("the used-bytes counters equal the sum of the messages' sizes after every kind of write", async () => {
  await withTestAccount(async (store, ids) => {
    const { account } = ids;
    const check = async (what: string): Promise<void> => {
      const usage = await accountUsage(store.db, account);
      assert.equal(usage?.usedBytes, await scannedUsage(store, account), what);
    };
    await everyWrite(store, ids, msg, check);
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
