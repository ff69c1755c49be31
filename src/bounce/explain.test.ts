import assert from "node:assert/strict";
import { test } from "node:test";
import { advice, explain, explainParts, statusOf, type CertificateProblem, type DeliveryProblem } from "./index.ts";
import { germanExplanation } from "./explain-de.ts";

const HOST = "mx.example.net";

/** One problem of every kind, with words its explanation must contain (and words it must not). */
const TABLE: { p: DeliveryProblem; has: string[]; not?: string[] }[] = [
  { p: { kind: "connect", host: HOST, detail: "connection refused" }, has: ["mx.example.net could not be reached", "(connection refused)"] },
  { p: { kind: "protocol", host: HOST, detail: "lost connection after DATA" }, has: ["broke off during delivery", "(lost connection after DATA)"] },
  { p: { kind: "no-starttls", host: HOST }, has: ["does not offer an encrypted connection (STARTTLS)", "was not delivered"] },
  {
    p: { kind: "tls-version", host: HOST, offered: "TLS 1.0" },
    has: ["The receiving server mx.example.net offered only TLS 1.0. This server sends mail only over TLS 1.2 or newer, so the message was not delivered."],
  },
  {
    p: { kind: "weak-cipher", host: HOST, cipher: "DES-CBC3-SHA", weakness: "3DES" },
    has: ["offered only weak encryption", "DES-CBC3-SHA", "3DES", "only with strong encryption"],
  },
  { p: { kind: "tls-handshake", host: HOST, detail: "handshake failure alert" }, has: ["could not set up an encrypted connection", "(handshake failure alert)"] },
  {
    p: { kind: "certificate", host: HOST, problem: "expired", detail: "expired on 2026-01-01" },
    has: ["certificate that has expired", "(expired on 2026-01-01)", "only when the certificate is valid"],
  },
  {
    p: { kind: "mta-sts-mismatch", host: "mx.other.test", patterns: ["mx1.example.net", "*.mail.example.net"] },
    has: ["security policy (MTA-STS)", "(mx1.example.net, *.mail.example.net)", "mx.other.test is not one of them"],
  },
  {
    p: { kind: "rejected", host: HOST, reply: "550 5.1.1 <bob@example.net>: unknown user", permanent: true },
    has: ["refused the message: the address does not exist there", 'It replied: "550 5.1.1 <bob@example.net>: unknown user"', "typing mistakes"],
  },
  {
    p: { kind: "rejected", host: HOST, reply: "452 4.2.2 mailbox full", permanent: false },
    has: ["did not accept the message for now: the recipient's mailbox is full", '"452 4.2.2 mailbox full"'],
    not: ["typing"],
  },
  { p: { kind: "null-mx", domain: "example.net" }, has: ["example.net states that it accepts no mail", "null MX"] },
  { p: { kind: "no-such-domain", domain: "exmaple.net" }, has: ["The domain exmaple.net does not exist", "typing mistakes"] },
  { p: { kind: "dns", domain: "example.net", detail: "SERVFAIL" }, has: ["could not be looked up", "(DNS)", "(SERVFAIL)"] },
  {
    p: { kind: "dane-lookup", host: HOST, detail: "the TLSA lookup of _25._tcp.mx.example.net answered SERVFAIL" },
    has: ["mx.example.net protects its connections with DANE", "checked with DNSSEC (the TLSA lookup of _25._tcp.mx.example.net answered SERVFAIL)", "did not connect"],
  },
  {
    p: { kind: "expired", lifetime: "5 days", last: { kind: "tls-version", host: HOST, offered: "TLS 1.1" } },
    has: ["for 5 days without success", "given up", "The last attempt failed: The receiving server mx.example.net offered only TLS 1.1"],
  },
  { p: { kind: "expired", lifetime: "2 days", last: null }, has: ["for 2 days", "reason for the last failure is not known"] },
  { p: { kind: "operator" }, has: ["administrator of this mail system cancelled"] },
  {
    p: { kind: "requiretls", host: HOST, reason: "mx-unauthenticated", tls: null },
    has: ["sent with REQUIRETLS", "neither signed with DNSSEC nor confirmed by an MTA-STS policy", "returned at once", "send it again without REQUIRETLS."],
  },
  { p: { kind: "requiretls", host: HOST, reason: "not-offered", tls: null }, has: ["mx.example.net set up a verified, encrypted connection, but it does not support REQUIRETLS"] },
  {
    p: { kind: "requiretls", host: HOST, reason: "tls", tls: { kind: "no-starttls", host: HOST } },
    has: ["(RFC 8689). The receiving server mx.example.net does not offer an encrypted connection (STARTTLS)."],
  },
];

test("every problem kind has a plain explanation saying what went wrong", () => {
  const kinds = new Set<string>();
  for (const { p, has, not } of TABLE) {
    kinds.add(p.kind);
    const text = explain(p);
    for (const s of has) assert.ok(text.includes(s), `${p.kind}: ${JSON.stringify(text)} lacks ${JSON.stringify(s)}`);
    for (const s of not ?? []) assert.ok(!text.includes(s), `${p.kind}: ${JSON.stringify(text)} has ${JSON.stringify(s)}`);
    assert.match(text, /[.!"]$/, `${p.kind}: ends a sentence`);
    assert.doesNotMatch(text, /undefined|\bnull\b(?! MX)|\[object/, p.kind);
  }
  const all = ["connect", "protocol", "no-starttls", "tls-version", "weak-cipher", "tls-handshake", "certificate", "dane-lookup", "mta-sts-mismatch", "rejected", "null-mx", "no-such-domain", "dns", "expired", "operator", "requiretls"];
  assert.deepEqual([...kinds].sort(), all.sort());
});

const CERT: Record<CertificateProblem, { says: string; fix: string }> = {
  expired: { says: "has expired", fix: "renewing the certificate of mx.example.net" },
  "not-yet-valid": { says: "is not valid yet", fix: "valid today, or by setting its clock right" },
  hostname: { says: "issued for a different name", fix: "includes the name mx.example.net" },
  untrusted: { says: "not issued by a trusted certificate authority", fix: "from a public certificate authority" },
  "weak-key": { says: "key is too short", fix: "at least 2048 bits (RSA)" },
  "weak-signature": { says: "outdated method that can be forged", fix: "signed with SHA-256 or stronger" },
  "dane-mismatch": { says: "does not match the records its domain publishes for it in the DNS", fix: "publishing TLSA records for mx.example.net that match its certificate" },
  other: { says: "could not be verified", fix: "checking the certificate of mx.example.net" },
};

test("each certificate problem says which one it is, in its own words, with its own fix", () => {
  const texts = new Set<string>();
  const fixes = new Set<string>();
  for (const [problem, want] of Object.entries(CERT) as [CertificateProblem, { says: string; fix: string }][]) {
    const p: DeliveryProblem = { kind: "certificate", host: HOST, problem, detail: "" };
    const text = explain(p);
    assert.ok(text.includes(want.says), `${problem}: ${text}`);
    assert.doesNotMatch(text, /\(\)/, "an empty detail adds no empty parentheses");
    texts.add(text);
    const fix = advice(p, "example.net") ?? "";
    assert.ok(fix.startsWith("The administrators of example.net can fix this by "), `${problem}: ${fix}`);
    assert.ok(fix.includes(want.fix), `${problem}: ${fix}`);
    fixes.add(fix);
  }
  assert.equal(texts.size, 8);
  assert.equal(fixes.size, 8);
});

test("advice names the recipient's administrators for TLS problems only", () => {
  assert.equal(
    advice({ kind: "tls-version", host: HOST, offered: "TLS 1.0" }, "example.net"),
    "The administrators of example.net can fix this by enabling TLS 1.2 on mx.example.net.",
  );
  assert.match(advice({ kind: "no-starttls", host: HOST }, "example.net") ?? "", /enabling STARTTLS/);
  assert.match(advice({ kind: "weak-cipher", host: HOST, cipher: "RC4-SHA", weakness: "RC4" }, "example.net") ?? "", /modern cipher suites/);
  assert.match(advice({ kind: "tls-handshake", host: HOST, detail: "x" }, "example.net") ?? "", /TLS settings of mx\.example\.net/);
  assert.match(advice({ kind: "mta-sts-mismatch", host: HOST, patterns: [] }, "example.net") ?? "", /MTA-STS policy/);
  const expired: DeliveryProblem = { kind: "expired", lifetime: "5 days", last: { kind: "certificate", host: HOST, problem: "expired", detail: "" } };
  assert.match(advice(expired, "example.net") ?? "", /renewing the certificate/);
  assert.match(advice({ kind: "no-starttls", host: HOST }, "") ?? "", /^The administrators of the receiving server can/);
  for (const { p } of TABLE.filter((t) => ["connect", "protocol", "rejected", "null-mx", "no-such-domain", "dns", "operator"].includes(t.p.kind))) {
    assert.equal(advice(p, "example.net"), null, p.kind);
  }
  assert.equal(advice({ kind: "expired", lifetime: "1 day", last: null }, "example.net"), null);
});

test("text from outside is cleaned: no line breaks or control characters, bounded length", () => {
  const text = explain({ kind: "tls-handshake", host: "mx\r\n.evil", detail: `alert\r\nInjected: yes\x00${"x".repeat(2000)}` });
  assert.doesNotMatch(text, /[\r\n\x00]/);
  assert.ok(text.length < 700, `length ${text.length}`);
  assert.ok(text.includes("…"));
});

test("a rejection keeps its reply's lines for quoting; the class of the reply code decides refused or for now", () => {
  const e = explainParts({ kind: "rejected", host: HOST, reply: "550-5.7.1 Message refused\r\n550 5.7.1 by policy", permanent: true });
  assert.deepEqual(e.quote, ["550-5.7.1 Message refused", "550 5.7.1 by policy"]);
  assert.match(e.text, /refused the message: its rules do not allow this message/);
  const temp = explainParts({ kind: "rejected", host: HOST, reply: "421 try later", permanent: true });
  assert.match(temp.text, /did not accept the message for now\.$/);
  const noCode = explainParts({ kind: "rejected", host: HOST, reply: "", permanent: true });
  assert.equal(noCode.quote, undefined);
  assert.match(noCode.text, /refused the message\.$/);
});

test("DANE problems have advice; the certificate mismatch is a certificate problem in the DANE's words", () => {
  assert.equal(
    advice({ kind: "dane-lookup", host: HOST, detail: "x" }, "example.net"),
    "The administrators of example.net can fix this by correcting the DNSSEC signatures of the DNS records of mx.example.net (its TLSA and address records).",
  );
  const text = explain({ kind: "certificate", host: HOST, problem: "dane-mismatch", detail: "no TLSA record matches" });
  assert.match(text, /DANE TLSA records\) \(no TLSA record matches\)\. This server delivers mail/);
});

test("REQUIRETLS (RFC 8689): 5.7.30, what the receiving side can do, and the same in German", () => {
  const unauthenticated: DeliveryProblem = { kind: "requiretls", host: HOST, reason: "mx-unauthenticated", tls: null };
  const notOffered: DeliveryProblem = { kind: "requiretls", host: HOST, reason: "not-offered", tls: null };
  const untrusted: DeliveryProblem = { kind: "requiretls", host: HOST, reason: "tls", tls: { kind: "certificate", host: HOST, problem: "untrusted", detail: "issued by Rogue CA" } };
  for (const p of [unauthenticated, notOffered, untrusted]) assert.equal(statusOf(p), "5.7.30");
  assert.match(advice(unauthenticated, "example.net") ?? "", /^The administrators of example\.net can fix this by signing their DNS zone with DNSSEC, or by publishing an MTA-STS policy in mode enforce that names mx\.example\.net\.$/);
  assert.match(advice(notOffered, "example.net") ?? "", /running a mail server on mx\.example\.net that supports REQUIRETLS/);
  assert.match(advice(untrusted, "example.net") ?? "", /from a public certificate authority/);
  assert.match(germanExplanation(notOffered, "example.net") ?? "", /^Die Nachricht wurde mit REQUIRETLS gesendet: .* unterstützt aber REQUIRETLS nicht .* Deshalb wurde sie sofort zurückgeschickt.* Die Administratoren von example\.net können das beheben/);
  assert.match(germanExplanation(unauthenticated) ?? "", /weder mit DNSSEC signiert noch durch eine MTA-STS-Richtlinie bestätigt/);
  assert.match(germanExplanation(untrusted) ?? "", /hat ein Sicherheitszertifikat, das nicht von einer vertrauenswürdigen Zertifizierungsstelle ausgestellt ist, vorgelegt \(issued by Rogue CA\)\./);
});
