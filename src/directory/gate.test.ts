import assert from "node:assert/strict";
import { test } from "node:test";
import { Gate } from "./gate.ts";

test("a gate runs at most its limit at once, the rest in the order they came, and a failure frees its slot", async () => {
  const gate = new Gate(2);
  let now = 0;
  let most = 0;
  const started: number[] = [];
  const task = (i: number) =>
    gate.run(async () => {
      started.push(i);
      most = Math.max(most, ++now);
      await new Promise((r) => setTimeout(r, 5));
      now--;
      if (i === 1) throw new Error("boom");
      return i;
    });
  const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(task));
  assert.equal(most, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
  assert.equal(await gate.run(async () => "free again"), "free again");
});
