import { test } from "node:test";
import assert from "node:assert/strict";
import { historyLine } from "./history-text.ts";
import type { HistoryEntry } from "./history.ts";
import { describeThrottle, parseThrottleReason, throttleReason, type Throttle } from "./throttle.ts";

const cases: Array<[Throttle, string, string]> = [
  [
    { limit: "address", max: 10, from: "203.0.113.7", windowSeconds: 300 },
    "rate limited: 10 failed logins from 203.0.113.7 within 300 s",
    "37 sign-ins from 203.0.113.7 refused without a password check, after 10 failed sign-ins from 203.0.113.7 within 5 minutes",
  ],
  [
    { limit: "user", max: 5, from: "2001:db8::7", windowSeconds: 3600 },
    "rate limited: 5 failed logins as this user from 2001:db8::7 within 3600 s",
    "37 sign-ins from 2001:db8::7 refused without a password check, after 5 wrong passwords for this account from 2001:db8::7 within 1 hour",
  ],
  [
    { limit: "network", max: 30, from: "203.0.113.0/24", windowSeconds: 90 },
    "rate limited: 30 failed logins from 203.0.113.0/24 within 90 s",
    "37 sign-ins from 203.0.113.7 refused without a password check, after 30 failed sign-ins from its network 203.0.113.0/24 within 90 seconds",
  ],
];

test("a throttle's reason is written and read back in one form, and told in words", () => {
  for (const [t, reason, words] of cases) {
    assert.equal(throttleReason(t), reason);
    assert.deepEqual(parseThrottleReason(reason), t);
    const ip = t.limit === "network" ? "203.0.113.7" : t.from;
    assert.equal(describeThrottle(t, 37, ip), words);
  }
  assert.equal(describeThrottle(cases[0]![0], 1, "203.0.113.7").slice(0, 30), "1 sign-in from 203.0.113.7 ref");
});

test("other reasons are not throttles", () => {
  for (const r of [null, "wrong password", "plaintext authentication refused: no TLS", "too many failed logins: rate limited", "rate limited: x failed logins from a within 1 s"]) {
    assert.equal(parseThrottleReason(r), null, String(r));
  }
});

test("sealpost history prints a throttled entry as the sentence", () => {
  const e: HistoryEntry = {
    time: "2026-06-01T10:00:00.000Z",
    kind: "login",
    protocol: "imap",
    port: 993,
    clientIp: "203.0.113.7",
    result: "refused",
    reason: cases[0]![1],
    tlsVersion: "TLSv1.3",
    tlsCipher: "TLS_AES_128_GCM_SHA256",
    clientName: null,
    mechanism: "LOGIN",
    offeredMax: null,
    legacy: false,
    device: null,
    hint: null,
    attribution: null,
    attempts: 37,
    throttled: cases[0]![2],
    legacyEndpoint: false,
    session: null,
  };
  assert.equal(historyLine(e), `       2026-06-01T10:00:00.000Z  imap:993  203.0.113.7  TLSv1.3 TLS_AES_128_GCM_SHA256  LOGIN refused: ${cases[0]![2]}`);
  assert.equal(historyLine({ ...e, throttled: null, reason: "wrong password", result: "failed", attempts: 1 }).endsWith("LOGIN failed (wrong password)"), true);
  // The connection's id, as in the server's log lines, follows the address when the row has one.
  assert.equal(
    historyLine({ ...e, throttled: null, reason: "wrong password", result: "failed", session: "7K2M9QX4TB0R" }),
    "       2026-06-01T10:00:00.000Z  imap:993  203.0.113.7  session 7K2M9QX4TB0R  TLSv1.3 TLS_AES_128_GCM_SHA256  LOGIN failed (wrong password)",
  );
});
