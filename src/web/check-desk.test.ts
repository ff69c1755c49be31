import { test } from "node:test";
import assert from "node:assert/strict";
import type { CheckReport } from "../check/index.ts";
import { CheckDesk, type KeptReport } from "./check-desk.ts";

const report = (host: string): KeptReport => ({ kind: "target", report: { target: { host } } as CheckReport });

test("one running check per account; the hour's limit slides; a few at once in all", () => {
  let now = 1_000_000;
  const desk = new CheckDesk({ perHour: () => 2, maxRunning: 2, now: () => now });
  const done = desk.start(1);
  assert.equal(typeof done, "function");
  assert.equal(desk.start(1), "running");
  if (typeof done === "function") done();
  now += 60_000;
  const second = desk.start(1);
  assert.equal(typeof second, "function");
  if (typeof second === "function") second();
  assert.equal(desk.start(1), "rate-limited");
  assert.equal(desk.retryAfter(1), 3540);
  // Another account has its own hour; the desk holds two running checks at most.
  const a = desk.start(2);
  const b = desk.start(3);
  assert.equal(typeof a, "function");
  assert.equal(typeof b, "function");
  assert.equal(desk.start(4), "busy");
  for (const release of [a, b]) if (typeof release === "function") release();
  // An hour after the first start, one check is allowed again.
  now += 3_540_000;
  const third = desk.start(1);
  assert.equal(typeof third, "function");
  if (typeof third === "function") third();
  assert.equal(desk.start(1), "rate-limited");
});

test("a kept report is found by its account only, until it expires; each account keeps a few", () => {
  let now = 0;
  const desk = new CheckDesk({ perHour: () => 10, keepMs: 60_000, keepPerAccount: 2, now: () => now });
  const first = desk.keep(1, report("a.test"));
  assert.match(first, /^[A-Za-z0-9_-]{24}$/);
  assert.deepEqual(desk.find(1, first), report("a.test"));
  assert.equal(desk.find(2, first), undefined);
  assert.equal(desk.find(1, "../../etc/passwd"), undefined);
  const second = desk.keep(1, report("b.test"));
  const third = desk.keep(1, report("c.test"));
  assert.equal(desk.find(1, first), undefined, "the oldest of three went");
  assert.notEqual(desk.find(1, second), undefined);
  now += 60_000;
  assert.equal(desk.find(1, third), undefined, "expired");
});

test("the total kept is bounded", () => {
  const desk = new CheckDesk({ perHour: () => 10, keepTotal: 3 });
  const ids = [1, 2, 3, 4].map((account) => desk.keep(account, report(`${account}.test`)));
  assert.equal(desk.find(1, ids[0] ?? ""), undefined);
  assert.notEqual(desk.find(4, ids[3] ?? ""), undefined);
});
