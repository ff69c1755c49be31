/**
 * `sealpost check` finds what testssl.sh's vulnerability scan finds (issue 9), through the CLI
 * with --json: each property against a server configured to show it and one configured not to —
 * `openssl s_server` where OpenSSL still offers the property (-no_ticket, -no_cache, -dhparam,
 * -groups, -status_file, TLS 1.0–1.2 with the fallback SCSV), scripted servers (test/support/check-fakes.ts)
 * for what no TLS library here offers any more (compression: this OpenSSL has no zlib; the
 * heartbeat extension and Heartbleed; a ServerHello without renegotiation_info; a server that
 * ignores TLS_FALLBACK_SCSV).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckReport } from "../src/check/index.ts";
import { checkJson } from "./support/check-cli.ts";
import { startFakeTlsServer, type FakeTlsOptions } from "./support/check-fakes.ts";
import { startOpensslServer } from "./support/check-targets.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../src/tls/index.ts";
import { oakleyGroup2Pem, opensslLeaf, opensslOcspResponse } from "./openssl-pki.ts";

const NAME = "vuln.check.test";
let dir: string;
let ca: PemPair;
let caFile: string;
let leaf: PemPair;
const servers: Array<{ close(): Promise<void> }> = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-check-vulns-"));
  ca = await generateCa({ name: "Vulnerability Test CA", keyType: "rsa" });
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.certPem);
  leaf = await generateSelfSigned({ hostnames: [NAME], issuer: ca, keyType: "rsa" });
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function check(port: number): Promise<CheckReport> {
  const { report } = await checkJson([`127.0.0.1:${port}`, "--servername", NAME, "--ca", caFile]);
  assert.equal(report.error, null);
  return report;
}

const finding = (r: CheckReport, id: string): string | undefined => r.findings.find((f) => f.id === id)?.severity;

async function sServer(args: string[], pem: PemPair = leaf): Promise<number> {
  const s = await startOpensslServer(pem, args);
  servers.push(s);
  return s.port;
}

async function fake(opts: FakeTlsOptions): Promise<number> {
  const s = await startFakeTlsServer(opts);
  servers.push(s);
  return s.port;
}

/** TLS 1.2 only, ECDHE-RSA-AES128-GCM and AES128-SHA (CBC), as a scripted server that hangs up after its ServerHello. */
const TLS12: FakeTlsOptions = { version: 0x0303, accept: [0xc02f, 0x002f], hangUp: true };

test("TLS compression (scripted: no OpenSSL here has zlib): CRIME, medium; a server that declines: none", async () => {
  const on = await check(await fake({ ...TLS12, compression: true }));
  assert.equal(on.features?.compression.offered, true);
  assert.equal(finding(on, "compression"), "medium");
  const off = await check(await fake(TLS12));
  assert.equal(off.features?.compression.offered, false);
  assert.equal(finding(off, "compression"), undefined);
});

test("heartbeat extension (scripted): without Heartbleed info, with Heartbleed critical", async () => {
  const plain = await check(await fake({ ...TLS12, heartbeat: "extension" }));
  assert.deepEqual([plain.features?.heartbeat.extension, plain.features?.heartbeat.heartbleed], [true, "not-vulnerable"]);
  assert.deepEqual([finding(plain, "heartbeat"), finding(plain, "heartbleed")], ["info", undefined]);
  const bleeding = await check(await fake({ ...TLS12, heartbeat: "heartbleed" }));
  assert.equal(bleeding.features?.heartbeat.heartbleed, "vulnerable", bleeding.features?.heartbeat.detail);
  assert.match(bleeding.features?.heartbeat.detail ?? "", /a heartbeat response of 16403 bytes to a request carrying 0/);
  assert.equal(finding(bleeding, "heartbleed"), "critical");
  const none = await check(await fake(TLS12));
  assert.deepEqual([none.features?.heartbeat.extension, finding(none, "heartbeat")], [false, undefined]);
});

test("no renegotiation_info in the ServerHello (scripted): no secure renegotiation, critical", async () => {
  const r = await check(await fake({ ...TLS12, secureRenegotiation: false }));
  assert.equal(r.features?.renegotiation.secure, false);
  assert.equal(finding(r, "renegotiation-insecure"), "critical");
  const ok = await check(await fake(TLS12));
  assert.deepEqual([ok.features?.renegotiation.secure, finding(ok, "renegotiation-insecure")], [true, undefined]);
});

test("TLS_FALLBACK_SCSV: s_server with TLS 1.0–1.2 refuses the fallback; scripted servers that ignore it (medium) or refuse with handshake_failure (low)", async () => {
  const legacy = ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2"];
  const supported = await check(await sServer(legacy));
  assert.equal(supported.features?.fallbackScsv.status, "supported", supported.features?.fallbackScsv.detail);
  assert.match(supported.features?.fallbackScsv.detail ?? "", /A TLS 1\.1 hello .* falling back from TLS 1\.2/);
  const versions = [0x0301, 0x0302, 0x0303];
  const ignored = await check(await fake({ ...TLS12, versions, fallbackScsv: "ignored" }));
  assert.deepEqual(ignored.protocols.filter((p) => p.offered).map((p) => p.version), ["TLSv1", "TLSv1.1", "TLSv1.2"]);
  assert.equal(ignored.features?.fallbackScsv.status, "not-supported");
  assert.equal(finding(ignored, "fallback-scsv-missing"), "medium");
  const wrong = await check(await fake({ ...TLS12, versions, fallbackScsv: "handshake-failure" }));
  assert.equal(wrong.features?.fallbackScsv.status, "handshake-failure");
  assert.equal(finding(wrong, "fallback-scsv-wrong-alert"), "low");
  const modern = await check(await sServer(["-min_protocol", "TLSv1.2"]));
  assert.equal(modern.features?.fallbackScsv.status, "not-applicable");
});

test("session resumption: s_server resumes by session ID and by ticket; -no_ticket by ID only; -no_cache by ticket only", async () => {
  const res = async (args: string[]): Promise<[boolean | null | undefined, boolean | null | undefined]> => {
    const r = await check(await sServer(args));
    return [r.features?.resumption.ids, r.features?.resumption.tickets];
  };
  assert.deepEqual(await res([]), [true, true]);
  assert.deepEqual(await res(["-no_ticket"]), [true, false]);
  assert.deepEqual(await res(["-no_cache"]), [false, true]);
});

test("DH group: RFC 2409's 1024-bit group (-dhparam) is medium and named; OpenSSL's default (2048 bits) none", async () => {
  const params = join(dir, "dh1024.pem");
  writeFileSync(params, oakleyGroup2Pem());
  const weak = await check(await sServer(["-dhparam", params, "-cipher", "DEFAULT@SECLEVEL=0"]));
  assert.deepEqual([weak.features?.keyExchange.dhBits, weak.features?.keyExchange.dhGroup], [1024, "MODP 1024 (RFC 2409)"]);
  assert.equal(finding(weak, "dh-group-weak"), "medium");
  const strong = await check(await sServer([]));
  assert.equal(strong.features?.keyExchange.dhBits, 2048);
  assert.equal(finding(strong, "dh-group-weak"), undefined);
});

test("ECDHE curves: s_server with secp192r1 among its groups is low; its defaults accept no curve under 225 bits", async () => {
  const weak = await check(await sServer(["-groups", "secp192r1:P-256", "-cipher", "DEFAULT@SECLEVEL=0"]));
  assert.deepEqual(weak.features?.keyExchange.weakCurves, [{ name: "secp192r1", bits: 192 }]);
  assert.equal(finding(weak, "ecdh-curve-weak"), "low");
  const strong = await check(await sServer([]));
  assert.deepEqual(strong.features?.keyExchange.weakCurves, []);
});

test("OCSP stapling: a certificate naming a responder without a staple is low; a stapled good response passes; a stapled revocation is critical", async () => {
  const withUrls = opensslLeaf(ca, `/CN=${NAME}`, ["-newkey", "rsa:2048"], "-sha256", `subjectAltName=DNS:${NAME}\nauthorityInfoAccess=OCSP;URI:http://ocsp.check.test/\ncrlDistributionPoints=URI:http://crl.check.test/ca.crl\n`);
  const staple = (status: "good" | "revoked"): string => {
    const file = join(dir, `ocsp-${status}.der`);
    writeFileSync(file, opensslOcspResponse(ca, withUrls, status));
    return file;
  };
  const missing = await check(await sServer([], withUrls));
  assert.deepEqual(missing.certificate?.ocspUrls, ["http://ocsp.check.test/"]);
  assert.deepEqual(missing.certificate?.crlUrls, ["http://crl.check.test/ca.crl"]);
  assert.equal(missing.features?.ocspStapling.stapled, false);
  assert.equal(finding(missing, "ocsp-stapling-missing"), "low");
  assert.equal(finding(missing, "cert-no-revocation"), undefined);
  const good = await check(await sServer(["-status_file", staple("good")], withUrls));
  assert.deepEqual([good.features?.ocspStapling.stapled, good.features?.ocspStapling.responseStatus, good.features?.ocspStapling.certStatus], [true, "successful", "good"]);
  assert.deepEqual(good.findings.filter((f) => /ocsp|revo/.test(f.id)).map((f) => f.id), []);
  const revoked = await check(await sServer(["-status_file", staple("revoked")], withUrls));
  assert.equal(revoked.features?.ocspStapling.certStatus, "revoked");
  assert.equal(finding(revoked, "cert-revoked"), "critical");
});

test("revocation URLs: a CA-issued certificate with neither CRL nor OCSP URL is low; a self-signed one is not flagged for it", async () => {
  const none = await check(await sServer([]));
  assert.deepEqual([none.certificate?.crlUrls, none.certificate?.ocspUrls], [[], []]);
  assert.equal(finding(none, "cert-no-revocation"), "low");
  const self = await generateSelfSigned({ hostnames: [NAME], keyType: "rsa" });
  const selfReport = await check(await sServer([], self));
  assert.equal(finding(selfReport, "cert-self-signed"), "high");
  assert.equal(finding(selfReport, "cert-no-revocation"), undefined);
});

test("BEAST: CBC suites on TLS 1.0 with nothing newer (scripted) is medium; LUCKY13 low", async () => {
  const r = await check(await fake({ version: 0x0301, accept: [0x002f, 0xc013], hangUp: true }));
  assert.deepEqual(r.protocols.filter((p) => p.offered).map((p) => p.version), ["TLSv1"]);
  assert.equal(finding(r, "beast"), "medium");
  assert.equal(finding(r, "lucky13"), "low");
});
