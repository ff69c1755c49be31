import { test } from "node:test";
import assert from "node:assert/strict";
import { historyLine } from "./history-text.ts";
import type { HistoryEntry } from "./history.ts";
import { handshakeReason } from "./reason.ts";

const login: HistoryEntry = {
  time: "2026-06-01T10:00:00.000Z",
  kind: "login",
  protocol: "submission",
  port: 587,
  clientIp: "127.0.0.1",
  result: "ok",
  reason: null,
  tlsVersion: "TLSv1.3",
  tlsCipher: "TLS_AES_128_GCM_SHA256",
  clientName: "laptop.example",
  mechanism: "AUTH PLAIN",
  offeredMax: null,
  legacy: false,
  device: null,
  hint: null,
  attribution: null,
  attempts: 1,
  throttled: null,
  session: null,
  legacyEndpoint: false,
};

test("the client's name in brackets, but an address literal (smtplib's EHLO [127.0.0.1]) only in its own", () => {
  assert.ok(historyLine(login).endsWith("AUTH PLAIN ok  [laptop.example]"), historyLine(login));
  const literal = historyLine({ ...login, clientName: "[127.0.0.1]" });
  assert.ok(literal.endsWith("AUTH PLAIN ok  [127.0.0.1]"), literal);
  assert.ok(!literal.includes("[["), literal);
});

test("a failed handshake says 'TLS handshake failed' once, also for rows recorded with the old prefix", () => {
  const hs: HistoryEntry = { ...login, kind: "refused-handshake", protocol: "imap", port: 993, result: "failed", reason: "tlsv1 alert unknown ca", tlsVersion: null, tlsCipher: null, clientName: null, mechanism: null, offeredMax: "TLSv1.3" };
  assert.equal(historyLine(hs), "       2026-06-01T10:00:00.000Z  imap:993  127.0.0.1  offered at most TLSv1.3  TLS handshake failed: tlsv1 alert unknown ca");
  assert.equal(handshakeReason("TLS handshake failed: tlsv1 alert unknown ca"), "tlsv1 alert unknown ca");
  assert.equal(handshakeReason("client offered at most TLS 1.0; this server requires TLS 1.2 or newer"), "client offered at most TLS 1.0; this server requires TLS 1.2 or newer");
  assert.equal(handshakeReason(null), null);
});

test("an entry from a legacy endpoint says so after its port, a refusal with its reason", () => {
  const refused: HistoryEntry = { ...login, protocol: "imap", port: 1993, result: "refused", reason: "legacy endpoint: no legacy grant for imap", tlsVersion: "TLSv1", tlsCipher: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", mechanism: "LOGIN", legacy: true, legacyEndpoint: true };
  assert.equal(
    historyLine(refused).split("\n")[0],
    "LEGACY 2026-06-01T10:00:00.000Z  imap:1993 (legacy endpoint)  127.0.0.1  TLSv1 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA  LOGIN refused (legacy endpoint: no legacy grant for imap)  [laptop.example]",
  );
  assert.ok(!historyLine(login).includes("legacy endpoint"));
});
