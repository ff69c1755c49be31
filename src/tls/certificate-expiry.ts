/**
 * Days left of the served certificates: for the metrics gauge (from the running server's
 * `CertificateStore.describe()`) and for commands that read the configured files without a
 * running server (`readCertificateDaysLeft`).
 */
import { readFile } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { keyTypeLabel, type CertificateSpec } from "./certificate-files.ts";
import { leafNames, type CertificateDescription } from "./certificates.ts";

const DAY_MS = 86_400_000;

export interface CertificateDaysLeft {
  /** The certificate file (as configured, resolved against the data directory). */
  file: string;
  /** DNS names the leaf covers (SAN dNSNames, else its CN), lower-cased. */
  names: string[];
  keyType: string;
  notAfter: Date;
  /** Fractional days until notAfter; negative once expired. */
  daysLeft: number;
}

/** Days left of each described certificate, in the order given. */
export function certificateDaysLeft(certs: readonly Omit<CertificateDescription, "fingerprint256">[], now = Date.now()): CertificateDaysLeft[] {
  return certs.map((c) => ({ file: c.file, names: [...c.names], keyType: c.keyType, notAfter: c.notAfter, daysLeft: (c.notAfter.getTime() - now) / DAY_MS }));
}

/**
 * Days left of the leaf certificate of each configured pair, read from its file (the keys are not
 * read). Rejects with a one-line error naming a file it cannot read or parse.
 */
export async function readCertificateDaysLeft(specs: readonly Pick<CertificateSpec, "cert">[], now = Date.now()): Promise<CertificateDaysLeft[]> {
  const out: Omit<CertificateDescription, "fingerprint256">[] = [];
  for (const spec of specs) {
    let leaf: X509Certificate;
    try {
      const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(await readFile(spec.cert, "utf8"))?.[0];
      if (first === undefined) throw new Error("no PEM certificate found");
      leaf = new X509Certificate(first);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(`${spec.cert}: ${code !== undefined ? `cannot read (${code})` : `unreadable certificate: ${(e as Error).message.split("\n")[0] ?? ""}`}`);
    }
    out.push({ file: spec.cert, names: leafNames(leaf), keyType: keyTypeLabel(leaf.publicKey), notAfter: leaf.validToDate });
  }
  return certificateDaysLeft(out, now);
}
