/**
 * Two stores on one database — two processes of one machine on SQLite, two nodes on PostgreSQL —
 * writing to the same mailbox at once: every UID is handed out once, MODSEQs only grow, and the
 * mailbox's counters add up. On PostgreSQL this holds by the write transactions' lock
 * (src/store/postgres.ts): without it both stores read the same UIDNEXT.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addAccount, addDomain } from "../directory/index.ts";
import { appendMessage, deliverMessage, getMailbox, openStore, storeFlags } from "./index.ts";
import { testStoreOptions } from "../../test/support/postgres.ts";

const PER_STORE = 60;

test("two stores on one database append, deliver and flag in one mailbox at once: each UID once, counters exact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-writers-"));
  const database = testStoreOptions();
  const [a, b] = [await openStore(dir, database), await openStore(dir, database)];
  try {
    await addDomain(a.db, "example.test");
    const account = await addAccount(a.db, "a@example.test", "password1");
    const inbox = (await getMailbox(a.db, account.id, "INBOX"))?.id;
    assert.ok(inbox !== undefined);
    const msg = (who: string, i: number): Buffer => Buffer.from(`Subject: ${who} ${i}\r\n\r\nbody\r\n`);
    const writes = [a, b].flatMap((store, s) =>
      Array.from({ length: PER_STORE }, async (_, i) => {
        if (i % 3 === 0) {
          await deliverMessage(store, { id: `Q${s}-${i}`, message: [msg(`d${s}`, i)], accounts: [account.id] });
          return [];
        }
        const { uid } = await appendMessage(store, inbox, msg(`s${s}`, i), "", 1000 + i);
        await storeFlags(store, inbox, [uid], "add", ["\\Seen"]);
        return [uid];
      }),
    );
    const appended = (await Promise.all(writes)).flat();
    assert.equal(new Set(appended).size, appended.length, "an APPENDUID was handed out twice");
    const rows = await a.db.selectFrom("messages").select(["uid", "modseq", "flags", "size"]).where("mailbox_id", "=", inbox).orderBy("uid").execute();
    assert.deepEqual(
      rows.map((r) => r.uid),
      Array.from({ length: 2 * PER_STORE }, (_, i) => i + 1),
    );
    const box = await b.db.selectFrom("mailboxes").selectAll().where("id", "=", inbox).executeTakeFirstOrThrow();
    assert.equal(box.uidnext, 2 * PER_STORE + 1);
    assert.equal(box.highest_modseq, Math.max(...rows.map((r) => r.modseq)));
    assert.equal(box.message_count, 2 * PER_STORE);
    assert.equal(box.unseen_count, rows.filter((r) => !r.flags.includes("\\Seen")).length);
    assert.equal(box.used_bytes, rows.reduce((sum, r) => sum + r.size, 0));
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
