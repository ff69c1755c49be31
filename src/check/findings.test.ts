import assert from "node:assert/strict";
import { test } from "node:test";
import { buildFindings, sortFindings } from "./findings.ts";
import { exitStatus } from "./render.ts";
import { certInfo, cipherList, facts, NOW, report, versions } from "../../test/support/check-targets.ts";
import type { CipherList, Finding } from "./types.ts";

const DAY = 86_400_000;

function ids(fs: readonly Finding[]): string[] {
  return fs.map((f) => f.id);
}

function byId(fs: readonly Finding[], id: string): Finding {
  const hit = fs.find((f) => f.id === id);
  assert.ok(hit, `no finding ${id} in ${ids(fs).join(", ")}`);
  return hit;
}

test("a modern server with a good certificate has only info findings and exit status 0", () => {
  const r = report();
  assert.deepEqual(ids(r.findings).sort(), ["cert-ok", "ciphers-ok", "protocols-ok", "starttls-ok"]);
  assert.ok(r.findings.every((f) => f.severity === "info"));
  assert.equal(exitStatus(r), 0);
});

test("protocol versions: SSL 2.0 critical, SSL 3.0 high, TLS 1.0/1.1 medium, no TLS 1.3 low", () => {
  const fs = buildFindings(facts({ protocols: versions(["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"]) }));
  assert.equal(byId(fs, "sslv2-offered").severity, "critical");
  assert.equal(byId(fs, "sslv3-offered").severity, "high");
  assert.equal(byId(fs, "tls1_0-offered").severity, "medium");
  assert.equal(byId(fs, "tls1_1-offered").severity, "medium");
  assert.match(byId(fs, "tls1_0-offered").detail, /RFC 8996/);
  assert.equal(byId(fs, "tls1_3-missing").severity, "low");
  assert.ok(!ids(fs).includes("protocols-ok"));
});

test("no TLS 1.2 or 1.3 is critical; no version at all is its own finding", () => {
  const legacy = buildFindings(facts({ protocols: versions(["TLSv1"]), ciphers: [] }));
  assert.equal(byId(legacy, "no-tls12").severity, "critical");
  assert.ok(!ids(legacy).includes("tls1_3-missing"));
  const none = buildFindings(facts({ protocols: versions([]), ciphers: [], certificate: null }));
  assert.equal(byId(none, "no-tls").severity, "critical");
  assert.ok(!ids(none).includes("no-tls12"));
  assert.ok(!ids(none).includes("cert-unavailable"), "no handshake at all: the certificate finding would only repeat it");
});

test("weak suites are named with their versions and graded", () => {
  const fs = buildFindings(
    facts({
      protocols: versions(["TLSv1", "TLSv1.2"]),
      ciphers: [
        cipherList("TLSv1", ["TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_EXPORT_WITH_RC4_40_MD5"]),
        cipherList("TLSv1.2", ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DH_anon_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_NULL_SHA256", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"]),
      ],
    }),
  );
  assert.equal(byId(fs, "cipher-null").severity, "critical");
  assert.equal(byId(fs, "cipher-export").severity, "critical");
  assert.equal(byId(fs, "cipher-anon").severity, "low", "opportunistic SMTP (the default target): see the anonymous-suites test");
  assert.equal(byId(fs, "cipher-rc4").severity, "high");
  assert.equal(byId(fs, "cipher-3des").severity, "high");
  assert.equal(byId(fs, "cipher-md5").severity, "high");
  assert.equal(byId(fs, "cipher-no-fs").severity, "medium");
  assert.match(byId(fs, "cipher-3des").detail, /TLS 1\.0: TLS_RSA_WITH_3DES_EDE_CBC_SHA; TLS 1\.2: TLS_RSA_WITH_3DES_EDE_CBC_SHA/);
  assert.match(byId(fs, "cipher-null").detail, /TLS_RSA_WITH_NULL_SHA256/);
  assert.ok(!ids(fs).includes("ciphers-ok"));
  // Worst first.
  assert.equal(fs[0]?.severity, "critical");
});

test("CBC-only TLS 1.2 is low; a client-chosen order matters only when weak suites are accepted", () => {
  const cbc = buildFindings(facts({ protocols: versions(["TLSv1.2"]), ciphers: [cipherList("TLSv1.2", ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"], false)] }));
  assert.equal(byId(cbc, "cipher-cbc-only").severity, "low");
  assert.ok(!ids(cbc).includes("client-order-tlsv1_2"), "only strong suites: the order does not matter");
  assert.ok(ids(cbc).includes("ciphers-ok"));
  const weak = buildFindings(facts({ ciphers: [cipherList("TLSv1.2", ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"], false)] }));
  assert.equal(byId(weak, "client-order-tlsv1_2").severity, "low");
  assert.ok(!ids(weak).includes("cipher-cbc-only"));
});

test("certificate: expired, not yet valid and expiring within 14 days", () => {
  const expired = buildFindings(facts({ certificate: certInfo({ notAfter: "2026-01-05T00:00:00.000Z" }) }));
  assert.equal(byId(expired, "cert-expired").severity, "high");
  assert.match(byId(expired, "cert-expired").title, /2026-01-05/);
  const future = buildFindings(facts({ certificate: certInfo({ notBefore: new Date(NOW.getTime() + 3 * DAY).toISOString() }) }));
  assert.equal(byId(future, "cert-not-yet-valid").severity, "high");
  const soon = buildFindings(facts({ certificate: certInfo({ notAfter: new Date(NOW.getTime() + 10 * DAY + 3600_000).toISOString() }) }));
  assert.equal(byId(soon, "cert-expiring").severity, "medium");
  assert.match(byId(soon, "cert-expiring").title, /10 days/);
  const later = buildFindings(facts({ certificate: certInfo({ notAfter: new Date(NOW.getTime() + 15 * DAY + 3600_000).toISOString() }) }));
  assert.ok(!ids(later).includes("cert-expiring"));
});

test("certificate: self-signed, untrusted chain (with a hint), name mismatches, weak key and signature", () => {
  const self = buildFindings(facts({ certificate: certInfo({ selfSigned: true, trusted: false, verifyError: "DEPTH_ZERO_SELF_SIGNED_CERT" }) }));
  assert.equal(byId(self, "cert-self-signed").severity, "high");
  assert.ok(!ids(self).includes("cert-untrusted"), "one finding for one cause");
  const chain = buildFindings(facts({ certificate: certInfo({ trusted: false, verifyError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }) }));
  assert.equal(byId(chain, "cert-untrusted").severity, "high");
  assert.match(byId(chain, "cert-untrusted").detail, /intermediate/);
  const names = buildFindings(
    facts({
      certificate: certInfo({
        names: ["other.example.org"],
        nameChecks: [
          { name: "mx.example.net", matches: false },
          { name: "mx2.example.net", matches: false },
        ],
      }),
    }),
  );
  assert.equal(byId(names, "cert-name-mismatch").severity, "high");
  assert.match(byId(names, "cert-name-mismatch").detail, /It names other\.example\.org/);
  assert.match(byId(names, "cert-mx-name-mismatch").title, /mx2\.example\.net/);
  const weak = buildFindings(facts({ certificate: certInfo({ keyType: "RSA", keyBits: 1024, signatureAlgorithm: "sha1WithRSAEncryption" }) }));
  assert.equal(byId(weak, "cert-weak-key").severity, "high");
  assert.equal(byId(weak, "cert-weak-signature").severity, "medium");
  const ec = buildFindings(facts({ certificate: certInfo({ keyType: "EC", keyBits: 224 }) }));
  assert.ok(ids(ec).includes("cert-weak-key"));
  const strong = buildFindings(facts({ certificate: certInfo({ keyType: "RSA", keyBits: 2048 }) }));
  assert.ok(!ids(strong).includes("cert-weak-key"));
  assert.ok(ids(strong).includes("cert-ok"));
});

test("certificate not readable although TLS works; names unchecked for an address target", () => {
  const none = buildFindings(facts({ certificate: null }), { certificateError: "TLS handshake failed: unsupported protocol" });
  assert.equal(byId(none, "cert-unavailable").severity, "medium");
  assert.match(byId(none, "cert-unavailable").detail, /unsupported protocol/);
  const ip = buildFindings(facts({ target: { host: "192.0.2.25", port: 25, address: "192.0.2.25", servername: null, access: "smtp" }, certificate: certInfo({ nameChecks: [] }) }));
  assert.equal(byId(ip, "cert-name-unchecked").severity, "info");
});

test("STARTTLS: not offered, refused, not announced, injection", () => {
  const off = report({ starttls: { protocol: "smtp", offered: false, injection: "not-tested", detail: "x" }, protocols: [], ciphers: [], certificate: null });
  assert.deepEqual(ids(off.findings), ["starttls-not-offered"]);
  assert.equal(off.findings[0]?.severity, "high");
  assert.equal(exitStatus(off), 1);
  const pop = buildFindings(facts({ starttls: { protocol: "pop3", offered: false, injection: "not-tested", detail: "x" }, protocols: [], ciphers: [], certificate: null }));
  assert.match(byId(pop, "starttls-not-offered").title, /^STLS/);
  const refused = buildFindings(facts({ starttls: { protocol: "smtp", offered: true, injection: "not-tested", detail: "x" }, protocols: [], ciphers: [], certificate: null }), {
    starttlsRefused: 'STARTTLS was offered but refused with "454 4.7.0 TLS not available"',
  });
  assert.match(byId(refused, "starttls-refused").detail, /454 4\.7\.0/);
  const hidden = buildFindings(facts(), { starttlsAnnounced: false });
  assert.equal(byId(hidden, "starttls-not-announced").severity, "medium");
  const vuln = buildFindings(facts({ starttls: { protocol: "smtp", offered: true, injection: "vulnerable", detail: "answered NOOP inside TLS" } }));
  const inj = byId(vuln, "starttls-injection");
  assert.equal(inj.severity, "high");
  assert.match(inj.title, /CVE-2011-0411/);
  assert.ok(!ids(vuln).includes("starttls-ok"));
});

test("a report whose check did not run has no findings and exit status 2", () => {
  const r = report({ error: "connect ECONNREFUSED 127.0.0.1:25", starttls: null, protocols: [], ciphers: [], certificate: null });
  assert.deepEqual(r.findings, []);
  assert.equal(exitStatus(r), 2);
});

test("exit status: low findings alone give 0, a medium one gives 1", () => {
  const low = report({ protocols: versions(["TLSv1.2"]), ciphers: [modernTls12()] });
  assert.ok(low.findings.some((f) => f.severity === "low"));
  assert.equal(exitStatus(low), 0);
  const medium = report({ protocols: versions(["TLSv1.1", "TLSv1.2", "TLSv1.3"]) });
  assert.equal(exitStatus(medium), 1);
});

function modernTls12(): CipherList {
  return cipherList("TLSv1.2", ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]);
}

test("sortFindings orders by severity and keeps order within one", () => {
  const mk = (id: string, severity: Finding["severity"]): Finding => ({ id, severity, title: id, detail: id });
  const sorted = sortFindings([mk("a", "low"), mk("b", "critical"), mk("c", "info"), mk("d", "low"), mk("e", "high"), mk("f", "medium")]);
  assert.deepEqual(ids(sorted), ["b", "e", "f", "a", "d", "c"]);
});

test("probes without an answer: a medium scan-incomplete finding, and no all-clear for protocols or suites", () => {
  const r = report({ gaps: ["TLS 1.2 suites: no answer within 300 ms"] });
  const ids = r.findings.map((x) => x.id);
  assert.equal(r.findings.find((x) => x.id === "scan-incomplete")?.severity, "medium");
  assert.equal(ids.includes("protocols-ok"), false);
  assert.equal(ids.includes("ciphers-ok"), false);
  assert.ok(report().findings.some((x) => x.id === "protocols-ok"), "a complete scan keeps its all-clear");
});

test("anonymous suites: critical on implicit TLS, low on SMTP STARTTLS (opportunistic, as Postfix offers them)", () => {
  const anon = [cipherList("TLSv1.2", ["TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"])];
  const smtp = report({ ciphers: anon });
  assert.equal(smtp.findings.find((x) => x.id === "cipher-anon")?.severity, "low");
  const implicit = report({ ciphers: anon, target: { host: "mx.example.net", port: 993, address: "192.0.2.25", servername: "mx.example.net", access: "tls" }, starttls: null });
  assert.equal(implicit.findings.find((x) => x.id === "cipher-anon")?.severity, "critical");
});
