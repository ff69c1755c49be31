/** Test certificates and OCSP responses the openssl command line makes and @peculiar/x509 will not: small keys, SHA-1, no subjectAltName, CRL and OCSP URLs, stapled responses. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PemPair } from "../src/tls/index.ts";

/** A leaf with `subject` ("/CN=…") signed by `ca`: key options, digest and extension lines as given. */
export function opensslLeaf(ca: PemPair, subject: string, keyArgs: readonly string[], digest: string, ext: string): PemPair {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-pki-"));
  try {
    const p = (f: string): string => join(dir, f);
    writeFileSync(p("ca.pem"), ca.certPem);
    writeFileSync(p("ca.key"), ca.keyPem);
    writeFileSync(p("ext"), ext);
    const quiet = { stdio: ["ignore", "ignore", "ignore"] as ["ignore", "ignore", "ignore"] };
    execFileSync("openssl", ["req", ...keyArgs, "-nodes", "-keyout", p("leaf.key"), "-out", p("leaf.csr"), "-subj", subject], quiet);
    execFileSync("openssl", ["x509", "-req", "-in", p("leaf.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-CAcreateserial", "-days", "30", digest, "-extfile", p("ext"), "-out", p("leaf.pem")], quiet);
    return { certPem: readFileSync(p("leaf.pem"), "utf8"), keyPem: readFileSync(p("leaf.key"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A DER OCSP response (RFC 6960) for `leaf`, signed by `ca` itself, saying "good" or "revoked": the
 * `openssl ocsp` responder run once over an index that lists the leaf's serial.
 */
export function opensslOcspResponse(ca: PemPair, leaf: PemPair, status: "good" | "revoked"): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-ocsp-"));
  try {
    const p = (f: string): string => join(dir, f);
    writeFileSync(p("ca.pem"), ca.certPem);
    writeFileSync(p("ca.key"), ca.keyPem);
    writeFileSync(p("leaf.pem"), leaf.certPem);
    const serial = execFileSync("openssl", ["x509", "-in", p("leaf.pem"), "-noout", "-serial"], { encoding: "utf8" }).trim().replace(/^serial=/, "");
    // ca(1) index format: status, expiry, revocation time, serial, file name, subject.
    const far = "991231235959Z";
    const revoked = status === "revoked" ? "250101000000Z" : "";
    writeFileSync(p("index.txt"), `${status === "revoked" ? "R" : "V"}\t${far}\t${revoked}\t${serial}\tunknown\t/CN=leaf\n`);
    const quiet = { stdio: ["ignore", "ignore", "ignore"] as ["ignore", "ignore", "ignore"] };
    execFileSync("openssl", ["ocsp", "-issuer", p("ca.pem"), "-cert", p("leaf.pem"), "-no_nonce", "-reqout", p("req.der")], quiet);
    execFileSync("openssl", ["ocsp", "-index", p("index.txt"), "-CA", p("ca.pem"), "-rsigner", p("ca.pem"), "-rkey", p("ca.key"), "-reqin", p("req.der"), "-respout", p("resp.der"), "-ndays", "7"], quiet);
    return readFileSync(p("resp.der"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RFC 2409 §6.2, the 1024-bit MODP group ("Oakley group 2"): the common prime Logjam targets. */
const OAKLEY_GROUP_2 =
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
  "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

/** RFC 2409's group 2 as `openssl s_server -dhparam` reads it: PKCS #3 DHParameter (prime, base 2), PEM. */
export function oakleyGroup2Pem(): string {
  const prime = Buffer.concat([Buffer.from([0]), Buffer.from(OAKLEY_GROUP_2, "hex")]);
  const body = Buffer.concat([Buffer.from([0x02, 0x81, prime.length]), prime, Buffer.from([0x02, 0x01, 0x02])]);
  const der = Buffer.concat([Buffer.from([0x30, 0x81, body.length]), body]);
  return `-----BEGIN DH PARAMETERS-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END DH PARAMETERS-----\n`;
}
