import { test } from "node:test";
import assert from "node:assert/strict";
import type { Store } from "../store/index.ts";
import { plain, mixed } from "../../test/support/mime-fixtures.ts";
import { headerValues } from "./commands/search-match.ts";
import { Lru, MessageCache } from "./message-cache.ts";

/** A store whose blobs are in memory, counting reads. */
function fakeStore(blobs: Record<string, Buffer>): Store {
  return {
    blobs: {
      read: async (name: string) => {
        await new Promise((r) => setImmediate(r));
        const b = blobs[name];
        if (b === undefined) throw new Error(`no blob ${name}`);
        return b;
      },
    },
  } as unknown as Store;
}

test("Lru: CLOCK eviction within the budget; an entry used since the last sweep survives it", () => {
  const lru = new Lru<string>(10);
  lru.set("a", "A", 4);
  lru.set("b", "B", 4);
  lru.set("c", "C", 4); // every entry had its chance once: the sweep clears them, then a goes
  assert.deepEqual([lru.get("a"), lru.size, lru.total], [undefined, 2, 8]);
  assert.equal(lru.get("b"), "B");
  lru.set("d", "D", 4); // b was used since the sweep, c was not
  assert.deepEqual([lru.get("b"), lru.get("c"), lru.get("d")], ["B", undefined, "D"]);
  lru.set("huge", "H", 11);
  assert.equal(lru.get("huge"), undefined, "larger than the whole budget: not kept");
  lru.set("b", "B2", 2);
  assert.deepEqual([lru.get("b"), lru.total, lru.size], ["B2", 6, 2]);
});

test("MessageCache: one read per blob, shared by concurrent callers; summaries outlive evicted bytes", async () => {
  const cache = new MessageCache(fakeStore({ p: plain, m: mixed }), { loadedBytes: 12_000 }); // one message with its parsed tree, not two
  const [a, b] = await Promise.all([cache.load("p"), cache.load("p")]);
  assert.equal(a, b);
  assert.equal(cache.reads, 1);
  assert.deepEqual(a.raw, plain);
  assert.equal(cache.cachedSummary("p"), undefined, "loading alone does not parse");
  const s = await cache.summary("p");
  assert.equal(cache.reads, 1);
  assert.equal(cache.cachedSummary("p"), s);
  assert.match(s.envelope, /^\("Mon, 3 Jun 2024 11:15:00 \+0200" "Lunch on Thursday\?" /);
  assert.match(s.bodyStructure, /^\("text" "plain" \("charset" "UTF-8" "format" "flowed"\)/);
  assert.deepEqual(headerValues((await cache.headersOf("p", await cache.load("p"))).headers, "subject"), ["lunch on thursday?"]);
  assert.ok(cache.cachedHeaders("p") !== undefined);
  assert.equal(s.sentDay, 20240603);
  await cache.summary("m"); // the byte budget holds one of the two: p's bytes go
  assert.equal(cache.reads, 2);
  await cache.load("p");
  assert.equal(cache.reads, 3);
  assert.ok(cache.cachedSummary("m") !== undefined);
  assert.equal(await cache.summary("p"), s);
  assert.equal(cache.reads, 3);
  await assert.rejects(cache.load("missing"), /no blob/);
});

test("a parsed tree is counted: 80,000 one-letter header lines cost more than their 240 KB", async () => {
  const flood = Buffer.from(`Subject: x\r\n${"X\r\n".repeat(80_000)}\r\nbody\r\n`);
  const cache = new MessageCache(fakeStore({ f: flood }), { loadedBytes: 600_000 });
  const loaded = await cache.load("f");
  await cache.load("f");
  assert.equal(cache.reads, 1, "the bytes fit the budget");
  assert.equal(loaded.tree.headers.length, 10_000);
  await cache.load("f");
  assert.equal(cache.reads, 2, "with its tree (10,000 fields) the message no longer fits, and is not kept");
});

test("MessageCache: a blob just appended is remembered from its bytes, so its first FETCH reads no file", async () => {
  const cache = new MessageCache(fakeStore({}));
  const input = Buffer.concat([Buffer.from("* leading input\r\n"), plain, Buffer.from("trailing")]);
  cache.remember("new", input.subarray(17, 17 + plain.length));
  input.fill(0); // the session's input buffer is reused: the cache holds its own copy
  const s = await cache.summary("new");
  assert.equal(cache.reads, 0);
  assert.deepEqual((await cache.load("new")).raw, plain);
  assert.match(s.bodyStructure, /^\("text" "plain" /);
});
