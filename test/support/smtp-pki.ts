/**
 * For the client's TLS tests: a test CA, a rogue CA and leaves signed by them (good, expired,
 * not yet valid, wrong name, rogue), plus weak leaves (1024-bit RSA, SHA-1 signature) made with
 * the openssl command line, which @peculiar/x509 would not produce.
 */
import { opensslLeaf as leafFromOpenssl } from "../openssl-pki.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../../src/tls/index.ts";

export interface TestPki {
  ca: PemPair;
  good: PemPair;
  goodRsa: PemPair;
  expired: PemPair;
  notYetValid: PemPair;
  wrongName: PemPair;
  rogue: PemPair;
  selfSigned: PemPair;
  weakKey: PemPair;
  sha1: PemPair;
  /** Names the host only in its subject CN, no subjectAltName. */
  cnOnly: PemPair;
}

const DAY = 86_400_000;

export async function makeTestPki(host: string): Promise<TestPki> {
  const ca = await generateCa({ name: "Sealpost Test CA" });
  const rogueCa = await generateCa({ name: "Rogue Test CA" });
  const now = Date.now();
  return {
    ca,
    good: await generateSelfSigned({ hostnames: [host], issuer: ca }),
    goodRsa: await generateSelfSigned({ hostnames: [host], issuer: ca, keyType: "rsa" }),
    expired: await generateSelfSigned({
      hostnames: [host],
      issuer: ca,
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2021-01-05T12:00:00Z"),
    }),
    notYetValid: await generateSelfSigned({ hostnames: [host], issuer: ca, notBefore: new Date(now + 10 * DAY), days: 30 }),
    wrongName: await generateSelfSigned({ hostnames: ["mail.other.test"], issuer: ca }),
    rogue: await generateSelfSigned({ hostnames: [host], issuer: rogueCa }),
    selfSigned: await generateSelfSigned({ hostnames: [host] }),
    weakKey: opensslLeaf(ca, host, ["-newkey", "rsa:1024"], "-sha256"),
    sha1: opensslLeaf(ca, host, ["-newkey", "rsa:2048"], "-sha1"),
    cnOnly: opensslLeaf(ca, host, ["-newkey", "rsa:2048"], "-sha256", "extendedKeyUsage=serverAuth\n"),
  };
}

/** A leaf for `host` signed by `ca` with the openssl CLI (key options and digest as given). */
function opensslLeaf(ca: PemPair, host: string, keyArgs: string[], digest: string, ext = `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`): PemPair {
  return leafFromOpenssl(ca, `/CN=${host}`, keyArgs, digest, ext);
}
