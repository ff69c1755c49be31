import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { getHeapSnapshot } from "node:v8";
import { CredentialCache, type CredentialCacheSettings, type StoredCredentials } from "./credential-cache.ts";

const HOUR = 3_600_000;
const ALICE: StoredCredentials = { id: 7, password_hash: "scrypt$alice-hash-1", role: "user", disabled: 0 };

function cache(settings: Partial<CredentialCacheSettings> = {}): { c: CredentialCache; clock: { ms: number }; set: CredentialCacheSettings } {
  const clock = { ms: 1_000 };
  const set = { ttlMs: HOUR, maxEntries: 100, ...settings };
  return { c: new CredentialCache(() => set, () => clock.ms), clock, set };
}

test("a password verified a moment ago hits; another password, another account or an empty cache misses", () => {
  const { c } = cache();
  assert.equal(c.hit(ALICE, "right"), false);
  c.remember(ALICE, "right");
  assert.equal(c.hit(ALICE, "right"), true);
  assert.equal(c.hit(ALICE, "right "), false);
  assert.equal(c.hit(ALICE, "wrong"), false);
  assert.equal(c.hit({ ...ALICE, id: 8 }, "right"), false);
  assert.equal(c.hit(ALICE, "right"), true, "a miss with another password leaves the entry");
});

test("a changed stored hash (a new password, even the same one again) drops the entry", () => {
  const { c } = cache();
  c.remember(ALICE, "right");
  assert.equal(c.hit({ ...ALICE, password_hash: "scrypt$alice-hash-2" }, "right"), false);
  assert.equal(c.size, 0);
  // Dropped, not merely skipped: the old hash back does not bring the entry back.
  assert.equal(c.hit(ALICE, "right"), false);
});

test("disabling the account or changing its role drops the entry; a disabled account is never entered", () => {
  const { c } = cache();
  c.remember(ALICE, "right");
  assert.equal(c.hit({ ...ALICE, disabled: 1 }, "right"), false);
  assert.equal(c.hit(ALICE, "right"), false, "dropped on disable");
  c.remember(ALICE, "right");
  assert.equal(c.hit({ ...ALICE, role: "admin" }, "right"), false);
  assert.equal(c.hit(ALICE, "right"), false, "dropped on a role change");
  c.remember({ ...ALICE, disabled: 1 }, "right");
  assert.equal(c.size, 0);
});

test("entries expire after the TTL; a TTL of 0 turns the cache off and empties it", () => {
  const { c, clock, set } = cache();
  c.remember(ALICE, "right");
  clock.ms += HOUR - 1;
  assert.equal(c.hit(ALICE, "right"), true);
  clock.ms += 1;
  assert.equal(c.hit(ALICE, "right"), false);
  assert.equal(c.size, 0);
  c.remember(ALICE, "right");
  set.ttlMs = 0;
  assert.equal(c.hit(ALICE, "right"), false);
  assert.equal(c.size, 0);
  c.remember(ALICE, "right");
  set.ttlMs = HOUR;
  assert.equal(c.hit(ALICE, "right"), false, "nothing entered while off");
});

test("the cache is bounded: the least recently used give way, one in use stays", () => {
  const { c } = cache({ maxEntries: 50 });
  c.remember(ALICE, "kept");
  for (let i = 0; i < 1000; i++) {
    c.remember({ ...ALICE, id: 100 + i }, `pw-${i}`);
    assert.ok(c.size <= 50, `size ${c.size} after ${i + 1}`);
    if (i % 10 === 0) assert.equal(c.hit(ALICE, "kept"), true, `the entry in use after ${i + 1} others`);
  }
  assert.equal(c.hit({ ...ALICE, id: 100 }, "pw-0"), false, "the oldest unused gave way");
  assert.equal(c.hit({ ...ALICE, id: 1099 }, "pw-999"), true);
});

/** Whether `needle` occurs in a heap snapshot of this process (taken after a full GC). */
async function inHeap(needles: readonly Buffer[]): Promise<boolean[]> {
  const found = needles.map(() => false);
  const keep = Math.max(...needles.map((n) => n.length));
  let tail = Buffer.alloc(0);
  for await (const chunk of getHeapSnapshot()) {
    const buf = Buffer.concat([tail, Buffer.from(chunk as string | Buffer)]);
    for (const [i, n] of needles.entries()) if (buf.includes(n)) found[i] = true;
    tail = buf.subarray(Math.max(0, buf.length - keep));
  }
  return found;
}

test("no password in memory in plain: not as a key, not in a value", async () => {
  // The passwords exist as strings only inside `enter`; the test keeps them as bytes (off the
  // JavaScript heap), so a copy found in the snapshot is one the cache kept.
  const secrets = [randomBytes(12).toString("hex"), randomBytes(12).toString("hex")].map((s) => Buffer.from(`pw-${s}`, "latin1"));
  const { c } = cache();
  const enter = (i: number): void => c.remember({ ...ALICE, id: i }, secrets[i]?.toString("latin1") ?? "");
  enter(0);
  enter(1);
  const check = (i: number): boolean => c.hit({ ...ALICE, id: i }, secrets[i]?.toString("latin1") ?? "");
  assert.equal(check(0), true);
  assert.equal(check(1), true);
  const canary = Buffer.from(`canary-${randomBytes(12).toString("hex")}`, "latin1");
  const held = [canary.toString("latin1")]; // a string the heap does hold: the search must find it
  const [found0, found1, canaryFound] = await inHeap([...secrets, canary]);
  assert.equal(canaryFound, true, "the search finds a string the heap holds");
  assert.equal(found0, false, "password 0 is in the heap");
  assert.equal(found1, false, "password 1 is in the heap");
  assert.equal(held.length, 1);
  assert.equal(check(0), true, "the entries were there while the snapshot was taken");
});
