import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmdirSync, rmSync, writeFileSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeldSync } from "./fsync.ts";

/** What this process's open file descriptors name under `dir` (a removed one ends in " (deleted)"). */
function openUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out.sort();
}

test("HeldSync keeps at most its limit of handles open, the most recently synced ones", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-fsync-"));
  const held = new HeldSync({ limit: 2 });
  try {
    for (const d of ["a", "b", "c"]) mkdirSync(join(dir, d));
    await held.sync(join(dir, "a"));
    await held.sync(join(dir, "b"));
    await held.sync(join(dir, "a"));
    await held.sync(join(dir, "c"));
    await new Promise((r) => setTimeout(r, 50)); // the evicted handle's close
    assert.deepEqual(openUnder(dir), [join(dir, "a"), join(dir, "c")]);
    await held.close();
    assert.deepEqual(openUnder(dir), []);
  } finally {
    await held.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("HeldSync lets go of a directory removed and made again, and syncs the one the path names now", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-fsync-"));
  const bucket = join(dir, "bucket");
  const held = new HeldSync({ limit: 4 });
  try {
    mkdirSync(bucket);
    await held.sync(bucket);
    rmdirSync(bucket);
    mkdirSync(bucket);
    assert.deepEqual(openUnder(dir), [`${bucket} (deleted)`]);
    await held.sync(bucket);
    assert.deepEqual(openUnder(dir), []);
    await held.sync(bucket);
    assert.deepEqual(openUnder(dir), [bucket]);
  } finally {
    await held.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("HeldSync: a missing file is nothing to sync when allowed (a WAL SQLite removed), an error otherwise", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-fsync-"));
  const wal = join(dir, "db-wal");
  const lenient = new HeldSync({ limit: 1, missingOk: true });
  const strict = new HeldSync({ limit: 1 });
  try {
    await lenient.sync(wal);
    await assert.rejects(strict.sync(wal), { code: "ENOENT" });
    writeFileSync(wal, "x");
    await lenient.sync(wal);
    unlinkSync(wal);
    await lenient.sync(wal);
    assert.deepEqual(openUnder(dir), []);
  } finally {
    await lenient.close();
    await strict.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
