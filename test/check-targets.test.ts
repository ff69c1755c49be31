/**
 * `sealpost check` against the targets (issue 5, "Done when" 1, 2 and 4), through the
 * command line with --json: `openssl s_server` with TLS 1.2+ only, with TLS 1.0/1.1 allowed, with
 * an expired certificate, with a certificate for another name; a 3DES server; SSLv3-only and
 * SSLv2 fakes; Debian's Postfix with STARTTLS; an SMTP server that answers commands pipelined
 * after STARTTLS. Each fixture's known configuration is the assertion (issue 9 adds BEAST, LUCKY13,
 * SWEET32 and the fallback SCSV where they follow); where sslscan is installed
 * it must agree on the versions offered. Every report validates against the JSON schema.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckReport } from "../src/check/index.ts";
import { checkJson } from "./support/check-cli.ts";
import { startFakeSmtp, startOpensslServer, type TestServer } from "./support/check-targets.ts";
import { startFakeTlsServer } from "./support/check-fakes.ts";
import { haveSslscan, sslscan } from "./support/openssl-peer.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../src/tls/index.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";

const DAY = 86_400_000;
let dir: string;
let ca: PemPair;
let caFile: string;
let good: PemPair;
const servers: Array<{ close(): Promise<void> }> = [];
let peers: PostfixPeers;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-check-targets-"));
  ca = await generateCa({ name: "Check Test CA", keyType: "rsa" });
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.certPem);
  good = await generateSelfSigned({ hostnames: ["mx.good.test"], issuer: ca, keyType: "rsa" });
  peers = await startPostfixPeers(["modern"]);
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  peers?.stop();
  rmSync(dir, { recursive: true, force: true });
});


const offered = (r: CheckReport): string[] => r.protocols.filter((p) => p.offered).map((p) => p.version);
const ids = (r: CheckReport): string[] => r.findings.map((f) => f.id);

async function opensslTarget(pem: PemPair, args: string[]): Promise<TestServer> {
  const s = await startOpensslServer(pem, args);
  servers.push(s);
  return s;
}

test("s_server with TLS 1.2+ only: only TLS 1.2 and 1.3; its default suites without forward secrecy are flagged (exit 1)", async () => {
  const s = await opensslTarget(good, ["-min_protocol", "TLSv1.2"]);
  const { status, report } = await checkJson([`127.0.0.1:${s.port}`, "--servername", "mx.good.test", "--ca", caFile]);
  assert.deepEqual(offered(report), ["TLSv1.2", "TLSv1.3"]);
  // OpenSSL's DEFAULT list still has the static-RSA suites (AES128-SHA …), as testssl.sh and sslscan show too.
  assert.deepEqual(report.findings.filter((f) => f.severity !== "info" && f.severity !== "low").map((f) => f.id), ["cipher-no-fs"]);
  assert.equal(status, 1);
  assert.equal(report.certificate?.trusted, true);
  assert.equal(report.verdicts.legacyClients.ok, false);
  assert.match(report.verdicts.legacyClients.text, /will not be able to connect/);
  if (haveSslscan) assert.deepEqual(sslscan(s.port).versions, offered(report), "sslscan agrees");
});

test("s_server with TLS 1.0/1.1 allowed (SECLEVEL=0): both found and flagged, legacy clients can connect, exit 1", async () => {
  const s = await opensslTarget(good, ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"]);
  const { status, report } = await checkJson([`127.0.0.1:${s.port}`, "--servername", "mx.good.test", "--ca", caFile]);
  assert.deepEqual(offered(report), ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
  assert.ok(ids(report).includes("tls1_0-offered") && ids(report).includes("tls1_1-offered"));
  // CBC suites with TLS 1.0 (BEAST, mitigated for clients that take TLS 1.1+) and at all (LUCKY13).
  assert.deepEqual(["beast", "lucky13"].map((id) => report.findings.find((f) => f.id === id)?.severity), ["low", "low"]);
  assert.equal(report.features?.fallbackScsv.status, "supported");
  assert.equal(report.verdicts.legacyClients.ok, true);
  assert.equal(status, 1);
  if (haveSslscan) assert.deepEqual(sslscan(s.port).versions, offered(report), "sslscan agrees");
});

test("an expired certificate: found, and senders that require a valid certificate will not deliver", async () => {
  const expired = await generateSelfSigned({ hostnames: ["mx.good.test"], issuer: ca, notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - 3 * DAY) });
  const s = await opensslTarget(expired, ["-min_protocol", "TLSv1.2"]);
  const { status, report } = await checkJson([`127.0.0.1:${s.port}`, "--servername", "mx.good.test", "--ca", caFile]);
  assert.ok(ids(report).includes("cert-expired"), ids(report).join(", "));
  assert.ok((report.certificate?.daysLeft ?? 0) < 0);
  assert.equal(report.verdicts.strictSenders.ok, false);
  assert.match(report.verdicts.strictSenders.text, /will not be able to connect, because its certificate expired on \d{4}-\d\d-\d\d/);
  assert.equal(status, 1);
});

test("an RSA and an ECDSA certificate: both are checked, and the expired RSA one fails the verdict", async () => {
  const ec = await generateSelfSigned({ hostnames: ["mx.good.test"], issuer: ca, keyType: "ecdsa" });
  const rsaExpired = await generateSelfSigned({ hostnames: ["mx.good.test"], issuer: ca, keyType: "rsa", notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - 2 * DAY) });
  writeFileSync(join(dir, "rsa.pem"), rsaExpired.certPem);
  writeFileSync(join(dir, "rsa.key"), rsaExpired.keyPem);
  const s = await opensslTarget(ec, ["-min_protocol", "TLSv1.2", "-dcert", join(dir, "rsa.pem"), "-dkey", join(dir, "rsa.key")]);
  const { status, report } = await checkJson([`127.0.0.1:${s.port}`, "--servername", "mx.good.test", "--ca", caFile]);
  assert.deepEqual([report.certificate?.keyType, report.certificate?.trusted], ["EC", true]);
  assert.deepEqual(report.otherCertificates.map((c) => [c.keyType, c.daysLeft < 0]), [["RSA", true]]);
  assert.ok(report.findings.some((f) => f.id === "cert-expired" && f.title.startsWith("RSA certificate: ")), JSON.stringify(report.findings));
  assert.equal(report.verdicts.legacyClients.ok, false);
  assert.match(report.verdicts.strictSenders.text, /its RSA certificate expired on .* \(senders that prefer RSA get that one\)/);
  assert.equal(status, 1);
});

test("a certificate for another name: the name mismatch is found", async () => {
  const other = await generateSelfSigned({ hostnames: ["mail.other.test"], issuer: ca });
  const s = await opensslTarget(other, ["-min_protocol", "TLSv1.2"]);
  const { status, report } = await checkJson([`127.0.0.1:${s.port}`, "--servername", "mx.good.test", "--ca", caFile]);
  assert.ok(ids(report).includes("cert-name-mismatch"), ids(report).join(", "));
  assert.deepEqual(report.certificate?.nameChecks, [{ name: "mx.good.test", matches: false }]);
  assert.deepEqual(report.certificate?.names, ["mail.other.test"]);
  assert.equal(status, 1);
});

test("3DES accepted: named as weak (this machine's OpenSSL has no 3DES, so a scripted TLS 1.2 server stands in)", async () => {
  const s = await startFakeTlsServer({ version: 0x0303, accept: [0xc012, 0x000a], hangUp: true });
  servers.push(s);
  const { status, report } = await checkJson([`127.0.0.1:${s.port}`, "--servername", "mx.good.test"]);
  const tls12 = report.ciphers.find((c) => c.version === "TLSv1.2");
  const triple = tls12?.suites.find((x) => x.name === "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  assert.ok(triple?.weaknesses.includes("3DES"), JSON.stringify(tls12));
  assert.ok(ids(report).includes("cipher-3des"));
  assert.equal(report.findings.find((f) => f.id === "cipher-3des")?.severity, "high");
  assert.equal(report.findings.find((f) => f.id === "sweet32")?.severity, "low", "64-bit blocks: SWEET32, as testssl.sh rates it");
  assert.equal(status, 1);
});

test("SSLv3-only and SSLv2-speaking servers (scripted) are reported as such", async () => {
  const v3 = await startFakeTlsServer({ version: 0x0300, accept: [0x000a, 0x002f], hangUp: true });
  const v2 = await startFakeTlsServer({ version: 0x0300, sslv2Specs: [0x010080, 0x0700c0], hangUp: true });
  servers.push(v3, v2);
  const r3 = (await checkJson([`127.0.0.1:${v3.port}`])).report;
  assert.deepEqual(offered(r3), ["SSLv3"]);
  assert.ok(ids(r3).includes("sslv3-offered") && ids(r3).includes("no-tls12"), ids(r3).join(", "));
  const r2 = (await checkJson([`127.0.0.1:${v2.port}`])).report;
  assert.ok(offered(r2).includes("SSLv2"));
  assert.equal(r2.findings.find((f) => f.id === "sslv2-offered")?.severity, "critical");
  assert.deepEqual(r2.ciphers.find((c) => c.version === "SSLv2")?.suites.map((x) => x.name), ["SSL_CK_RC4_128_WITH_MD5", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"]);
});

test("Debian's Postfix with STARTTLS: TLS 1.2+, STARTTLS offered, not injectable; sslscan agrees", async () => {
  const { report } = await checkJson([`127.0.0.1:${peers.ports.modern}`, "--starttls", "smtp", "--servername", "mail.peer.test", "--ca", peers.ca]);
  assert.equal(report.error, null);
  assert.deepEqual(offered(report), ["TLSv1.2", "TLSv1.3"]);
  assert.deepEqual([report.starttls?.offered, report.starttls?.injection], [true, "not-vulnerable"]);
  assert.equal(report.certificate?.trusted, true);
  assert.equal(report.verdicts.strictSenders.ok, true, report.verdicts.strictSenders.text);
  assert.match(report.verdicts.strictSenders.text, /will reach/);
  if (haveSslscan) assert.deepEqual(sslscan(peers.ports.modern, "smtp").versions, offered(report), "sslscan agrees");
});

test("a server that answers commands pipelined after STARTTLS is reported as vulnerable (CVE-2011-0411)", async () => {
  const s = await startFakeSmtp("vulnerable", good);
  servers.push(s);
  const { status, report } = await checkJson([`127.0.0.1:${s.port}`, "--starttls", "smtp", "--servername", "mx.good.test", "--ca", caFile]);
  assert.equal(report.starttls?.injection, "vulnerable");
  assert.equal(report.findings.find((f) => f.id === "starttls-injection")?.severity, "high");
  assert.equal(status, 1);
});
