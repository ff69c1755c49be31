import { test } from "node:test";
import assert from "node:assert/strict";
import { certificateDaysLeft } from "./index.ts";

const now = new Date("2026-12-06T12:00:00Z");
const at = (days: number): Date => new Date(now.getTime() + days * 86_400_000);

test("certificateDaysLeft: whole days until notAfter, 0 on the last day, negative once expired", () => {
  assert.equal(certificateDaysLeft(at(90), now), 90);
  assert.equal(certificateDaysLeft(at(13.99), now), 13);
  assert.equal(certificateDaysLeft(at(1), now), 1);
  assert.equal(certificateDaysLeft(at(0.5), now), 0);
  assert.equal(certificateDaysLeft(now, now), 0);
  assert.equal(certificateDaysLeft(at(-0.01), now), -1);
  assert.equal(certificateDaysLeft(at(-3), now), -3);
});
