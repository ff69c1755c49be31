import { test } from "node:test";
import assert from "node:assert/strict";
import { DiskSpace, StorageFullError, asStorageError, isStorageFull } from "./space.ts";

const MB = 1024 * 1024;

/** A DiskSpace over a fake statfs reporting `free()` bytes; counts the calls. */
function fake(free: () => number, opts: { minFree?: number; cacheMs?: number; paths?: string[] } = {}) {
  const calls: string[] = [];
  const changes: boolean[] = [];
  const space = new DiskSpace(opts.paths ?? ["/data"], {
    minFree: () => opts.minFree ?? 10 * MB,
    cacheMs: () => opts.cacheMs ?? 60_000,
    onChange: (low) => changes.push(low),
    statfs: async (p) => {
      calls.push(p);
      return { bavail: free() / 4096, bsize: 4096 };
    },
  });
  return { space, calls, changes };
}

test("check refuses when a write would leave less than the floor free, and says so once per change", async () => {
  let free = 20 * MB;
  const { space, changes } = fake(() => free, { cacheMs: 0 });
  await space.check(10 * MB);
  await assert.rejects(space.check(10 * MB + 1), StorageFullError);
  await assert.rejects(space.check(11 * MB), StorageFullError);
  free = 40 * MB;
  await space.check(11 * MB);
  assert.deepEqual(changes, [true, false], "one 'low' and one 'ok again', not one per refusal");
});

test("one statfs serves many checks within the cache time; the server's writes count until the next reading", async () => {
  const free = 100 * MB;
  const { space, calls } = fake(() => free);
  await Promise.all(Array.from({ length: 50 }, () => space.check(MB)));
  assert.equal(calls.length, 1, "concurrent checks share one statfs");
  for (let i = 0; i < 9; i++) {
    await space.reserve(10 * MB);
    space.written(10 * MB);
  }
  // 90 MB written of 100: 10 MB left, exactly the floor; one more byte does not fit.
  await space.check(0);
  await assert.rejects(space.reserve(1), StorageFullError);
  assert.equal(calls.length, 1);
  space.invalidate("ENOSPC");
  assert.equal(await space.available(), 100 * MB, "a new reading includes the finished writes");
  assert.equal(calls.length, 2, "after invalidate the file system is asked again");
  // A write in progress is counted even across a new reading (which may have seen part of it).
  await space.reserve(50 * MB);
  space.invalidate("test");
  assert.equal(await space.available(), 50 * MB);
  space.release(50 * MB);
  assert.equal(await space.available(), 100 * MB);
});

test("concurrent reservations cannot both take the last room: the comparison and the count happen together", async () => {
  const { space } = fake(() => 10 * MB, { minFree: 0 });
  // Both start before the first reading: each waits for the same statfs, then decides.
  const results = await Promise.allSettled([space.reserve(6 * MB), space.reserve(6 * MB)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected"],
  );
  assert.equal(await space.available(), 4 * MB);
});

test("the least free of the data and blob directories counts; a directory not made yet is skipped", async () => {
  const space = new DiskSpace(["/data", "/data/blobs", "/missing"], {
    minFree: () => 0,
    cacheMs: () => 0,
    statfs: async (p) => {
      if (p === "/missing") throw Object.assign(new Error("no such directory"), { code: "ENOENT" });
      return { bavail: p === "/data" ? 1000 : 10, bsize: 4096 };
    },
  });
  assert.equal(await space.available(), 10 * 4096);
});

test("full-disk errors are recognised: ENOSPC, EDQUOT, SQLITE_FULL (also extended), PostgreSQL's disk_full; others are not", () => {
  assert.ok(isStorageFull(Object.assign(new Error("x"), { code: "ENOSPC" })));
  assert.ok(isStorageFull(Object.assign(new Error("x"), { code: "EDQUOT" })));
  assert.ok(isStorageFull(Object.assign(new Error("database or disk is full"), { code: "ERR_SQLITE_ERROR", errcode: 13 })));
  assert.ok(isStorageFull(Object.assign(new Error("x"), { code: "ERR_SQLITE_ERROR", errcode: 13 | (1 << 8) })));
  assert.ok(!isStorageFull(Object.assign(new Error("busy"), { code: "ERR_SQLITE_ERROR", errcode: 5 })));
  assert.ok(!isStorageFull(Object.assign(new Error("x"), { code: "EIO" })));
  // PostgreSQL's disk_full (SQLSTATE 53100, as `pg` reports it), named as the database server's.
  const pgFull = asStorageError(Object.assign(new Error('could not extend file "base/16384/16385": No space left on device'), { code: "53100" }));
  assert.ok(pgFull instanceof StorageFullError);
  assert.equal(pgFull.message, "no space left on the PostgreSQL server's disk");
  assert.ok(!isStorageFull(Object.assign(new Error("lock timeout"), { code: "55P03" })));
  const wrapped = asStorageError(Object.assign(new Error("x"), { code: "ENOSPC" }));
  assert.ok(wrapped instanceof StorageFullError);
  const other = new Error("other");
  assert.equal(asStorageError(other), other);
});

test("a refusal rests on a reading at most a second old, however long readings are cached", async (t) => {
  t.mock.timers.enable({ apis: ["Date"], now: 0 });
  let free = 5 * MB;
  const { space, calls } = fake(() => free, { cacheMs: 60_000 });
  await assert.rejects(space.check(0), StorageFullError);
  free = 50 * MB;
  t.mock.timers.tick(500);
  await assert.rejects(space.check(0), StorageFullError, "within the second: the refusal's reading stands");
  assert.equal(calls.length, 1);
  t.mock.timers.tick(600);
  await space.check(0);
  assert.equal(calls.length, 2, "asked again before refusing");
  t.mock.timers.tick(10_000);
  await space.check(0);
  assert.equal(calls.length, 2, "an answer that admits is cached for the full time");
});
