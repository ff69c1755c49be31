/**
 * A store of its own for a unit test: a fresh data directory with the domain example.test and the
 * account a@example.test (INBOX and Trash), removed afterwards.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addAccount, addDomain } from "../../src/directory/index.ts";
import {
  appendMessage,
  appendMessages,
  copyMessages,
  createMailbox,
  deleteMailbox,
  deliverMessage,
  expunge,
  expungeMessages,
  getMailbox,
  GroupCommitter,
  moveMessages,
  openStore,
  renameMailbox,
  storeFlags,
  type Store,
} from "../../src/store/index.ts";
import { testStoreOptions } from "./postgres.ts";

export interface TestAccount {
  account: number;
  inbox: number;
  trash: number;
}

export async function withTestAccount(fn: (store: Store, ids: TestAccount) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-store-"));
  const store = await openStore(dir, { auditFlushMs: 10, ...testStoreOptions() });
  try {
    await addDomain(store.db, "example.test");
    const a = await addAccount(store.db, "a@example.test", "password1");
    const inbox = await getMailbox(store.db, a.id, "INBOX");
    const trash = await getMailbox(store.db, a.id, "Trash");
    assert.ok(inbox !== undefined && trash !== undefined);
    await fn(store, { account: a.id, inbox: inbox.id, trash: trash.id });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same store, but every commit's WAL fsync fails (EIO): the transaction lands, undurable, unacknowledged. */
export function withFailingWal(store: Store): Store {
  return {
    ...store,
    committer: new GroupCommitter(store.db, {
      syncDirs: (d) => store.blobs.syncDirs(d),
      syncWal: async () => {
        throw Object.assign(new Error("I/O error"), { code: "EIO" });
      },
    }),
  };
}

/**
 * Every kind of write that adds, changes or removes messages — APPEND and MULTIAPPEND with flags,
 * delivery, flags set and cleared, COPY, MOVE, EXPUNGE, UID EXPUNGE, POP3's expunge, RENAME of INBOX,
 * DELETE of a mailbox — with `check(what)` after each: for tests of what the triggers keep (counters,
 * used bytes) against a scan of the rows. `msg(n)` makes the n-th message.
 */
export async function everyWrite(store: Store, { account, inbox, trash }: TestAccount, msg: (n: number) => Buffer, check: (what: string) => Promise<void>): Promise<void> {
  await appendMessage(store, inbox, msg(1), "", 1);
  await appendMessage(store, inbox, msg(2), "\\Seen", 2);
  await appendMessage(store, inbox, msg(3), "\\Deleted \\Seen", 3);
  await check("append");
  await appendMessages(store, inbox, [4, 5, 6].map((n) => ({ bytes: msg(n), flags: n === 5 ? "\\Seen $Label" : "", internalDate: n })));
  await check("multiappend");
  await deliverMessage(store, { id: "Q1", message: [msg(7)], accounts: [account] });
  await check("delivery");
  await storeFlags(store, inbox, [1, 4], "add", ["\\Seen"]);
  await check("\\Seen set");
  await storeFlags(store, inbox, [2, 4], "remove", ["\\Seen"]);
  await check("\\Seen cleared");
  await storeFlags(store, inbox, [1, 2, 6], "add", ["\\Deleted"]);
  await check("\\Deleted set");
  await storeFlags(store, inbox, [2, 3], "remove", ["\\Deleted"]);
  await check("\\Deleted cleared");
  await storeFlags(store, inbox, [5], "set", ["\\Flagged", "Work"]);
  await check("flags replaced (\\Seen dropped)");
  await storeFlags(store, inbox, [5, 6], "add", ["$Junk"]);
  await check("a keyword only");
  await copyMessages(store, inbox, [1, 2, 3, 5], trash);
  await check("copy");
  await moveMessages(store, inbox, [4, 6], trash);
  await check("move");
  await expunge(store, inbox);
  await check("expunge");
  await expunge(store, trash, [1, 2]);
  await check("UID EXPUNGE");
  await expungeMessages(store, inbox, [7]);
  await check("POP3 expunge");
  const box = await createMailbox(store, account, "Projects");
  await copyMessages(store, trash, [3, 4], box.id);
  await renameMailbox(store, account, "INBOX", "Old inbox");
  await check("rename of INBOX");
  await deleteMailbox(store, account, "Projects");
  await check("delete of a mailbox");
}
