/**
 * Certificate files and facts that need no X.509 library: the PEM pair's paths and contents,
 * atomic writing of a pair, a summary for the CLI, Node's subjectAltName text, key labels. Kept
 * apart from certificates-generate.ts so that loading, serving and checking certificates never
 * loads @peculiar/x509 (about 140 ms of start-up), which only generation needs.
 */
import { randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import { open, rename, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";

/** Absolute paths of a PEM certificate chain (leaf first) and its PEM private key. */
export interface CertificateSpec {
  cert: string;
  key: string;
}

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export type KeyType = "ecdsa" | "rsa";

/**
 * Writes `base.key` (mode 0600) then `base.pem` into `dir`, each through a fsynced temporary file
 * renamed into place, so a reader (or a reload triggered by a file watcher) never sees a torn file.
 */
export async function writeCertificateFiles(dir: string, base: string, pair: PemPair): Promise<CertificateSpec> {
  const absDir = resolve(dir);
  await mkdir(absDir, { recursive: true });
  const spec = { cert: join(absDir, `${base}.pem`), key: join(absDir, `${base}.key`) };
  await writeFileAtomic(spec.key, pair.keyPem, 0o600);
  await writeFileAtomic(spec.cert, pair.certPem, 0o644);
  const dh = await open(absDir, "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
  return spec;
}

/** Writes `path` with `mode` through a fsynced temporary file renamed into place: a reader never sees a torn file. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

interface CertificateSummary {
  subject: string;
  issuer: string;
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  keyType: string;
  keySize: number | undefined;
  selfSigned: boolean;
  fingerprint256: string;
  serialNumber: string;
}

/** Summarises the first certificate in `pem` (for the CLI). */
export function certificateSummary(pem: string): CertificateSummary {
  const cert = new X509Certificate(pem);
  const pub = cert.publicKey;
  return {
    subject: cert.subject.replaceAll("\n", ", "),
    issuer: cert.issuer.replaceAll("\n", ", "),
    sans: parseSubjectAltName(cert.subjectAltName).map((n) => `${n.type}:${n.value}`),
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
    keyType: keyTypeLabel(pub),
    keySize: pub.asymmetricKeyDetails?.modulusLength ?? curveBits(pub.asymmetricKeyDetails?.namedCurve),
    selfSigned: cert.subject === cert.issuer && cert.verify(pub),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
  };
}

const DAY_MS = 86_400_000;

/**
 * Whole days from `now` until a certificate's notAfter (RFC 5280 §4.1.2.5: valid through that
 * second): 0 on its last day, negative once it has expired (-1 the day after). What `sealpost
 * status` warns on.
 */
/** Fewer days left than this is a problem (`status`, the console): Let's Encrypt renews at 30, so 14 means renewal is failing. */
export const CERTIFICATE_WARN_DAYS = 14;

export function certificateDaysLeft(notAfter: Date, now: Date = new Date()): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/** Parses Node's `X509Certificate.subjectAltName` text ("DNS:a, IP Address:1.2.3.4", values with special characters JSON-quoted). */
export function parseSubjectAltName(text: string | undefined): Array<{ type: string; value: string }> {
  const out: Array<{ type: string; value: string }> = [];
  if (text === undefined) return out;
  const re = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const m of text.matchAll(re)) {
    const type = m[1] ?? "";
    const raw = m[2] ?? "";
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        value = raw.slice(1, -1);
      }
    }
    out.push({ type, value });
  }
  return out;
}

const CURVE_NAMES: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

/** "ECDSA P-256", "RSA 2048", "Ed25519"… for logs and the CLI. */
export function keyTypeLabel(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case "ec": {
      const curve = d?.namedCurve ?? "unknown";
      return `ECDSA ${CURVE_NAMES[curve] ?? curve}`;
    }
    case "rsa":
      return `RSA ${d?.modulusLength ?? "?"}`;
    case "rsa-pss":
      return `RSA-PSS ${d?.modulusLength ?? "?"}`;
    case "ed25519":
      return "Ed25519";
    case "ed448":
      return "Ed448";
    default:
      return key.asymmetricKeyType ?? "unknown";
  }
}

function curveBits(curve: string | undefined): number | undefined {
  if (curve === undefined) return undefined;
  const label = CURVE_NAMES[curve];
  return label === undefined ? undefined : Number(label.slice(2));
}
