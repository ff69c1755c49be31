// The rules for what testssl.sh's vulnerability scan reports: severities (testssl.sh's, and the
// deviations the rules name), and which facts lead to which finding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { exitStatus } from "./render.ts";
import { certInfo, cipherList, features, report, versions } from "../../test/support/check-targets.ts";
import type { CheckReport, TlsFeatures } from "./types.ts";

function severities(r: CheckReport, ...ids: string[]): Array<string | undefined> {
  return ids.map((id) => r.findings.find((f) => f.id === id)?.severity);
}

const withFeatures = (over: Partial<TlsFeatures>): CheckReport => report({ features: features(over) });
const renegotiation = (clientInitiated: TlsFeatures["renegotiation"]["clientInitiated"], accepted: number, secure: boolean | null = true): Partial<TlsFeatures> => ({
  renegotiation: { secure, clientInitiated, accepted, detail: "" },
});

test("a modern server's features add no finding", () => {
  const r = report();
  assert.deepEqual(r.findings.filter((f) => f.severity !== "info").map((f) => f.id), []);
  assert.equal(exitStatus(r), 0);
});

test("client-initiated renegotiation: unlimited medium (exit 1), limited low (exit 0), refused or not applicable nothing", () => {
  const unlimited = withFeatures(renegotiation("unlimited", 5));
  assert.deepEqual(severities(unlimited, "client-renegotiation"), ["medium"]);
  assert.match(unlimited.findings.find((f) => f.id === "client-renegotiation")?.detail ?? "", /all 5 client-initiated renegotiations .*CVE-2011-1473/);
  assert.equal(exitStatus(unlimited), 1);
  const limited = withFeatures(renegotiation("limited", 3));
  assert.deepEqual(limited.findings.filter((f) => f.id === "client-renegotiation").map((f) => [f.severity, f.title]), [["low", "Client-initiated renegotiation allowed, limited to 3 per connection"]]);
  assert.equal(exitStatus(limited), 0);
  for (const status of ["refused", "not-applicable", "not-tested"] as const) assert.deepEqual(severities(withFeatures(renegotiation(status, 0)), "client-renegotiation"), [undefined]);
});

test("no secure renegotiation is critical; not applicable (TLS 1.3 only) is nothing", () => {
  assert.deepEqual(severities(withFeatures(renegotiation("refused", 0, false)), "renegotiation-insecure"), ["critical"]);
  assert.deepEqual(severities(withFeatures(renegotiation("not-applicable", 0, null)), "renegotiation-insecure"), [undefined]);
});

test("compression medium, Heartbleed critical, a heartbeat extension alone info", () => {
  assert.deepEqual(severities(withFeatures({ compression: { offered: true, detail: "" } }), "compression"), ["medium"]);
  assert.deepEqual(severities(withFeatures({ compression: { offered: null, detail: "" } }), "compression"), [undefined]);
  assert.deepEqual(severities(withFeatures({ heartbeat: { extension: true, heartbleed: "vulnerable", detail: "" } }), "heartbleed", "heartbeat"), ["critical", undefined]);
  assert.deepEqual(severities(withFeatures({ heartbeat: { extension: true, heartbleed: "not-vulnerable", detail: "" } }), "heartbleed", "heartbeat"), [undefined, "info"]);
});

test("fallback SCSV: missing medium, high when SSL 3.0 with CBC is offered (POODLE); the wrong alert low", () => {
  const missing = { fallbackScsv: { status: "not-supported", detail: "" } } as const;
  assert.deepEqual(severities(withFeatures(missing), "fallback-scsv-missing"), ["medium"]);
  const poodle = report({ features: features(missing), protocols: versions(["SSLv3", "TLSv1", "TLSv1.2"]), ciphers: [cipherList("SSLv3", ["TLS_RSA_WITH_AES_128_CBC_SHA"])] });
  assert.deepEqual(poodle.findings.filter((f) => f.id === "fallback-scsv-missing").map((f) => [f.severity, f.title]), [["high", "No downgrade protection (TLS_FALLBACK_SCSV) while SSL 3.0 is open to POODLE"]]);
  assert.deepEqual(severities(withFeatures({ fallbackScsv: { status: "handshake-failure", detail: "" } }), "fallback-scsv-wrong-alert"), ["low"]);
});

test("DH groups by testssl.sh's bit thresholds; curves by the weakest one", () => {
  const dh = (bits: number): string | undefined => severities(withFeatures({ keyExchange: { dhBits: bits, dhGroup: null, weakCurves: [], detail: "" } }), "dh-group-weak")[0];
  assert.deepEqual([512, 768, 1024, 1536, 2048, 4096].map(dh), ["critical", "high", "medium", "info", undefined, undefined]);
  const curves = (bits: number[]): string | undefined => severities(withFeatures({ keyExchange: { dhBits: null, dhGroup: null, weakCurves: bits.map((b) => ({ name: `c${b}`, bits: b })), detail: "" } }), "ecdh-curve-weak")[0];
  assert.deepEqual([[224], [192, 224], [160, 224], []].map(curves), ["info", "low", "medium", undefined]);
});

test("OCSP: a missing staple is low only when the certificate names a responder; a stapled revocation critical; a stapled error low", () => {
  const stapling = (s: Partial<TlsFeatures["ocspStapling"]>, ocspUrls: string[]): CheckReport =>
    report({ features: features({ ocspStapling: { stapled: false, responseStatus: null, certStatus: null, detail: "", ...s } }), certificate: certInfo({ ocspUrls }) });
  assert.deepEqual(severities(stapling({}, ["http://ocsp.example/"]), "ocsp-stapling-missing"), ["low"]);
  assert.deepEqual(severities(stapling({}, []), "ocsp-stapling-missing"), [undefined]);
  assert.deepEqual(severities(stapling({ stapled: true, responseStatus: "successful", certStatus: "revoked" }, ["http://ocsp.example/"]), "cert-revoked"), ["critical"]);
  assert.deepEqual(severities(stapling({ stapled: true, responseStatus: "tryLater" }, ["http://ocsp.example/"]), "ocsp-stapled-error", "ocsp-stapling-missing"), ["low", undefined]);
});

test("a certificate with neither CRL nor OCSP URL is low (testssl.sh: high), unless it is self-signed", () => {
  assert.deepEqual(severities(report({ certificate: certInfo({ crlUrls: [], ocspUrls: [] }) }), "cert-no-revocation"), ["low"]);
  assert.deepEqual(severities(report({ certificate: certInfo({ crlUrls: [], ocspUrls: ["http://ocsp.example/"] }) }), "cert-no-revocation"), [undefined]);
  assert.deepEqual(severities(report({ certificate: certInfo({ crlUrls: [], ocspUrls: [], selfSigned: true }) }), "cert-no-revocation"), [undefined]);
});

test("BEAST from CBC suites on SSL 3.0/TLS 1.0 (medium without TLS 1.1+), LUCKY13 from any CBC suite, SWEET32 from 64-bit blocks", () => {
  const cbc10 = cipherList("TLSv1", ["TLS_RSA_WITH_AES_128_CBC_SHA"]);
  const gcm12 = cipherList("TLSv1.2", ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]);
  const mitigated = report({ protocols: versions(["TLSv1", "TLSv1.2"]), ciphers: [cbc10, gcm12] });
  assert.deepEqual(severities(mitigated, "beast", "lucky13", "sweet32"), ["low", "low", undefined]);
  const alone = report({ protocols: versions(["TLSv1"]), ciphers: [cbc10] });
  assert.deepEqual(severities(alone, "beast"), ["medium"]);
  const tls11 = report({ protocols: versions(["TLSv1.1", "TLSv1.2"]), ciphers: [cipherList("TLSv1.1", ["TLS_RSA_WITH_AES_128_CBC_SHA"]), gcm12] });
  assert.deepEqual(severities(tls11, "beast", "lucky13"), [undefined, "low"]);
  const sweet = report({ ciphers: [cipherList("TLSv1.2", ["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_IDEA_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"])] });
  assert.match(sweet.findings.find((f) => f.id === "sweet32")?.detail ?? "", /TLS 1\.2: TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_IDEA_CBC_SHA\)$/);
  assert.deepEqual(severities(report(), "beast", "lucky13", "sweet32"), [undefined, undefined, undefined]);
});
