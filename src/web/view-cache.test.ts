import assert from "node:assert/strict";
import { test } from "node:test";
import { ViewCache } from "./view-cache.ts";

test("a value is made once per TTL and key, an account's values can be forgotten, and the cache stays bounded", async () => {
  const cache = new ViewCache<string>({ ttlMs: 1000, max: 2 });
  let made = 0;
  const make = (v: string) => async () => {
    made++;
    return v;
  };
  assert.equal(await cache.get(1, "a", make("x"), 0), "x");
  assert.equal(await cache.get(1, "a", make("y"), 999), "x");
  assert.equal(made, 1);
  assert.equal(await cache.get(1, "a", make("y"), 1000), "y", "after the TTL it is made again");
  cache.forget(1);
  assert.equal(await cache.get(1, "a", make("z"), 1001), "z", "forgotten");
  await cache.get(2, "a", make("b"), 1001);
  await cache.get(3, "a", make("c"), 1001);
  assert.equal(await cache.get(1, "a", make("w"), 1002), "w", "the oldest went when a third was stored");
  assert.equal(made, 6);
});
