/**
 * Outbound delivery to Debian's Postfix (issue 4, "Done when" 1 and 2): STARTTLS with TLS 1.2+ to
 * a modern peer; to a peer that offers only TLS 1.0/1.1, plaintext after the failed handshake
 * under `may` (RFC 7435), one connection and a DSN naming the versions under `verify-once`, and
 * retries then a bounce at expiry under `encrypt`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { eventually } from "./harness.ts";
import { attempts, outboundOf, queueIds, startSender, submit, tag, waitForBounce, type Sender } from "./outbound-helpers.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";

let peers: PostfixPeers;
let dns: DnsServer;
let modern: Sender;
let legacy: Sender;

const mx = (host: string) => ({ MX: [{ preference: 10, exchange: host }] });

before(async () => {
  peers = await startPostfixPeers(["modern", "legacy"]);
  dns = await startDnsServer({
    "modern.test": mx("mail.peer.test"),
    "legacy-may.test": mx("old.peer.test"),
    "legacy-once.test": mx("old.peer.test"),
    "legacy-encrypt.test": mx("old.peer.test"),
    "mail.peer.test": { A: ["127.0.0.1"] },
    "old.peer.test": { A: ["127.0.0.1"] },
  });
  // Two senders: every MX here is 127.0.0.1, so the peer is chosen by the sender's remote_port.
  [modern, legacy] = await Promise.all([
    startSender({ dns: dns.address, remotePort: peers.ports.modern, ca: peers.ca, delivery: 'tls_policy = "verify"' }),
    startSender({ dns: dns.address, remotePort: peers.ports.legacy, queue: "min_backoff = 1\nmax_backoff = 1\nlifetime = 4" }),
  ]);
  for (const [domain, level] of [["legacy-once.test", "verify-once"], ["legacy-encrypt.test", "encrypt"]] as const) {
    const r = legacy.h.cli(["policy", "set", domain, level]);
    assert.equal(r.status, 0, r.stderr);
  }
});

after(async () => {
  await Promise.all([modern?.h.cleanup(), legacy?.h.cleanup()]);
  await dns?.close();
  peers?.stop();
});

test("a submitted message for a remote domain reaches Postfix over STARTTLS with TLS 1.2+, the certificate verified", async () => {
  const subject = tag("modern");
  const id = await submit(modern, ["someone@modern.test"], subject);
  const arrived = await eventually(() => peers.messages("modern").find((m) => m.includes(subject)), 20_000, "the message at Postfix");
  // Postfix's own Received header says how it got there.
  assert.match(arrived, /using TLSv1\.[23] with cipher /);
  await eventually(async () => ((await queueIds(modern)).includes(id) ? undefined : true), 10_000, "the queue entry to go");
  const [a, ...more] = await attempts(modern, id);
  assert.equal(more.length, 0, "one attempt");
  assert.ok(a !== undefined);
  assert.equal(a.outcome, "delivered");
  assert.match(a.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.ok((a.tlsCipher ?? "") !== "", "the cipher is recorded");
  assert.equal(a.certVerdict, "ok");
  assert.deepEqual([a.policyLevel, a.policySource, a.mxHost], ["verify", "default", "mail.peer.test"]);
  assert.match(a.reply ?? "", /^250 /);
});

test("may: a peer with only TLS 1.0/1.1 gets the message in plaintext after the failed handshake, and the record says why", async () => {
  const subject = tag("legacy-may");
  const id = await submit(legacy, ["someone@legacy-may.test"], subject);
  const arrived = await eventually(() => peers.messages("legacy").find((m) => m.includes(subject)), 20_000, "the message at the legacy peer");
  // Postfix's Received header (the top one, before ours from submission) says how it came in.
  const postfixHop = arrived.split("by out.sealpost.test")[0] ?? "";
  assert.match(postfixHop, /by legacy\.peer\.test \(Postfix\) with ESMTP id/);
  assert.doesNotMatch(postfixHop, /using TLSv/, "it went in plaintext");
  const list = await attempts(legacy, id);
  assert.deepEqual(list.map((a) => a.outcome), ["tls-fallback", "delivered"]);
  const [fallback, plain] = list;
  assert.equal(fallback?.problem?.kind, "tls-version");
  assert.match(String(fallback?.problem?.offered), /^TLS 1\.[01]$/);
  assert.equal(plain?.tlsVersion, null);
  assert.equal(plain?.policyLevel, "may");
});

test("verify-once: exactly one connection, then a DSN that names the TLS version the server offered", async () => {
  const subject = tag("legacy-once");
  const before = peers.connections("legacy");
  const id = await submit(legacy, ["someone@legacy-once.test"], subject);
  const dsn = await waitForBounce(legacy, subject);
  assert.match(dsn, /offered only TLS 1\.[01]/);
  assert.match(dsn, /TLS 1\.2 or newer/);
  assert.match(dsn, /Action: failed/);
  assert.match(dsn, /Status: [45]\.7\.4/);
  assert.equal(peers.connections("legacy") - before, 1, "one connection, no retry, no plaintext fallback");
  const list = await attempts(legacy, id);
  assert.deepEqual(list.map((a) => [a.outcome, a.policyLevel, a.problem?.kind]), [["bounced", "verify-once", "tls-version"]]);
  assert.equal((await queueIds(legacy)).includes(id), false);
  assert.equal(peers.messages("legacy").some((m) => m.includes(subject)), false);
});

test("encrypt: never plaintext; retried, then returned to the sender when the lifetime ends", async () => {
  const subject = tag("legacy-encrypt");
  const id = await submit(legacy, ["someone@legacy-encrypt.test"], subject);
  const dsn = await waitForBounce(legacy, subject, 30_000);
  assert.match(dsn, /Action: failed/);
  assert.match(dsn, /offered only TLS 1\.[01]/, "the DSN says what the last attempt found");
  const list = await attempts(legacy, id);
  assert.ok(list.length >= 2, `retried: ${list.length} attempt(s)`);
  assert.ok(list.every((a) => a.policyLevel === "encrypt" && a.problem?.kind === "tls-version"));
  assert.equal(peers.messages("legacy").some((m) => m.includes(subject)), false, "nothing went in plaintext");
});

test("tls-report's outbound section names, per destination, the TLS its servers offered and what failed", async () => {
  const once = await outboundOf(legacy, "legacy-once.test");
  assert.ok(once !== undefined);
  assert.deepEqual(once.problems.map((p) => p.kind), ["tls-version"]);
  assert.match(once.problems[0]?.last ?? "", /old\.peer\.test offered only TLS 1\.[01]/);
  const fine = await outboundOf(modern, "modern.test");
  assert.ok(fine !== undefined && fine.delivered >= 1);
  assert.ok(Object.keys(fine.tls).every((v) => /^TLSv1\.[23]$/.test(v)), JSON.stringify(fine.tls));
  const human = legacy.h.cli(["tls-report"]);
  assert.match(human.stdout, /^Outbound: /m);
  assert.match(human.stdout, /^legacy-once\.test +1 +0 .*tls-version ×1/m);
});
