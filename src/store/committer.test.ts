import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "./index.ts";
import { GroupCommitter } from "./committer.ts";
import { StorageFullError } from "./space.ts";

test("a commit that fails for want of space rejects with StorageFullError and drops the free-space reading", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-committer-"));
  let statfsCalls = 0;
  const store = await openStore(dir, {
    space: {
      cacheMs: () => 60_000,
      statfs: async () => {
        statfsCalls++;
        return { bavail: 1 << 20, bsize: 4096 };
      },
    },
  });
  try {
    await store.space.check(0);
    const oneReading = statfsCalls; // a statfs per directory: the data directory and blobs/
    await store.space.check(0);
    assert.equal(statfsCalls, oneReading, "a reading is reused within cacheMs");
    // What node:sqlite throws for SQLITE_FULL ("database or disk is full").
    const full = Object.assign(new Error("database or disk is full"), { code: "ERR_SQLITE_ERROR", errcode: 13 });
    await assert.rejects(
      store.committer.submit(async () => {
        throw full;
      }),
      StorageFullError,
    );
    await store.space.check(0);
    assert.equal(statfsCalls, 2 * oneReading, "the next check asks the file system again");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("flushAuditSoon commits the audit rows queued so far before their timer, and rows that keep coming do not hold it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-committer-"));
  // A timer that would never fire within the test: only flushAuditSoon can commit the row.
  const store = await openStore(dir, { auditFlushMs: 3_600_000 });
  const row = (domain: string) => (trx: Parameters<Parameters<typeof store.committer.audit>[0]>[0]) =>
    trx.insertInto("domains").values({ name: domain, mandatory_tls: 0, created_at: 1 }).execute();
  try {
    store.committer.audit(row("mine.test"));
    // Another writer keeps adding audit rows while each batch commits.
    let more = 0;
    const flood = setInterval(() => store.committer.audit(row(`other-${more++}.test`)), 0);
    await store.committer.flushAuditSoon();
    clearInterval(flood);
    const names = (await store.db.selectFrom("domains").select("name").execute()).map((d) => d.name);
    assert.ok(names.includes("mine.test"), names.join(" "));
    await store.committer.flushAuditSoon();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("apply: committed and seen at once, without waiting for a batch's fsync; the WAL is fsynced soon after, and by flush", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-committer-"));
  const store = await openStore(dir);
  const syncs: Array<() => void> = [];
  let synced = 0;
  const committer = new GroupCommitter(store.db, {
    syncDirs: async () => undefined,
    syncWal: () =>
      new Promise<void>((resolve) =>
        syncs.push(() => {
          synced++;
          resolve();
        }),
      ),
  });
  try {
    // A durable commit whose fsync hangs: the lane of `apply` does not wait for it.
    const durable = committer.submit((trx) => trx.insertInto("domains").values({ name: "durable.test", mandatory_tls: 0, created_at: 1 }).execute());
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(syncs.length, 1, "the durable batch waits for its fsync");
    await committer.apply((trx) => trx.insertInto("domains").values({ name: "soon.test", mandatory_tls: 0, created_at: 1 }).execute());
    const names = (await store.db.selectFrom("domains").select("name").execute()).map((r) => r.name).sort();
    assert.deepEqual(names, ["durable.test", "soon.test"], "both committed and visible");
    for (const s of syncs.splice(0)) s();
    await durable;
    // The fsync after `apply` comes by its timer; flush does it at once.
    const flushed = committer.flush();
    await new Promise((r) => setTimeout(r, 10));
    for (const s of syncs.splice(0)) s();
    await flushed;
    assert.equal(synced, 2, "one fsync for the durable batch, one for what apply committed");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
