/**
 * Certificate generation and inspection: self-signed server certificates for first runs and
 * tests, a small local CA for test chains, atomic writing of the PEM pair, and a summary for the
 * CLI.
 *
 * Certificates are X.509 v3 (RFC 5280): subjectAltName carries the DNS names and IP addresses
 * (§4.2.1.6), the subject CN repeats the first name only for old clients (RFC 6125 §6.4.4 says
 * verifiers must prefer the SAN), keyUsage (§4.2.1.3) is digitalSignature (+ keyEncipherment for
 * RSA) on leaves and keyCertSign/cRLSign on CAs, extendedKeyUsage (§4.2.1.12) is serverAuth, and
 * serial numbers are positive random 128-bit integers (§4.1.2.2). Keys are ECDSA P-256 with
 * SHA-256 by default, RSA 2048 on request, written as PKCS#8 PEM.
 */
import { createHash, createPrivateKey, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import { open, rename, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import * as der from "./certificates-der.ts";

const generateKeyPairAsync = promisify(generateKeyPair);

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

export interface SelfSignedOptions {
  hostnames: string[];
  keyType?: KeyType;
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** Sign with this CA instead of the leaf's own key. */
  issuer?: PemPair;
}

const DAY_MS = 86_400_000;
/** Backdating absorbs modest clock skew between us and the peer. */
const BACKDATE_MS = 5 * 60_000;
/** ub-common-name (RFC 5280 Appendix A.1). */
const MAX_CN = 64;

const OID = {
  cn: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  sha256WithRSA: "1.2.840.113549.1.1.11",
} as const;
/** keyUsage bit numbers (RFC 5280 §4.2.1.3). */
const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** Generates a server certificate for `hostnames` (self-signed, or issued by `opts.issuer`). */
export async function generateSelfSigned(opts: SelfSignedOptions): Promise<PemPair> {
  const first = opts.hostnames[0];
  if (first === undefined) throw new Error("generateSelfSigned: at least one hostname is required");
  for (const h of opts.hostnames) {
    if (!/^[\x21-\x7e]+$/.test(h)) throw new Error(`generateSelfSigned: not an ASCII hostname or IP address: ${JSON.stringify(h)}`);
  }
  const keyType = opts.keyType ?? "ecdsa";
  const keys = await generateKeys(keyType);
  const spki = keys.publicKey.export({ type: "spki", format: "der" });
  const sans = opts.hostnames.map((h) => (isIP(h) !== 0 ? der.implicit(7, der.ipBytes(h)) : der.implicit(2, Buffer.from(h, "ascii"))));
  const subject = first.length <= MAX_CN ? cnName(first) : der.seq();
  const usage = keyType === "rsa" ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature];
  const extensions = [
    extension(OID.basicConstraints, true, der.seq()),
    extension(OID.keyUsage, true, der.namedBits(usage)),
    extension(OID.extKeyUsage, false, der.seq(der.oid(OID.serverAuth))),
    // An empty subject requires a critical subjectAltName (RFC 5280 §4.2.1.6).
    extension(OID.subjectAltName, subject.length === 2, der.seq(...sans)),
    extension(OID.subjectKeyId, false, der.octets(keyIdentifier(spki))),
  ];
  let signer = keys.privateKey;
  let issuerName = subject;
  if (opts.issuer !== undefined) {
    const ca = new X509Certificate(opts.issuer.certPem);
    signer = createPrivateKey(opts.issuer.keyPem);
    if (!ca.checkPrivateKey(signer)) throw new Error("generateSelfSigned: the issuer key does not match the issuer certificate");
    issuerName = subjectNameDer(ca);
    const caSpki = ca.publicKey.export({ type: "spki", format: "der" });
    extensions.push(extension(OID.authorityKeyId, false, der.seq(der.implicit(0, keyIdentifier(caSpki)))));
  }
  const certPem = buildCertificate({ subject, issuer: issuerName, spki, signer, extensions, ...validity(opts, 365) });
  return { certPem, keyPem: pkcs8(keys.privateKey) };
}

/** Generates a self-signed CA certificate (basicConstraints CA:true, keyCertSign) for test chains. */
export async function generateCa(opts: { name: string; days?: number; keyType?: KeyType; notBefore?: Date; notAfter?: Date }): Promise<PemPair> {
  const keys = await generateKeys(opts.keyType ?? "ecdsa");
  const spki = keys.publicKey.export({ type: "spki", format: "der" });
  const name = cnName(opts.name);
  const ski = keyIdentifier(spki);
  const extensions = [
    extension(OID.basicConstraints, true, der.seq(der.bool(true))),
    extension(OID.keyUsage, true, der.namedBits([KU.digitalSignature, KU.keyCertSign, KU.cRLSign])),
    extension(OID.subjectKeyId, false, der.octets(ski)),
    extension(OID.authorityKeyId, false, der.seq(der.implicit(0, ski))),
  ];
  const certPem = buildCertificate({ subject: name, issuer: name, spki, signer: keys.privateKey, extensions, ...validity(opts, 3650) });
  return { certPem, keyPem: pkcs8(keys.privateKey) };
}

interface CertificateFields {
  subject: Buffer;
  issuer: Buffer;
  spki: Buffer;
  signer: KeyObject;
  extensions: Buffer[];
  notBefore: Date;
  notAfter: Date;
}

/** Assembles and signs a TBSCertificate (RFC 5280 §4.1); returns the certificate as PEM. */
function buildCertificate(f: CertificateFields): string {
  const { algorithm, hash } = signatureAlgorithm(f.signer);
  const tbs = der.seq(
    der.explicit(0, der.integer(2)), // v3
    der.integer(randomSerial()),
    algorithm,
    f.issuer,
    der.seq(der.time(f.notBefore), der.time(f.notAfter)),
    f.subject,
    f.spki,
    der.explicit(3, der.seq(...f.extensions)),
  );
  const signature = sign(hash, tbs, f.signer); // ECDSA signatures come out DER-encoded (RFC 5758 §3.2)
  const certDer = der.seq(tbs, algorithm, der.bits(signature));
  return pem("CERTIFICATE", certDer);
}

function cnName(cn: string): Buffer {
  return der.seq(der.set(der.seq(der.oid(OID.cn), der.utf8(cn))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? der.seq(der.oid(id), der.bool(true), der.octets(value)) : der.seq(der.oid(id), der.octets(value));
}

/** Key identifier method 1 of RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: Buffer): Buffer {
  const bitString = der.children(spki)[1];
  if (bitString === undefined) throw new Error("malformed SubjectPublicKeyInfo");
  return createHash("sha1").update(bitString.body.subarray(1)).digest();
}

/** The DER subject Name of `cert`, copied byte for byte so issuer/subject chaining is exact. */
function subjectNameDer(cert: X509Certificate): Buffer {
  const tbs = der.children(cert.raw)[0];
  if (tbs === undefined) throw new Error("malformed issuer certificate");
  const fields = der.readAll(tbs.body);
  const skip = fields[0]?.tag === 0xa0 ? 1 : 0; // optional [0] version
  const subject = fields[skip + 4];
  if (subject === undefined) throw new Error("malformed issuer certificate");
  return subject.raw;
}

const EC_SIGNATURES: Record<string, { oid: string; hash: string }> = {
  prime256v1: { oid: "1.2.840.10045.4.3.2", hash: "sha256" },
  secp384r1: { oid: "1.2.840.10045.4.3.3", hash: "sha384" },
  secp521r1: { oid: "1.2.840.10045.4.3.4", hash: "sha512" },
};

/** AlgorithmIdentifier and digest for a signing key (RFC 5758 §3.2 for ECDSA, RFC 4055 §5 for RSA). */
function signatureAlgorithm(key: KeyObject): { algorithm: Buffer; hash: string } {
  if (key.asymmetricKeyType === "rsa") return { algorithm: der.seq(der.oid(OID.sha256WithRSA), der.derNull()), hash: "sha256" };
  const ec = key.asymmetricKeyType === "ec" ? EC_SIGNATURES[key.asymmetricKeyDetails?.namedCurve ?? ""] : undefined;
  if (ec === undefined) throw new Error(`signing key type ${keyTypeLabel(key)} is not supported (use ECDSA P-256/384/521 or RSA)`);
  return { algorithm: der.seq(der.oid(ec.oid)), hash: ec.hash };
}

async function generateKeys(keyType: KeyType): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  if (keyType === "rsa") return generateKeyPairAsync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  if (keyType === "ecdsa") return generateKeyPairAsync("ec", { namedCurve: "P-256" });
  throw new Error(`unsupported key type: ${String(keyType)}`);
}

function pkcs8(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

function pem(label: string, body: Buffer): string {
  const b64 = body.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A positive 128-bit serial with a non-zero first octet (RFC 5280 §4.1.2.2 allows up to 20 octets). */
function randomSerial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes;
}

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

async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
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

export interface CertificateSummary {
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

function validity(opts: { days?: number; notBefore?: Date; notAfter?: Date }, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const notBefore = opts.notBefore ?? new Date(Date.now() - BACKDATE_MS);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + (opts.days ?? defaultDays) * DAY_MS);
  if (notAfter.getTime() <= notBefore.getTime()) throw new Error("certificate validity: notAfter must be after notBefore");
  return { notBefore, notAfter };
}
