import { test } from "node:test";
import assert from "node:assert/strict";
import { checkDelayMs, preferenceAfter, renewalDue, retryDelayMs } from "./schedule.ts";

const DAY = 86_400_000;
const MIN = 60_000;

test("renewal is due with no certificate, and when fewer than renew_before_days are left", () => {
  const now = Date.UTC(2027, 0, 1);
  const ninety = (daysLeft: number) => ({ notBefore: now - (90 - daysLeft) * DAY, notAfter: now + daysLeft * DAY });
  assert.equal(renewalDue(null, now, 30), true);
  assert.equal(renewalDue(ninety(31), now, 30), false);
  assert.equal(renewalDue(ninety(30), now, 30), false);
  assert.equal(renewalDue(ninety(29.9), now, 30), true);
  assert.equal(renewalDue(ninety(-1), now, 30), true);
  assert.equal(renewalDue(ninety(44), now, 60), true);
  // renew_before_days beyond half the lifetime: half of it.
  assert.equal(renewalDue(ninety(46), now, 60), false);
});

test("a short-lived certificate is renewed at half its lifetime, not at every check", () => {
  const now = Date.UTC(2027, 0, 1);
  // Six days of life with renew_before_days = 30: due with less than 3 days left.
  const six = (daysLeft: number) => ({ notBefore: now - (6 - daysLeft) * DAY, notAfter: now + daysLeft * DAY });
  assert.equal(renewalDue(six(3.1), now, 30), false);
  assert.equal(renewalDue(six(2.9), now, 30), true);
});

test("failed orders wait 10 min, then twice as long each time up to 12 h, with ±10 % jitter", () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, 0.5)), [10 * MIN, 20 * MIN, 40 * MIN, 80 * MIN]);
  assert.equal(retryDelayMs(7, 0.5), 640 * MIN);
  assert.equal(retryDelayMs(8, 0.5), 12 * 60 * MIN);
  assert.equal(retryDelayMs(1000, 0.5), 12 * 60 * MIN);
  assert.equal(retryDelayMs(1, 0), 9 * MIN);
  assert.ok(retryDelayMs(1, 0.999) < 11 * MIN);
  for (let n = 1; n < 50; n++) assert.ok(retryDelayMs(n) >= 9 * MIN, String(n));
});

test("regular checks come every 2 h to 2 h 30 min", () => {
  assert.equal(checkDelayMs(0), 120 * MIN);
  assert.ok(checkDelayMs(0.999) < 150 * MIN);
});

test("after each failure the next attempt starts with the next challenge type", () => {
  const prefs = ["tls-alpn-01", "http-01"];
  assert.deepEqual(preferenceAfter(prefs, 0), ["tls-alpn-01", "http-01"]);
  assert.deepEqual(preferenceAfter(prefs, 1), ["http-01", "tls-alpn-01"]);
  assert.deepEqual(preferenceAfter(prefs, 2), ["tls-alpn-01", "http-01"]);
  assert.deepEqual(preferenceAfter(["http-01"], 5), ["http-01"]);
  assert.deepEqual(preferenceAfter([], 1), []);
});
