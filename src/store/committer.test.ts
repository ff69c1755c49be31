import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "./index.ts";
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
