/**
 * inspectCertificate against loopback servers (node:tls and `openssl s_server`): a CA-signed
 * certificate (trusted only with the CA passed in), another name, self-signed, expired, not yet
 * valid, CN only, a weak key with a SHA-1 signature, a TLS 1.0-only server, and SNI.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { generateCa, generateSelfSigned, type PemPair } from "../tls/index.ts";
import { inspectCertificate, legacyContext } from "./certificate.ts";
import { buildFindings } from "./findings.ts";
import { facts, loopbackTarget, opensslLeaf, options, startOpensslServer, startTlsServer, type TestServer } from "../../test/support/check-targets.ts";

const DAY = 86_400_000;
let ca: PemPair;
let good: PemPair;
const servers: TestServer[] = [];

before(async () => {
  ca = await generateCa({ name: "Sealpost Check Test CA" });
  good = await generateSelfSigned({ hostnames: ["mx.test", "127.0.0.1"], issuer: ca });
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function tlsServer(pem: PemPair, extra: Record<string, unknown> = {}): Promise<TestServer> {
  const s = await startTlsServer({ cert: pem.certPem + ca.certPem, key: pem.keyPem, ...extra });
  servers.push(s);
  return s;
}

test("a CA-signed certificate: trusted with the CA, names checked (RFC 6125), SNI sent", async () => {
  const s = await tlsServer(good);
  const info = await inspectCertificate(loopbackTarget(s.port), options({ ca: [ca.certPem], extraNames: ["mx2.test", "MX.test."] }));
  assert.equal(info.trusted, true);
  assert.equal(info.verifyError, null);
  assert.equal(info.subject, "CN=mx.test");
  assert.equal(info.issuer, "CN=Sealpost Check Test CA");
  assert.deepEqual(info.names, ["mx.test", "127.0.0.1"]);
  assert.deepEqual(info.nameChecks, [
    { name: "mx.test", matches: true },
    { name: "mx2.test", matches: false },
  ]);
  assert.equal(info.selfSigned, false);
  assert.equal(info.keyType, "EC");
  assert.equal(info.keyBits, 256);
  assert.equal(info.signatureAlgorithm, "ecdsa-with-SHA256");
  assert.deepEqual(info.chain, [
    { subject: "CN=mx.test", issuer: "CN=Sealpost Check Test CA" },
    { subject: "CN=Sealpost Check Test CA", issuer: "CN=Sealpost Check Test CA" },
  ]);
  assert.ok(info.daysLeft >= 363 && info.daysLeft <= 365, String(info.daysLeft));
  assert.deepEqual(s.servernames, ["mx.test"]);
});

test("the same certificate without its CA is not trusted", async () => {
  const s = await tlsServer(good);
  const info = await inspectCertificate(loopbackTarget(s.port), options());
  assert.equal(info.trusted, false);
  assert.equal(info.verifyError, "SELF_SIGNED_CERT_IN_CHAIN");
  assert.equal(info.nameChecks[0]?.matches, true, "the name is checked apart from the chain");
});

test("a certificate for another name", async () => {
  const s = await tlsServer(await generateSelfSigned({ hostnames: ["mail.other.test"], issuer: ca }));
  const info = await inspectCertificate(loopbackTarget(s.port), options({ ca: [ca.certPem] }));
  assert.equal(info.trusted, true);
  assert.deepEqual(info.names, ["mail.other.test"]);
  assert.deepEqual(info.nameChecks, [{ name: "mx.test", matches: false }]);
});

test("a self-signed certificate (openssl s_server, RSA)", async () => {
  const self = await generateSelfSigned({ hostnames: ["mx.test"], keyType: "rsa" });
  const s = await startOpensslServer(self);
  servers.push(s);
  const info = await inspectCertificate(loopbackTarget(s.port), options({ ca: [ca.certPem] }));
  assert.equal(info.selfSigned, true);
  assert.equal(info.trusted, false);
  assert.equal(info.verifyError, "DEPTH_ZERO_SELF_SIGNED_CERT");
  assert.equal(info.keyType, "RSA");
  assert.equal(info.keyBits, 2048);
  assert.equal(info.signatureAlgorithm, "sha256WithRSAEncryption");
  assert.equal(info.chain.length, 1);
});

test("an expired certificate (openssl s_server)", async () => {
  const expired = await generateSelfSigned({ hostnames: ["mx.test"], issuer: ca, notBefore: new Date("2025-01-01T00:00:00Z"), notAfter: new Date("2026-01-05T12:00:00Z") });
  const s = await startOpensslServer(expired);
  servers.push(s);
  const now = new Date("2026-03-01T12:00:00Z");
  const info = await inspectCertificate(loopbackTarget(s.port), options({ ca: [ca.certPem], now: () => now }));
  assert.equal(info.notAfter, "2026-01-05T12:00:00.000Z");
  assert.equal(info.daysLeft, -55);
  assert.equal(info.trusted, false);
  assert.equal(info.verifyError, "CERT_HAS_EXPIRED");
});

test("an expired certificate from a CA nobody trusts: reported as untrusted too (OpenSSL names only the expiry)", async () => {
  const expired = await generateSelfSigned({ hostnames: ["mx.test"], issuer: ca, notBefore: new Date("2025-01-01T00:00:00Z"), notAfter: new Date("2026-01-05T12:00:00Z") });
  const s = await startOpensslServer(expired);
  servers.push(s);
  const info = await inspectCertificate(loopbackTarget(s.port), options());
  assert.deepEqual([info.trusted, info.verifyError], [false, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]);
  const ids = buildFindings(facts({ certificate: info, startedAt: "2026-03-01T12:00:00.000Z" })).map((x) => x.id);
  assert.ok(ids.includes("cert-expired") && ids.includes("cert-untrusted"), ids.join(", "));
});

test("a certificate not valid yet", async () => {
  const notYet = await generateSelfSigned({ hostnames: ["mx.test"], issuer: ca, notBefore: new Date(Date.now() + 10 * DAY), days: 30 });
  const s = await tlsServer(notYet);
  const info = await inspectCertificate(loopbackTarget(s.port), options({ ca: [ca.certPem] }));
  assert.equal(info.verifyError, "CERT_NOT_YET_VALID");
  assert.ok(Date.parse(info.notBefore) > Date.now());
});

test("a 1024-bit RSA key with a SHA-1 signature, and a name only in the CN (openssl s_server, security level 0)", async () => {
  const weak = opensslLeaf(ca, "/CN=mx.test", ["-newkey", "rsa:1024"], "-sha1", "extendedKeyUsage=serverAuth\n");
  const s = await startOpensslServer(weak, ["-cipher", "DEFAULT:@SECLEVEL=0"]);
  servers.push(s);
  const info = await inspectCertificate(loopbackTarget(s.port), options({ ca: [ca.certPem] }));
  assert.equal(info.keyType, "RSA");
  assert.equal(info.keyBits, 1024);
  assert.equal(info.signatureAlgorithm, "ecdsa-with-SHA1", "the test CA's EC key signed it over SHA-1");
  assert.deepEqual(info.names, ["mx.test"], "no subjectAltName: the CN");
  assert.deepEqual(info.nameChecks, [{ name: "mx.test", matches: true }]);
});

test("a CN is ignored when the certificate has a subjectAltName (RFC 6125 §6.4.4)", async () => {
  const pem = opensslLeaf(ca, "/CN=mx.test", ["-newkey", "rsa:2048"], "-sha256", "subjectAltName=DNS:other.test\n");
  const s = await tlsServer(pem);
  const info = await inspectCertificate(loopbackTarget(s.port), options({ ca: [ca.certPem] }));
  assert.deepEqual(info.names, ["other.test"]);
  assert.deepEqual(info.nameChecks, [{ name: "mx.test", matches: false }]);
});

test("a server limited to TLS 1.0 still shows its certificate", async () => {
  const s = await tlsServer(good, { minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0" });
  const info = await inspectCertificate(loopbackTarget(s.port), options({ ca: [ca.certPem] }));
  assert.equal(info.subject, "CN=mx.test");
});

test("an address target sends no SNI and checks only the extra names", async () => {
  const s = await tlsServer(good);
  const info = await inspectCertificate(loopbackTarget(s.port, { host: "127.0.0.1", servername: null }), options({ ca: [ca.certPem], extraNames: ["mx.test"] }));
  assert.equal(s.connections, 1);
  assert.deepEqual(s.servernames, [], "no SNI for an address");
  assert.deepEqual(info.nameChecks, [{ name: "mx.test", matches: true }]);
});

test("a server that closes instead of a handshake: the inspection fails with the reason", async () => {
  const s = await tlsServer(good, { minVersion: "TLSv1.3", ciphers: "DEFAULT", maxVersion: "TLSv1.3", sigalgs: "ed25519" });
  await assert.rejects(inspectCertificate(loopbackTarget(s.port), options()), /TLS handshake failed/);
});

test("one secure context per CA set", () => {
  assert.equal(legacyContext([ca.certPem]), legacyContext([ca.certPem]));
  assert.notEqual(legacyContext([ca.certPem]), legacyContext([]));
});
