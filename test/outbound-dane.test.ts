/**
 * DANE for outbound delivery (RFC 7672; issue 15, "Done when": DANE delivery to a receiver with
 * matching, mismatching and missing TLSA records, DANE-EE and DANE-TA). Debian's Postfix receives;
 * the test DNS server answers as a validating resolver on loopback, setting AD on the names marked
 * secure. The sender has no `ca_file`: nothing here is trusted by the PKI, so whatever is delivered
 * with a certificate verdict was authenticated by the TLSA records.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { decodeQuotedPrintable } from "../src/mime/index.ts";
import { generateCa } from "../src/tls/index.ts";
import { startDnsServer, type DnsServer, type ZoneEntry } from "./dns-server.ts";
import { eventually } from "./harness.ts";
import { attempts, outboundOf, queueIds, queueShow, startSender, submit, tag, waitForBounce, type Attempt, type Sender } from "./outbound-helpers.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";

let peers: PostfixPeers;
let dns: DnsServer;
let sender: Sender;
/** Gives up after 3 seconds: the bounce. */
let quick: Sender;

const sha256 = (b: Buffer): Buffer => createHash("sha256").update(b).digest();
const spki = (pem: string): Buffer => new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
const der = (pem: string): Buffer => new X509Certificate(pem).raw;

before(async () => {
  peers = await startPostfixPeers(["modern"], { sendCa: true });
  const port = peers.ports.modern;
  const leaf = readFileSync(peers.cert, "utf8");
  const other = await generateCa({ name: "A CA that issued nothing here" });
  const ee = { usage: 3, selector: 1, matchingType: 1, certificate: sha256(spki(leaf)) };
  const wrongEe = { usage: 3, selector: 1, matchingType: 1, certificate: sha256(spki(other.certPem)) };
  const ta = { usage: 2, selector: 0, matchingType: 1, certificate: sha256(der(readFileSync(peers.ca, "utf8"))) };
  const wrongTa = { usage: 2, selector: 0, matchingType: 1, certificate: sha256(der(other.certPem)) };
  const pkixEe = { usage: 1, selector: 1, matchingType: 1, certificate: sha256(spki(leaf)) };
  const secure = { secure: true };
  /** A domain whose MX is `mx`, the MX host with its address, and its TLSA RRset at the port used. */
  const dane = (domain: string, mx: string, tlsa: ZoneEntry, sec: object = secure) => ({
    [domain]: { MX: [{ preference: 10, exchange: mx }], ...sec },
    [mx]: { A: ["127.0.0.1"], ...sec },
    [`_${port}._tcp.${mx}`]: tlsa,
  });
  dns = await startDnsServer({
    ...dane("ee.test", "ee.peer.test", { TLSA: [ee], ...secure }),
    ...dane("ta.test", "mail.peer.test", { TLSA: [ta], ...secure }),
    ...dane("ta-other.test", "localhost", { TLSA: [wrongTa], ...secure }),
    ...dane("bad.test", "bad.peer.test", { TLSA: [wrongEe], ...secure }),
    ...dane("insecure.test", "insecure.peer.test", { TLSA: [wrongEe] }, {}),
    ...dane("none.test", "none.peer.test", secure),
    ...dane("servfail.test", "servfail.peer.test", { servfail: true }),
    ...dane("pkix.test", "pkix.peer.test", { TLSA: [pkixEe], ...secure }),
  });
  [sender, quick] = await Promise.all([
    startSender({ dns: dns.address, remotePort: port }),
    startSender({ dns: dns.address, remotePort: port, queue: "min_backoff = 1\nmax_backoff = 1\nlifetime = 3" }),
  ]);
});

after(async () => {
  await Promise.all([sender?.h.cleanup(), quick?.h.cleanup()]);
  await dns?.close();
  peers?.stop();
});

/** Sends one message to `domain` and waits until Postfix has it; returns its one attempt. */
async function delivered(domain: string): Promise<{ attempt: Attempt; arrived: string }> {
  const subject = tag(domain);
  const id = await submit(sender, [`someone@${domain}`], subject);
  const arrived = await eventually(() => peers.messages("modern").find((m) => m.includes(subject)), 20_000, `the message to ${domain} at Postfix`);
  await eventually(async () => ((await queueIds(sender)).includes(id) ? undefined : true), 10_000, "the queue entry to go");
  const list = await attempts(sender, id);
  assert.equal(list.length, 1, JSON.stringify(list));
  return { attempt: list[0] as Attempt, arrived };
}

/** Sends one message to `domain` and waits for two attempts; the message must still be queued, and not at Postfix. */
async function held(domain: string): Promise<{ attempts: Attempt[]; lastReply: string | null }> {
  const subject = tag(domain);
  const id = await submit(sender, [`someone@${domain}`], subject);
  const list = await eventually(async () => {
    const a = await attempts(sender, id);
    return a.length >= 2 ? a : undefined;
  }, 20_000, `two attempts to ${domain}`);
  const show = await queueShow(sender, id);
  assert.equal(show?.allRecipients[0]?.status, "pending", "still queued");
  assert.equal(peers.messages("modern").some((m) => m.includes(subject)), false, "not delivered");
  return { attempts: list, lastReply: show?.allRecipients[0]?.lastReply ?? null };
}

test("DANE-EE 3 1 1 matching the peer's key: delivered over TLS, authenticated by the record alone (the name ee.peer.test is not in the certificate)", async () => {
  const { attempt, arrived } = await delivered("ee.test");
  assert.match(arrived, /using TLSv1\.[23] with cipher /);
  assert.deepEqual([attempt.outcome, attempt.certVerdict, attempt.policyLevel, attempt.policySource, attempt.mxHost], ["delivered", "dane-ee", "verify", "dane", "ee.peer.test"]);
});

test("DANE-TA 2 0 1 matching the peer's CA, which it sends: delivered, the chain and the MX host name checked", async () => {
  const { attempt } = await delivered("ta.test");
  assert.deepEqual([attempt.outcome, attempt.certVerdict, attempt.policySource], ["delivered", "dane-ta", "dane"]);
});

test("DANE-EE mismatch: not delivered, never in plaintext, still queued with the DANE reason", async () => {
  const { attempts: list, lastReply } = await held("bad.test");
  for (const a of list) {
    assert.equal(a.outcome, "deferred");
    assert.match(a.tlsVersion ?? "", /^TLSv1\.[23]$/, "each attempt stopped after the TLS handshake");
    assert.match(a.certVerdict ?? "", /^dane-mismatch: no TLSA record matches \(3 1 1 [0-9a-f]{16}…: does not match the server's certificate\)$/);
    assert.deepEqual([a.problem?.kind, a.problem?.problem], ["certificate", "dane-mismatch"]);
  }
  assert.match(lastReply ?? "", /^bad\.peer\.test: certificate dane-mismatch: no TLSA record matches/);
  // What `sealpost queue log` prints for people: the level and its source, the verdict.
  const human = sender.h.cli(["queue", "log", "--domain", "bad.test"]);
  assert.match(human.stdout, /verify \(dane\) +TLSv1\.[23] .* dane-mismatch: no TLSA record matches/);
});

test("DANE-TA with a CA that did not issue the peer's certificate: not delivered, even with the MX host name matching", async () => {
  const { attempts: list } = await held("ta-other.test");
  assert.ok(list.every((a) => a.mxHost === "localhost" && /^dane-mismatch: /.test(a.certVerdict ?? "")), JSON.stringify(list));
});

test("the same mismatching records without DNSSEC (no AD): DANE does not apply, delivered under the usual policy", async () => {
  const { attempt } = await delivered("insecure.test");
  assert.deepEqual([attempt.certVerdict, attempt.policyLevel, attempt.policySource], ["not checked", "may", "default"]);
});

test("a signed zone without TLSA records: delivered under the usual policy", async () => {
  const { attempt } = await delivered("none.test");
  assert.deepEqual([attempt.certVerdict, attempt.policyLevel, attempt.policySource], ["not checked", "may", "default"]);
});

test("only unusable records (PKIX-EE, RFC 7672 §3.1.3): TLS is mandatory, the certificate unauthenticated", async () => {
  const { attempt } = await delivered("pkix.test");
  assert.match(attempt.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.deepEqual([attempt.certVerdict, attempt.policyLevel, attempt.policySource], ["not checked", "encrypt", "dane"]);
});

test("a TLSA lookup that fails (SERVFAIL) on a secure MX host: the host is not tried, the message waits", async () => {
  const { attempts: list, lastReply } = await held("servfail.test");
  for (const a of list) {
    assert.deepEqual([a.outcome, a.tlsVersion, a.problem?.kind], ["deferred", null, "dane-lookup"]);
    assert.match(String(a.problem?.detail), new RegExp(`^the TLSA lookup of _${peers.ports.modern}\\._tcp\\.servfail\\.peer\\.test answered SERVFAIL$`));
  }
  assert.match(lastReply ?? "", /^servfail\.peer\.test: DANE: the TLSA lookup .* answered SERVFAIL; not tried$/);
});

test("tls-report shows DANE as the source of the level", async () => {
  const ee = await outboundOf(sender, "ee.test");
  assert.deepEqual(ee?.levels, ["verify (dane)"]);
});

test("at the end of its lifetime a message refused by DANE comes back, explained in English and in German", async () => {
  const subject = tag("bounce");
  await submit(quick, ["someone@bad.test"], subject);
  const dsn = decodeQuotedPrintable(Buffer.from(await waitForBounce(quick, subject, 30_000))).toString("utf8");
  const flat = dsn.replace(/\r\n +/g, " ");
  assert.match(flat, /bad\.peer\.test presented a security certificate that does not match the records its domain publishes for it in the DNS, secured with DNSSEC \(DANE TLSA records\)/);
  assert.match(flat, /The administrators of bad\.test can fix this by publishing TLSA records for bad\.peer\.test that match its certificate/);
  assert.match(flat, /Auf Deutsch: Dieser Server hat die Zustellung nach vergeblichen Versuchen aufgegeben\. Der letzte Versuch scheiterte: Der empfangende Server bad\.peer\.test hat ein Sicherheitszertifikat vorgelegt, das nicht zu den Einträgen passt/);
  assert.match(flat, /Die Administratoren von bad\.test können das beheben/);
});
