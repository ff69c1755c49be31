import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { generateCa, generateSelfSigned } from "../tls/index.ts";
import { matchTlsa, usableTlsa, type TlsaRecord } from "./index.ts";

let leafCert: X509Certificate;
let caCert: X509Certificate;
let otherCert: X509Certificate;
let expiredLeaf: X509Certificate;

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const spki = (c: X509Certificate): Buffer => c.publicKey.export({ type: "spki", format: "der" });
const rec = (usage: number, selector: number, matchingType: number, data: string): TlsaRecord => ({ usage, selector, matchingType, data });

before(async () => {
  const ca = await generateCa({ name: "DANE test CA" });
  caCert = new X509Certificate(ca.certPem);
  leafCert = new X509Certificate((await generateSelfSigned({ hostnames: ["mx.dane.test"], issuer: ca })).certPem);
  otherCert = new X509Certificate((await generateSelfSigned({ hostnames: ["mx.dane.test"] })).certPem);
  expiredLeaf = new X509Certificate((await generateSelfSigned({ hostnames: ["mx.dane.test"], issuer: ca, notBefore: new Date("2020-01-01"), notAfter: new Date("2021-01-01") })).certPem);
});

test("usable for SMTP: DANE-TA and DANE-EE with a known selector and matching type (RFC 7672 §3.1.3)", () => {
  const usable = (u: number, s: number, m: number): boolean => usableTlsa(rec(u, s, m, "00"));
  assert.deepEqual([usable(3, 1, 1), usable(3, 0, 0), usable(2, 1, 2), usable(2, 0, 1)], [true, true, true, true]);
  assert.deepEqual([usable(0, 1, 1), usable(1, 1, 1), usable(4, 1, 1), usable(3, 2, 1), usable(3, 1, 3)], [false, false, false, false, false]);
});

test("matchTlsa: DANE-EE by key or certificate, DANE-TA by the chain and the name, PKIX unusable", () => {
  const chain = [leafCert.raw, caCert.raw];
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
  const unrelated = matchTlsa([rec(2, 0, 1, sha256(otherCert.raw))], [leafCert.raw, otherCert.raw], "mx.dane.test");
  assert.equal(unrelated[0]?.matches, false);
  assert.match(unrelated[0]?.detail ?? "", /does not chain/);
});

test("an expired leaf fails DANE-TA (RFC 7672 §3.2.2) but not DANE-EE (§3.1.1: no validity check)", () => {
  const r = matchTlsa([rec(2, 0, 1, sha256(caCert.raw)), rec(3, 1, 1, sha256(spki(expiredLeaf)))], [expiredLeaf.raw, caCert.raw], "mx.dane.test");
  assert.deepEqual(r.map((x) => x.matches), [false, true]);
  assert.match(r[0]?.detail ?? "", /expired or not yet valid/);
});
