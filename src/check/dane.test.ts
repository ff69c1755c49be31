import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { startDnsServer, type DnsServer } from "../../test/dns-server.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../tls/index.ts";
import { parseDnsServer } from "../dns/index.ts";
import { fetchSmtpChain, matchTlsa, queryTlsa, type TlsaRecord } from "./dane.ts";
import { startAdProxy, startTinySmtp, type AdProxy } from "../../test/support/check-mx-servers.ts";

let dns: DnsServer;
let proxy: AdProxy;
let ca: PemPair;
let leaf: PemPair;
let other: PemPair;
let leafCert: X509Certificate;
let caCert: X509Certificate;

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const spki = (c: X509Certificate): Buffer => c.publicKey.export({ type: "spki", format: "der" });

before(async () => {
  ca = await generateCa({ name: "DANE test CA" });
  leaf = await generateSelfSigned({ hostnames: ["mx.dane.test"], issuer: ca });
  other = await generateSelfSigned({ hostnames: ["mx.dane.test"] });
  leafCert = new X509Certificate(leaf.certPem);
  caCert = new X509Certificate(ca.certPem);
  const big = Array.from({ length: 30 }, (_, i) => ({ usage: 3, selector: 1, matchingType: 2, certificate: Buffer.alloc(64, i) }));
  dns = await startDnsServer({
    "_25._tcp.mx.dane.test": { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from(sha256(spki(leafCert)), "hex") }] },
    "_25._tcp.big.dane.test": { TLSA: big },
    "_25._tcp.fail.dane.test": { servfail: true },
  });
  proxy = await startAdProxy(dns.port);
});

after(async () => {
  await proxy.close();
  await dns.close();
});

test("parseDnsServer takes ADDR, ADDR:PORT and [v6]:PORT, and refuses names", () => {
  assert.deepEqual(parseDnsServer("127.0.0.1:5353"), { host: "127.0.0.1", port: 5353 });
  assert.deepEqual(parseDnsServer("127.0.0.1"), { host: "127.0.0.1", port: 53 });
  assert.deepEqual(parseDnsServer("[::1]:5300"), { host: "::1", port: 5300 });
  assert.deepEqual(parseDnsServer("::1"), { host: "::1", port: 53 });
  assert.equal(parseDnsServer("dns.example:53"), null);
  assert.equal(parseDnsServer("127.0.0.1:0"), null);
  assert.equal(parseDnsServer("127.0.0.1:99999"), null);
});

test("a TLSA query reads the records and the AD bit: not set by the test server, set by the proxy", async () => {
  const plain = await queryTlsa("_25._tcp.mx.dane.test", { host: "127.0.0.1", port: dns.port }, 2000);
  assert.equal(plain.authenticated, false);
  assert.equal(plain.rcode, "NOERROR");
  assert.deepEqual(plain.records, [{ usage: 3, selector: 1, matchingType: 1, data: sha256(spki(leafCert)) }]);
  const validated = await queryTlsa("_25._tcp.mx.dane.test", { host: "127.0.0.1", port: proxy.port }, 2000);
  assert.equal(validated.authenticated, true);
  assert.equal(validated.records.length, 1);
  const none = await queryTlsa("_25._tcp.nothing.dane.test", { host: "127.0.0.1", port: proxy.port }, 2000);
  assert.deepEqual([none.rcode, none.records.length], ["NXDOMAIN", 0]);
  const fail = await queryTlsa("_25._tcp.fail.dane.test", { host: "127.0.0.1", port: dns.port }, 2000);
  assert.equal(fail.rcode, "SERVFAIL");
});

test("a truncated UDP answer is asked again over TCP (through the proxy too)", async () => {
  const before = dns.queries.length;
  const r = await queryTlsa("_25._tcp.big.dane.test", { host: "127.0.0.1", port: proxy.port }, 2000);
  assert.equal(r.records.length, 30);
  assert.equal(r.authenticated, true);
  assert.deepEqual(dns.queries.slice(before).map((q) => q.transport), ["udp", "tcp"]);
});

test("a query to a silent resolver times out with an error", async () => {
  await assert.rejects(queryTlsa("_25._tcp.x.test", { host: "127.0.0.1", port: 9 }, 300), /timed out|ECONNREFUSED/);
});

test("matchTlsa: DANE-EE by key or certificate, DANE-TA by the chain and the name, PKIX unusable", () => {
  const chain = [leafCert.raw, caCert.raw];
  const rec = (usage: number, selector: number, matchingType: number, data: string): TlsaRecord => ({ usage, selector, matchingType, data });
  const results = matchTlsa(
    [
      rec(3, 1, 1, sha256(spki(leafCert))),
      rec(3, 0, 1, sha256(leafCert.raw).toUpperCase()),
      rec(3, 1, 2, createHash("sha512").update(spki(leafCert)).digest("hex")),
      rec(3, 0, 0, leafCert.raw.toString("hex")),
      rec(3, 1, 1, sha256(spki(caCert))),
      rec(2, 0, 1, sha256(caCert.raw)),
      rec(2, 1, 1, sha256(spki(leafCert))),
      rec(1, 1, 1, sha256(spki(leafCert))),
      rec(3, 7, 1, "00"),
    ],
    chain,
    "mx.dane.test",
  );
  assert.deepEqual(results.map((r) => r.matches), [true, true, true, true, false, true, false, null, null]);
  assert.match(results[7]?.detail ?? "", /RFC 7672/);
  // DANE-TA requires the leaf to name the MX host; DANE-EE does not.
  const wrongName = matchTlsa([rec(2, 0, 1, sha256(caCert.raw)), rec(3, 1, 1, sha256(spki(leafCert)))], chain, "mx.other.test");
  assert.deepEqual(wrongName.map((r) => r.matches), [false, true]);
  // A TA the leaf was not issued by does not count even when sent.
  const otherCert = new X509Certificate(other.certPem);
  const unrelated = matchTlsa([rec(2, 0, 1, sha256(otherCert.raw))], [leafCert.raw, otherCert.raw], "mx.dane.test");
  assert.equal(unrelated[0]?.matches, false);
  assert.match(unrelated[0]?.detail ?? "", /does not chain/);
});

test("fetchSmtpChain gets the certificate presented after STARTTLS, leaf first", async () => {
  const smtp = await startTinySmtp(leaf.certPem + ca.certPem, leaf.keyPem);
  try {
    const chain = await fetchSmtpChain({ address: "127.0.0.1", port: smtp.port, servername: "mx.dane.test", timeoutMs: 3000 });
    assert.ok(chain[0]?.equals(leafCert.raw));
    assert.ok(chain[1]?.equals(caCert.raw));
    await assert.rejects(fetchSmtpChain({ address: "127.0.0.1", port: 9, servername: "x", timeoutMs: 1000 }), /ECONNREFUSED|closed/);
  } finally {
    await smtp.close();
  }
});
