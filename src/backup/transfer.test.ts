import { test } from "node:test";
import assert from "node:assert/strict";
import { addAccount } from "../directory/index.ts";
import { appendMessage, appendMessages, createMailbox, listMailboxes, messageRows, type Store } from "../store/index.ts";
import { withTestAccount } from "../../test/support/store.ts";
import { BackupError, exportAccount, importAccount } from "./index.ts";

/** Every mailbox's messages: name → [flags, internal date (whole seconds), bytes]. */
async function contents(store: Store, accountId: number): Promise<Record<string, Array<[string, number, string]>>> {
  const out: Record<string, Array<[string, number, string]>> = {};
  for (const mb of await listMailboxes(store.db, accountId)) {
    const uids = (await store.db.selectFrom("messages").select("uid").where("mailbox_id", "=", mb.id).orderBy("uid").execute()).map((r) => r.uid);
    const rows = await messageRows(store.db, mb.id, uids);
    out[mb.name] = await Promise.all(rows.map(async (r) => [r.flags, Math.floor(r.internalDate / 1000), (await store.blobs.read(r.blob)).toString("latin1")] as [string, number, string]));
  }
  return out;
}

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

test("export pages through a large mailbox; import into another account gives the same mailboxes, flags, dates and bytes", async () => {
  await withTestAccount(async (store, ids) => {
    const lists = await createMailbox(store, ids.account, "Lists/node");
    const made = Array.from({ length: 230 }, (_, i) => ({
      bytes: Buffer.from(`Subject: ${i}\r\n\r\nFrom line ${i}\r\n${i % 7 === 0 ? ">From quoted\r\n" : ""}end\r\n`),
      flags: i % 2 === 0 ? "\\Seen" : "\\Flagged kw1",
      internalDate: 1_700_000_000_000 + i * 1000,
    }));
    await appendMessages(store, lists.id, made.filter((_, i) => i % 3 === 0));
    const inbox = made.filter((_, i) => i % 3 !== 0);
    const { uids } = await appendMessages(store, ids.inbox, inbox.slice(0, 150));
    assert.deepEqual(uids, Array.from({ length: 150 }, (_, i) => i + 1), "consecutive UIDs in the order given");
    for (const m of inbox.slice(150)) await appendMessage(store, ids.inbox, m.bytes, m.flags, m.internalDate);
    const parts: Buffer[] = [];
    const r = await exportAccount(store, "A@Example.TEST", async (c) => {
      parts.push(Buffer.from(c));
    });
    assert.deepEqual({ messages: r.messages, skipped: r.skipped, address: r.address }, { messages: 230, skipped: 0, address: "a@example.test" });

    const b = await addAccount(store.db, "b@example.test", "password2");
    const file = Buffer.concat(parts);
    const imported = await importAccount(store, "b@example.test", chunks(file, 4093), { maxMessageBytes: 1 << 20 });
    assert.equal(imported.messages, 230);
    assert.deepEqual(imported.created, ["Lists", "Lists/node"]);
    assert.deepEqual(await contents(store, b.id), await contents(store, ids.account));

    await assert.rejects(exportAccount(store, "nobody@example.test", async () => undefined), BackupError);
    await assert.rejects(importAccount(store, "b@example.test", chunks(Buffer.from("no mbox\n"), 10), { maxMessageBytes: 100 }), /not an mbox file/);
  });
});
