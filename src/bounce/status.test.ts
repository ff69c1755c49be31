import assert from "node:assert/strict";
import { test } from "node:test";
import { parseReply, statusOf, type DeliveryProblem } from "./index.ts";

const HOST = "mx.example.net";

test("RFC 3463 status per problem kind", () => {
  const cases: [DeliveryProblem, string][] = [
    [{ kind: "connect", host: HOST, detail: "connection refused" }, "4.4.1"],
    [{ kind: "protocol", host: HOST, detail: "lost connection" }, "4.4.2"],
    [{ kind: "dns", domain: "example.net", detail: "SERVFAIL" }, "4.4.3"],
    [{ kind: "no-starttls", host: HOST }, "4.7.4"],
    [{ kind: "tls-version", host: HOST, offered: "TLS 1.0" }, "4.7.4"],
    [{ kind: "weak-cipher", host: HOST, cipher: "RC4-MD5", weakness: "RC4" }, "4.7.4"],
    [{ kind: "tls-handshake", host: HOST, detail: "alert 40" }, "4.7.5"],
    [{ kind: "certificate", host: HOST, problem: "hostname", detail: "" }, "4.7.5"],
    [{ kind: "certificate", host: HOST, problem: "expired", detail: "" }, "4.7.5"],
    [{ kind: "mta-sts-mismatch", host: HOST, patterns: ["mx1.example.net"] }, "4.7.0"],
    [{ kind: "null-mx", domain: "example.net" }, "5.1.10"],
    [{ kind: "no-such-domain", domain: "example.net" }, "5.1.2"],
    [{ kind: "expired", lifetime: "5 days", last: { kind: "tls-version", host: HOST, offered: "TLS 1.0" } }, "4.4.7"],
    [{ kind: "expired", lifetime: "5 days", last: null }, "4.4.7"],
    [{ kind: "operator" }, "5.0.0"],
  ];
  for (const [p, want] of cases) assert.equal(statusOf(p), want, JSON.stringify(p));
});

test("a rejection reports the remote's enhanced code, with the class of its reply code", () => {
  const rej = (reply: string, permanent = true): string => statusOf({ kind: "rejected", host: HOST, reply, permanent });
  assert.equal(rej("550 5.1.1 <bob@example.net>: unknown user"), "5.1.1");
  assert.equal(rej("452 4.2.2 Mailbox full", false), "4.2.2");
  assert.equal(rej("550-5.7.26 Unauthenticated email\r\n550 5.7.26 is not accepted"), "5.7.26");
  assert.equal(rej("550 4.1.1 inconsistent"), "5.1.1", "the reply code's class wins");
  assert.equal(rej("554 Transaction failed"), "5.0.0");
  assert.equal(rej("421 Service not available", true), "4.0.0");
  assert.equal(rej("connection said nothing useful", true), "5.0.0");
  assert.equal(rej("connection said nothing useful", false), "4.0.0");
  assert.equal(rej("550 5.1.10 null MX"), "5.1.10");
  assert.equal(rej("550 5.1.1000 too long a detail"), "5.0.0", "details have at most three digits");
});

test("parseReply splits multi-line replies into code, enhanced code and text", () => {
  assert.deepEqual(parseReply("550-5.1.1 The account does not exist.\r\n550-5.1.1 Please check\r\n550 5.1.1 the address."), {
    code: 550,
    enhanced: "5.1.1",
    text: ["The account does not exist.", "Please check", "the address."],
  });
  assert.deepEqual(parseReply("250 OK"), { code: 250, enhanced: null, text: ["OK"] });
  assert.deepEqual(parseReply("550"), { code: 550, enhanced: null, text: [] });
  assert.deepEqual(parseReply("garbage\nmore"), { code: null, enhanced: null, text: ["garbage", "more"] });
  assert.deepEqual(parseReply("451 4.3.0\n"), { code: 451, enhanced: "4.3.0", text: [] });
});
