/**
 * Certificate generation and inspection: self-signed server certificates for first runs and
 * tests, a small local CA for test chains, atomic writing of the PEM pair, and a summary for the
 * CLI.
 *
 * Certificates are X.509 v3 (RFC 5280), built and signed by @peculiar/x509 over WebCrypto:
 * subjectAltName carries the DNS names and IP addresses (§4.2.1.6), the subject CN repeats the
 * first name only for old clients (RFC 6125 §6.4.4 says verifiers must prefer the SAN), keyUsage
 * (§4.2.1.3) is digitalSignature (+ keyEncipherment for RSA) on leaves and keyCertSign/cRLSign on
 * CAs, extendedKeyUsage (§4.2.1.12) is serverAuth, and serial numbers are the library's positive
 * random 128-bit integers (§4.1.2.2). Keys are ECDSA P-256 with SHA-256 by default, RSA 2048 on request, written
 * as PKCS#8 PEM.
 */
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata API; the polyfill must be evaluated before the library.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, X509Certificate, type webcrypto } from "node:crypto";
import { isIP } from "node:net";
import { keyTypeLabel, type KeyType, type PemPair } from "./certificate-files.ts";

x509.cryptoProvider.set(globalThis.crypto);

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

const { KeyUsageFlags: KU } = x509;

/** Generates a server certificate for `hostnames` (self-signed, or issued by `opts.issuer`). */
export async function generateSelfSigned(opts: SelfSignedOptions): Promise<PemPair> {
  const first = opts.hostnames[0];
  if (first === undefined) throw new Error("generateSelfSigned: at least one hostname is required");
  for (const h of opts.hostnames) {
    if (!/^[\x21-\x7e]+$/.test(h)) throw new Error(`generateSelfSigned: not an ASCII hostname or IP address: ${JSON.stringify(h)}`);
  }
  const keyType = opts.keyType ?? "ecdsa";
  const keys = await generateKeys(keyType);
  const sans: x509.JsonGeneralNames = opts.hostnames.map((h) => (isIP(h) !== 0 ? { type: "ip", value: ipText(h) } : { type: "dns", value: h }));
  const hasCn = first.length <= MAX_CN;
  const subject = hasCn ? cnName(first) : new x509.Name([]);
  const usage = keyType === "rsa" ? KU.digitalSignature | KU.keyEncipherment : KU.digitalSignature;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
    // An empty subject requires a critical subjectAltName (RFC 5280 §4.2.1.6).
    new x509.SubjectAlternativeNameExtension(sans, !hasCn),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const common = { subject, publicKey: keys.publicKey, extensions, ...validity(opts, 365) };
  let cert: x509.X509Certificate;
  if (opts.issuer === undefined) {
    cert = await x509.X509CertificateGenerator.create({ ...common, issuer: subject, signingKey: keys.privateKey });
  } else {
    const ca = new x509.X509Certificate(opts.issuer.certPem);
    const signer = issuerSigner(opts.issuer);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey));
    cert = await x509.X509CertificateGenerator.create({ ...common, issuer: ca.subjectName, ...signer });
  }
  return { certPem: certificatePem(cert), keyPem: await pkcs8(keys.privateKey) };
}

/** Generates a self-signed CA certificate (basicConstraints CA:true, keyCertSign) for test chains. */
export async function generateCa(opts: { name: string; days?: number; keyType?: KeyType; notBefore?: Date; notAfter?: Date }): Promise<PemPair> {
  const keys = await generateKeys(opts.keyType ?? "ecdsa");
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: cnName(opts.name),
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(KU.digitalSignature | KU.keyCertSign | KU.cRLSign, true),
      ski,
      new x509.AuthorityKeyIdentifierExtension(ski.keyId),
    ],
    ...validity(opts, 3650),
  });
  return { certPem: certificatePem(cert), keyPem: await pkcs8(keys.privateKey) };
}

/** A subject of one CN, always a UTF8String (RFC 5280 §4.1.2.6); no RFC 4514 string parsing, so any characters are safe. */
function cnName(cn: string): x509.Name {
  return new x509.Name([{ CN: [{ utf8String: cn }] }]);
}

/**
 * The CA's key as a WebCrypto signing key plus the matching signature algorithm (RFC 5758 §3.2
 * for ECDSA, RFC 4055 §5 for RSA). `createPrivateKey` also accepts SEC1 and PKCS#1 PEM.
 */
function issuerSigner(issuer: PemPair): { signingKey: webcrypto.CryptoKey; signingAlgorithm: webcrypto.EcdsaParams | webcrypto.Algorithm } {
  const key = createPrivateKey(issuer.keyPem);
  if (!new X509Certificate(issuer.certPem).checkPrivateKey(key)) throw new Error("generateSelfSigned: the issuer key does not match the issuer certificate");
  if (key.asymmetricKeyType === "rsa") {
    const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    return { signingKey: key.toCryptoKey(algorithm, false, ["sign"]), signingAlgorithm: algorithm };
  }
  const ec = key.asymmetricKeyType === "ec" ? EC_SIGNATURES[key.asymmetricKeyDetails?.namedCurve ?? ""] : undefined;
  if (ec === undefined) throw new Error(`signing key type ${keyTypeLabel(key)} is not supported (use ECDSA P-256/384/521 or RSA)`);
  return { signingKey: key.toCryptoKey({ name: "ECDSA", namedCurve: ec.curve }, false, ["sign"]), signingAlgorithm: { name: "ECDSA", hash: ec.hash } };
}

const EC_SIGNATURES: Record<string, { curve: string; hash: string }> = {
  prime256v1: { curve: "P-256", hash: "SHA-256" },
  secp384r1: { curve: "P-384", hash: "SHA-384" },
  secp521r1: { curve: "P-521", hash: "SHA-512" },
};

async function generateKeys(keyType: KeyType): Promise<webcrypto.CryptoKeyPair> {
  if (keyType === "rsa") {
    const params = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
    return crypto.subtle.generateKey(params, true, ["sign", "verify"]);
  }
  if (keyType === "ecdsa") return crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  throw new Error(`unsupported key type: ${String(keyType)}`);
}

async function pkcs8(key: webcrypto.CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY")}\n`;
}

function certificatePem(cert: x509.X509Certificate): string {
  return `${cert.toString("pem")}\n`;
}

/**
 * The library's iPAddress encoder misreads IPv6 with a dotted IPv4 tail ("::ffff:10.1.2.3");
 * the WHATWG URL serializer rewrites such addresses to plain hex groups first.
 */
function ipText(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

function validity(opts: { days?: number; notBefore?: Date; notAfter?: Date }, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const notBefore = opts.notBefore ?? new Date(Date.now() - BACKDATE_MS);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + (opts.days ?? defaultDays) * DAY_MS);
  if (notAfter.getTime() <= notBefore.getTime()) throw new Error("certificate validity: notAfter must be after notBefore");
  return { notBefore, notAfter };
}
