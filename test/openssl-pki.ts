/** Test certificates the openssl command line makes and @peculiar/x509 will not: small keys, SHA-1, no subjectAltName. */
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
