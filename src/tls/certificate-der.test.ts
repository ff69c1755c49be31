import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import fc from "fast-check";
import { opensslLeaf } from "../../test/openssl-pki.ts";
import { CertificateDerError, certificateNames, revocationUrls } from "./certificate-der.ts";
import { generateCa, generateSelfSigned } from "./index.ts";

const der = (pem: string): Buffer => new X509Certificate(pem).raw;

/** What @peculiar/x509 reads from the same certificate: the reference. */
function reference(pem: string): { dns: string[]; ips: string[]; cn: string | null; issuerCn: string | null; crlUrls: string[]; ocspUrls: string[] } {
  const c = new x509.X509Certificate(pem);
  const items = c.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const crl = c.getExtension(x509.CRLDistributionPointsExtension);
  const aia = c.getExtension(x509.AuthorityInfoAccessExtension);
  return {
    dns: items.filter((n) => n.type === "dns").map((n) => n.value),
    ips: items.filter((n) => n.type === "ip").map((n) => n.value),
    cn: c.subjectName.getField("CN")[0] ?? null,
    issuerCn: c.issuerName.getField("CN")[0] ?? null,
    crlUrls: [...(crl?.distributionPoints ?? [])].flatMap((p) => p.distributionPoint?.fullName ?? []).flatMap((n) => (n.uniformResourceIdentifier !== undefined ? [n.uniformResourceIdentifier] : [])),
    ocspUrls: (aia?.ocsp ?? []).filter((n) => n.type === "url").map((n) => n.value),
  };
}

const canonicalIp = (ip: string): string => (ip.includes(":") ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip);

function assertSame(pem: string): void {
  const ref = reference(pem);
  const names = certificateNames(der(pem));
  assert.deepEqual(names.dns, ref.dns);
  assert.deepEqual(names.ips.map(canonicalIp), ref.ips.map(canonicalIp));
  assert.equal(names.cn, ref.cn);
  assert.equal(names.issuerCn, ref.issuerCn);
  assert.deepEqual(revocationUrls(der(pem)), { crlUrls: ref.crlUrls, ocspUrls: ref.ocspUrls });
}

test("names and revocation URLs read from the DER are @peculiar/x509's", async () => {
  const ca = await generateCa({ name: "DER Test CA" });
  assertSame(ca.certPem);
  assertSame((await generateSelfSigned({ hostnames: ["mx.example.test", "*.example.test", "192.0.2.7", "2001:db8::25"] })).certPem);
  assertSame((await generateSelfSigned({ hostnames: ["rsa.example.test"], keyType: "rsa", issuer: ca })).certPem);
  const withUrls = opensslLeaf(
    ca,
    "/O=Example/CN=mail.example.test",
    ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "-sha256",
    [
      "subjectAltName = DNS:mail.example.test, IP:10.1.2.3, IP:fe80::1, email:postmaster@example.test, URI:https://example.test/",
      "crlDistributionPoints = URI:http://crl.example.test/a.crl, URI:http://crl2.example.test/b.crl",
      "authorityInfoAccess = OCSP;URI:http://ocsp.example.test/, caIssuers;URI:http://ca.example.test/ca.crt",
      "",
    ].join("\n"),
  );
  assertSame(withUrls.certPem);
  assert.deepEqual(revocationUrls(der(withUrls.certPem)), {
    crlUrls: ["http://crl.example.test/a.crl", "http://crl2.example.test/b.crl"],
    ocspUrls: ["http://ocsp.example.test/"],
  });
  const noSan = opensslLeaf(ca, "/CN=Mail Host", ["-newkey", "rsa:2048"], "-sha256", "basicConstraints = CA:FALSE\n");
  assertSame(noSan.certPem);
  assert.deepEqual(certificateNames(der(noSan.certPem)), { dns: [], ips: [], cn: "Mail Host", issuerCn: "DER Test CA" });
});

test("a damaged certificate gives a CertificateDerError or a reading, never anything else", async () => {
  const good = der((await generateSelfSigned({ hostnames: ["mx.example.test", "192.0.2.1"] })).certPem);
  const damaged = fc.oneof(
    fc.nat({ max: good.length - 1 }).map((n) => good.subarray(0, n)),
    fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const copy = Buffer.from(good);
      copy[i] = b;
      return copy;
    }),
    fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
  );
  fc.assert(
    fc.property(damaged, (bytes) => {
      for (const read of [certificateNames, revocationUrls]) {
        try {
          read(bytes);
        } catch (e) {
          assert.ok(e instanceof CertificateDerError, String(e));
        }
      }
    }),
    { seed: 20_261_206, numRuns: 3000 },
  );
});

/** `good` with its first commonName (the issuer's) retagged as `tag` and holding `value`, of the same length. */
function withIssuerCn(good: Buffer, tag: number, value: Buffer): Buffer {
  const at = good.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03])) + 5; // id-at-commonName; its value follows
  assert.ok(at > 5 && good[at + 1] === value.length, "a short commonName of the same length to replace");
  const copy = Buffer.from(good);
  copy[at] = tag;
  value.copy(copy, at + 2);
  return copy;
}

test("BMPString and UniversalString commonNames are read; one that ends inside a character is a CertificateDerError", async () => {
  const bmp = (s: string): Buffer => Buffer.from(s, "utf16le").swap16();
  const ucs4 = (s: string): Buffer => Buffer.concat([...s].map((c) => Buffer.from([0, 0, 0, c.charCodeAt(0)])));
  const issuerCn = (good: Buffer, tag: number, value: Buffer): string | null => certificateNames(withIssuerCn(good, tag, value)).issuerCn;
  const sixteen = der((await generateSelfSigned({ hostnames: ["mx1.example.test"] })).certPem);
  assert.equal(issuerCn(sixteen, 0x1e, bmp("Köln-Mx1")), "Köln-Mx1");
  assert.equal(issuerCn(sixteen, 0x1c, ucs4("Köln")), "Köln");
  // 15 bytes: an odd length for a BMPString (2 bytes a character), and not a multiple of 4 for a UniversalString.
  const fifteen = der((await generateSelfSigned({ hostnames: ["mx.example.test"] })).certPem);
  assert.throws(() => issuerCn(fifteen, 0x1e, Buffer.concat([bmp("Köln-Mx"), Buffer.from("1")])), CertificateDerError);
  assert.throws(() => issuerCn(fifteen, 0x1c, Buffer.concat([ucs4("Köl"), Buffer.from("n-M")])), CertificateDerError);
});
