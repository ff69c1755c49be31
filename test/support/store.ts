/**
 * A store of its own for a unit test: a fresh data directory with the domain example.test and the
 * account a@example.test (INBOX and Trash), removed afterwards.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addAccount, addDomain } from "../../src/directory/index.ts";
import { getMailbox, GroupCommitter, openStore, type Store } from "../../src/store/index.ts";

export interface TestAccount {
  account: number;
  inbox: number;
  trash: number;
}

export async function withTestAccount(fn: (store: Store, ids: TestAccount) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-store-"));
  const store = await openStore(dir, { auditFlushMs: 10 });
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
