import assert from "node:assert/strict";
import { test } from "node:test";
import { exitStatus, renderReport } from "./render.ts";
import { certInfo, cipherList, report, versions } from "../../test/support/check-targets.ts";

const ESC = "\x1b[";

function legacyReport(): ReturnType<typeof report> {
  return report({
    protocols: versions(["TLSv1", "TLSv1.2"]),
    ciphers: [
      cipherList("TLSv1", ["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"], false),
      cipherList("TLSv1.2", ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"], true),
    ],
    certificate: certInfo({ notBefore: "2025-01-05T00:00:00.000Z", notAfter: "2026-01-05T00:00:00.000Z", daysLeft: -56, trusted: false, verifyError: "CERT_HAS_EXPIRED" }),
    starttls: { protocol: "smtp", offered: true, injection: "vulnerable", detail: "The server answered NOOP inside TLS." },
  });
}

test("the table names target, versions, suites with their weaknesses and order, certificate, STARTTLS, findings and verdicts", () => {
  const text = renderReport(legacyReport(), { color: false });
  assert.ok(!text.includes(ESC), "no ANSI escapes without colour");
  assert.match(text, /^sealpost check mx\.example\.net:25 \(192\.0\.2\.25\), SMTP STARTTLS, SNI mx\.example\.net$/m);
  assert.match(text, /^ {2}TLS 1\.0 {3}✓ offered/m);
  assert.match(text, /^ {2}SSL 3\.0 {3}✗ not offered/m);
  assert.match(text, /TLS 1\.0 — 2 accepted, client's order \(the server has none\)/);
  assert.match(text, /TLS 1\.2 — 2 accepted, server's order/);
  assert.match(text, /TLS_RSA_WITH_3DES_EDE_CBC_SHA +weak: 3DES, no-forward-secrecy/);
  assert.match(text, /valid +2025-01-05 → 2026-01-05, expired 56 days ago/);
  assert.match(text, /trust +not trusted \(CERT_HAS_EXPIRED\)/);
  assert.match(text, /injection +vulnerable \(CVE-2011-0411\)/);
  assert.match(text, /✓ mx\.example\.net/);
  // Findings worst first: the 3DES (high) line comes before the TLS 1.0 (medium) one.
  const high = text.indexOf("HIGH");
  const medium = text.indexOf("MEDIUM");
  assert.ok(high > 0 && medium > high, "HIGH before MEDIUM");
  assert.match(text, /\[starttls-injection\]/);
  assert.ok(!text.includes("[cert-untrusted]"), "an expired leaf is one finding, not two");
  const flat = text.replace(/\s+/g, " ");
  assert.ok(flat.includes("✗ Mail from senders that require TLS 1.2 and a valid certificate (e.g. Microsoft 365) will not reach this server, because its certificate expired on 2026-01-05."));
  assert.ok(flat.includes("✓ Mail programs limited to TLS 1.0/1.1 will be able to connect (the server still offers TLS 1.0)."));
  assert.ok(text.endsWith("\n"));
});

test("colour only when asked", () => {
  const plain = renderReport(legacyReport(), { color: false });
  const coloured = renderReport(legacyReport(), { color: true });
  assert.ok(coloured.includes(`${ESC}31m`), "red for problems");
  assert.ok(coloured.includes(`${ESC}1m`), "bold headings");
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ""), plain, "the same text once the escapes are removed");
});

test("findings and verdicts wrap at the given width", () => {
  const text = renderReport(legacyReport(), { color: false, width: 72 });
  const prose = text.slice(text.indexOf("Findings\n"));
  let wrapped = 0;
  for (const line of prose.split("\n")) {
    assert.ok(line.length <= 72, `too long (${line.length}): ${line}`);
    if (/^ {4}\S/.test(line) || /^ {12}\S/.test(line)) wrapped++;
  }
  assert.ok(wrapped > 5, "paragraphs continue on indented lines");
});

test("a check that could not run says why and shows nothing else", () => {
  const r = report({ error: "connect ECONNREFUSED 127.0.0.1:25", starttls: null, protocols: [], ciphers: [], certificate: null });
  const text = renderReport(r, { color: false });
  assert.match(text, /The check could not run: connect ECONNREFUSED 127\.0\.0\.1:25/);
  assert.ok(!text.includes("Findings"));
  assert.equal(exitStatus(r), 2);
});

test("STARTTLS not offered: the STARTTLS block and the finding, no empty version table", () => {
  const r = report({ starttls: { protocol: "imap", offered: false, injection: "not-tested", detail: "STARTTLS is not among the capabilities." }, protocols: [], ciphers: [], certificate: null });
  const text = renderReport(r, { color: false });
  assert.match(text, /^STARTTLS \(IMAP\)$/m);
  assert.match(text, /offered +no/);
  assert.ok(!text.includes("Protocol versions"));
  assert.ok(!text.includes("Certificate\n"));
  assert.match(text, /HIGH +STARTTLS not offered \[starttls-not-offered\]/);
});
