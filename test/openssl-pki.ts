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
