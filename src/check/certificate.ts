/**
 * The server's certificate as the checker reports it: one handshake over the probe's connection
 * (implicit TLS or after STARTTLS), with every check ours rather than OpenSSL's.
 *
 * The handshake accepts TLS 1.0 and OpenSSL security level 0 so that a server stuck on legacy TLS
 * still shows its certificate, and it never rejects: the chain is judged by OpenSSL's verify
 * result against Node's root store plus the caller's CAs (RFC 5280 §6), the names by RFC 6125 §6
 * (subjectAltName dNSName/iPAddress; the subject CN only when there is no dNSName, §6.4.4; see
 * smtp-client's names.ts), validity by RFC 5280 §4.1.2.5.
 */
import { X509Certificate as NodeX509, type X509Certificate } from "node:crypto";
import type { Socket } from "node:net";
import * as tls from "node:tls";
import { findNameMatch, type PresentedNames } from "../smtp-client/index.ts";
import { certificateNames, revocationUrls } from "../tls/index.ts";
import { connectTarget } from "./probe/index.ts";
import type { CertificateInfo, CheckOptions, Target } from "./types.ts";

const DAY_MS = 86_400_000;

/** One secure context per CA set: createSecureContext parses every root, which is expensive. */
const contexts = new Map<string, tls.SecureContext>();

/** Node's roots plus `ca`, TLS 1.0 and up, every suite OpenSSL still has (security level 0). */
export function legacyContext(ca: readonly string[]): tls.SecureContext {
  const key = ca.join("\n");
  let ctx = contexts.get(key);
  if (ctx === undefined) {
    if (contexts.size >= 32) contexts.clear();
    ctx = tls.createSecureContext({
      ca: [...tls.rootCertificates, ...ca],
      minVersion: "TLSv1",
      ciphers: "DEFAULT:@SECLEVEL=0",
    });
    contexts.set(key, ctx);
  }
  return ctx;
}

/**
 * Runs a TLS client handshake over `socket` (SNI = target.servername; none for an address),
 * bounded by opts.timeoutMs and opts.signal. Never rejects a certificate and never checks the
 * host name: the caller judges both. `extra` adds connection options (a session to resume,
 * requestOCSP); an OCSP response stapled to the handshake is passed to `onOcsp` (null: none).
 */
export function tlsHandshake(
  socket: Socket,
  target: Target,
  opts: CheckOptions,
  context: tls.SecureContext = legacyContext(opts.ca),
  extra: Pick<tls.ConnectionOptions, "session" | "requestOCSP"> = {},
  onOcsp?: (response: Buffer | null) => void,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      secureContext: context,
      ...(target.servername !== null ? { servername: target.servername } : {}),
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      // Node's own floor (1024) would hide a legacy server's certificate behind a DH error.
      minDHSize: 1,
      ...extra,
    });
    // RFC 6066 §8: Node reports the stapled response (or null) during the handshake.
    if (onOcsp !== undefined) secure.once("OCSPResponse", (r: Buffer | null) => onOcsp(r));
    const finish = (err: Error | null): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      secure.off("secureConnect", onConnect);
      secure.off("error", onError);
      secure.off("close", onClose);
      if (err === null) {
        secure.on("error", () => undefined);
        resolve(secure);
      } else {
        secure.on("error", () => undefined);
        secure.destroy();
        socket.destroy();
        reject(err);
      }
    };
    const onConnect = (): void => finish(null);
    const onError = (e: Error): void => finish(new Error(`TLS handshake failed: ${e.message}`));
    const onClose = (): void => finish(new Error("TLS handshake failed: the server closed the connection"));
    const onAbort = (): void => finish(new Error("aborted"));
    const timer = setTimeout(() => finish(new Error(`TLS handshake timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    secure.once("secureConnect", onConnect);
    secure.once("error", onError);
    secure.once("close", onClose);
    if (opts.signal?.aborted === true) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Handshakes that admit only one key type for the server's certificate (TLS 1.3: the signature
 * algorithms; TLS 1.2 and older: the suites' authentication), so a server with an RSA and an ECDSA
 * certificate shows each. Same trust anchors as the legacy context.
 */
const KEY_TYPE_OPTIONS = {
  RSA: { ciphers: "aRSA:@SECLEVEL=0", sigalgs: "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:rsa_pkcs1_sha1" },
  EC: { ciphers: "aECDSA:@SECLEVEL=0", sigalgs: "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ecdsa_sha1" },
} as const;
const keyTypeContexts = new Map<string, tls.SecureContext>();

function keyTypeContext(keyType: keyof typeof KEY_TYPE_OPTIONS, ca: readonly string[]): tls.SecureContext {
  const key = `${keyType}\n${ca.join("\n")}`;
  let ctx = keyTypeContexts.get(key);
  if (ctx === undefined) {
    if (keyTypeContexts.size >= 32) keyTypeContexts.clear();
    ctx = tls.createSecureContext({ ca: [...tls.rootCertificates, ...ca], minVersion: "TLSv1", ...KEY_TYPE_OPTIONS[keyType] });
    keyTypeContexts.set(key, ctx);
  }
  return ctx;
}

/**
 * The server's certificate of the other key type than `first` (RSA ↔ EC), or null when it has
 * none (the restricted handshake fails) or presents the same one.
 */
export async function inspectOtherCertificate(target: Target, opts: CheckOptions, first: CertificateInfo): Promise<CertificateInfo | null> {
  const other = first.keyType === "RSA" ? "EC" : first.keyType === "EC" ? "RSA" : null;
  if (other === null) return null;
  let secure: tls.TLSSocket;
  try {
    const { socket } = await connectTarget(target, opts);
    secure = await tlsHandshake(socket, target, opts, keyTypeContext(other, opts.ca));
  } catch {
    return null; // no certificate of that type (handshake_failure), or the server is gone
  }
  try {
    const info = describePeer(secure, target, opts);
    return info.keyType === first.keyType ? null : info;
  } finally {
    secure.destroy();
  }
}

/** Connects to the target (STARTTLS when its access says so), handshakes and reads the certificate. */
export async function inspectCertificate(target: Target, opts: CheckOptions): Promise<CertificateInfo> {
  return (await readCertificate(target, opts)).certificate;
}

/** The certificate and the OCSP response stapled to its handshake (null: none), from one handshake. */
export async function readCertificate(target: Target, opts: CheckOptions): Promise<{ certificate: CertificateInfo; ocsp: Buffer | null }> {
  const { socket } = await connectTarget(target, opts);
  let ocsp: Buffer | null = null;
  const secure = await tlsHandshake(socket, target, opts, legacyContext(opts.ca), { requestOCSP: true }, (r) => (ocsp = r));
  try {
    return { certificate: describePeer(secure, target, opts), ocsp };
  } finally {
    secure.destroy();
  }
}

/** The CertificateInfo of a finished handshake (run with rejectUnauthorized false, no name check). */
function describePeer(secure: tls.TLSSocket, target: Target, opts: CheckOptions): CertificateInfo {
  const leaf = secure.getPeerX509Certificate();
  if (leaf === undefined) throw new Error("the server presented no certificate");
  const references = referenceNames(target, opts.extraNames ?? []);
  const chain = chainOf(leaf);
  let verifyError = secure.authorized ? null : errorCode(secure.authorizationError);
  // OpenSSL reports one error, the last: for a leaf outside its validity period, the chain's trust
  // is not reported at all. Check it ourselves, time aside, so an expired certificate from an
  // unknown CA is reported as both (renewing it with the same CA would not help).
  if ((verifyError === "CERT_HAS_EXPIRED" || verifyError === "CERT_NOT_YET_VALID") && !chainsToAnchor(chain, opts.ca)) {
    verifyError = "UNABLE_TO_GET_ISSUER_CERT_LOCALLY";
  }
  return describeCertificate(leaf, {
    chain,
    trusted: secure.authorized,
    verifyError,
    references,
    now: opts.now?.() ?? new Date(),
  });
}

/** The names the certificate must match: the SNI name first, then each extra name once. */
function referenceNames(target: Target, extraNames: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const n of [...(target.servername !== null ? [target.servername] : []), ...extraNames]) {
    const key = n.trim().toLowerCase().replace(/\.$/, "");
    if (key === "" || seen.has(key)) continue;
    seen.add(key);
    out.push(n.trim());
  }
  return out;
}

interface DescribeContext {
  chain: X509Certificate[];
  trusted: boolean;
  verifyError: string | null;
  references: readonly string[];
  now: Date;
}

/** Facts and name checks for one leaf certificate (pure apart from parsing). */
function describeCertificate(leaf: X509Certificate, ctx: DescribeContext): CertificateInfo {
  const names = presentedNames(leaf);
  const notBefore = leaf.validFromDate;
  const notAfter = leaf.validToDate;
  const { keyType, keyBits } = keyOf(leaf);
  return {
    subject: oneLine(leaf.subject),
    issuer: oneLine(leaf.issuer),
    names: names.dns.length > 0 || names.ips.length > 0 ? [...names.dns, ...names.ips] : names.cn !== null ? [names.cn] : [],
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - ctx.now.getTime()) / DAY_MS),
    selfSigned: isSelfSigned(leaf),
    keyType,
    keyBits,
    signatureAlgorithm: signatureAlgorithmOf(leaf),
    chain: ctx.chain.map((c) => ({ subject: oneLine(c.subject), issuer: oneLine(c.issuer) })),
    trusted: ctx.trusted,
    verifyError: ctx.trusted ? null : ctx.verifyError ?? "UNKNOWN",
    nameChecks: ctx.references.map((name) => ({ name, matches: findNameMatch(names, [name]) !== null })),
    ...revocationUrls(leaf.raw),
  };
}

/** subjectAltName dNSNames and iPAddresses, read from the structure (no string escaping), and the CN. */
function presentedNames(leaf: X509Certificate): PresentedNames {
  const { dns, ips, cn } = certificateNames(leaf.raw);
  return { dns, ips, cn };
}

/** The chain as the peer sent it (plus the root Node found for it), leaf first. */
/** Node's roots plus `ca`, parsed once per CA set (only needed for expired or not-yet-valid leaves). */
const anchorSets = new Map<string, X509Certificate[]>();

function anchorsFor(ca: readonly string[]): X509Certificate[] {
  const key = ca.join("\n");
  let set = anchorSets.get(key);
  if (set === undefined) {
    if (anchorSets.size >= 8) anchorSets.clear();
    set = [...tls.rootCertificates, ...ca].map((pem) => new NodeX509(pem));
    anchorSets.set(key, set);
  }
  return set;
}

/** Whether `chain` (leaf first, as sent or completed by Node) leads to a trust anchor by signatures alone. */
function chainsToAnchor(chain: readonly X509Certificate[], ca: readonly string[]): boolean {
  const anchors = anchorsFor(ca);
  const signedBy = (c: X509Certificate, issuer: X509Certificate): boolean => c.checkIssued(issuer) && c.verify(issuer.publicKey);
  let cur = chain[0];
  for (let depth = 0; cur !== undefined && depth < 16; depth++) {
    const at = cur;
    if (anchors.some((a) => a.fingerprint256 === at.fingerprint256 || signedBy(at, a))) return true;
    cur = chain.find((c) => c !== at && signedBy(at, c));
  }
  return false;
}

function chainOf(leaf: X509Certificate): X509Certificate[] {
  const chain = [leaf];
  let cur = leaf;
  while (chain.length < 16) {
    const next = cur.issuerCertificate;
    if (next === undefined || next.fingerprint256 === cur.fingerprint256) break;
    chain.push(next);
    cur = next;
  }
  return chain;
}

/** Issuer equals subject and the certificate's own key verifies its signature. */
function isSelfSigned(cert: X509Certificate): boolean {
  if (cert.issuer !== cert.subject) return false;
  try {
    return cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
  prime192v1: 192,
  secp192k1: 192,
};

const KEY_TYPES: Readonly<Record<string, string>> = {
  rsa: "RSA",
  "rsa-pss": "RSA-PSS",
  dsa: "DSA",
  ec: "EC",
  ed25519: "Ed25519",
  ed448: "Ed448",
  dh: "DH",
};

/** Key type ("RSA", "EC", "Ed25519" …) and size in bits (RSA/DSA modulus, EC field). */
function keyOf(cert: X509Certificate): { keyType: string; keyBits: number | null } {
  const key = cert.publicKey;
  const type = key.asymmetricKeyType ?? "unknown";
  const d = key.asymmetricKeyDetails;
  let bits: number | null = d?.modulusLength ?? null;
  if (bits === null && d?.namedCurve !== undefined) bits = CURVE_BITS[d.namedCurve] ?? curveDigits(d.namedCurve);
  if (type === "ed25519") bits = 256;
  if (type === "ed448") bits = 456;
  return { keyType: KEY_TYPES[type] ?? type, keyBits: bits };
}

function curveDigits(curve: string): number | null {
  const m = /(\d{3})/.exec(curve);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/** OpenSSL's name ("sha256WithRSAEncryption", "ecdsa-with-SHA256"), else the OID. */
function signatureAlgorithmOf(cert: X509Certificate): string {
  const fromNode = cert.signatureAlgorithm;
  return fromNode !== undefined && fromNode !== "" ? fromNode : cert.signatureAlgorithmOid;
}

/** True for signatures over MD2, MD4, MD5 or SHA-1 (RFC 6151, RFC 9155). */
export function isWeakSignature(algorithm: string): boolean {
  return /md[245]|sha-?1(?!\d)/i.test(algorithm);
}

function oneLine(dn: string): string {
  return dn.split("\n").filter((l) => l !== "").join(", ");
}

function errorCode(e: unknown): string {
  if (typeof e === "string") return e;
  if (e instanceof Error) return (e as { code?: unknown }).code !== undefined ? String((e as { code?: unknown }).code) : e.message;
  return "UNKNOWN";
}
