/**
 * The verdict on the server's certificate after STARTTLS. Because the ClientHello runs at
 * OpenSSL security level 0 (to name TLS 1.0/1.1 servers), OpenSSL's own checks are lax and
 * hostname checking is off; this module decides: validity period (RFC 5280 §4.1.2.5), chain to
 * a trusted root (OpenSSL's verify result against Node's roots plus the caller's CAs), the name
 * (RFC 6125 / RFC 8461 §4.1, see names.ts), key size (RSA/DSA < 2048, EC < 256 bits: weak-key)
 * and signature hash (MD2/MD4/MD5/SHA-1: weak-signature; RFC 6151, RFC 9155). Under DANE the host's
 * TLSA records decide instead (RFC 7672 §3, the dane room's match).
 */
import { X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { CertificateProblem } from "../bounce/index.ts";
import { matchTlsa, presentedChain, type TlsaMatch, type TlsaRecord } from "../dane/index.ts";
import { certificateNames } from "../tls/index.ts";
import { findNameMatch, identifiersOf, type PresentedNames } from "./names.ts";
import type { CertificateVerdict } from "./types.ts";

/** What we read from one certificate. */
interface CertificateFacts {
  subject: string;
  issuer: string;
  issuerCn: string | null;
  notBefore: Date;
  notAfter: Date;
  names: PresentedNames;
  keyType: string;
  /** RSA/DSA modulus or EC field size in bits; null when unknown (Ed25519 …). */
  keyBits: number | null;
  signatureAlgorithm: string;
  signatureOid: string;
}

// Signature algorithms over MD2, MD4, MD5 or SHA-1 (RFC 3279 §2.2, RFC 5758 §3.2 counterparts).
const WEAK_SIGNATURE_OIDS = new Set([
  "1.2.840.113549.1.1.2", // md2WithRSAEncryption
  "1.2.840.113549.1.1.3", // md4WithRSAEncryption
  "1.2.840.113549.1.1.4", // md5WithRSAEncryption
  "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
  "1.3.14.3.2.29", // sha1WithRSASignature (OIW)
  "1.2.840.10045.4.1", // ecdsa-with-SHA1
  "1.2.840.10040.4.3", // dsa-with-sha1
]);

function oneLine(dn: string): string {
  return dn.split("\n").join(", ");
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function curveBits(curve: string | undefined): number | null {
  if (curve === undefined) return null;
  if (curve === "prime256v1") return 256;
  const m = /(\d{3})/.exec(curve);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/** Facts by certificate fingerprint: a destination presents the same certificate every time. */
const factsCache = new Map<string, CertificateFacts>();

function certificateFacts(cert: X509Certificate): CertificateFacts {
  const key = cert.fingerprint256;
  let f = factsCache.get(key);
  if (f === undefined) {
    if (factsCache.size >= 1000) factsCache.clear();
    f = readFacts(cert);
    factsCache.set(key, f);
  }
  return f;
}

function readFacts(cert: X509Certificate): CertificateFacts {
  // Names from the certificate's structure, not Node's escaped strings (src/tls/certificate-der.ts).
  const { dns, ips, cn, issuerCn } = certificateNames(cert.raw);
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails;
  const keyBits = details?.modulusLength ?? curveBits(details?.namedCurve);
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    issuerCn,
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
    names: { dns, ips, cn },
    keyType: key.asymmetricKeyType ?? "unknown",
    keyBits: keyBits ?? null,
    signatureAlgorithm: cert.signatureAlgorithm ?? cert.signatureAlgorithmOid,
    signatureOid: cert.signatureAlgorithmOid,
  };
}

/** OpenSSL verify results (X509_V_ERR_*) as Node names them, mapped to our problems. */
const UNTRUSTED = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
]);

function fail(problem: CertificateProblem, detail: string, f: CertificateFacts | null): CertificateVerdict {
  return {
    checked: true,
    ok: false,
    problem,
    detail,
    subject: f?.subject ?? null,
    issuer: f?.issuer ?? null,
    notAfter: f?.notAfter.toISOString() ?? null,
  };
}

function authorizationCode(socket: TLSSocket): string | null {
  if (socket.authorized) return null;
  const e: unknown = socket.authorizationError;
  if (e === undefined || e === null) return "UNKNOWN";
  if (typeof e === "string") return e;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : e instanceof Error ? e.message : "UNKNOWN";
}

function issuerLabel(f: CertificateFacts): string {
  return f.issuerCn ?? f.issuer;
}

/** The certificate described but not judged (verify is null). */
export function describeOnly(cert: X509Certificate | undefined): CertificateVerdict {
  if (cert === undefined) return { checked: false, subject: null, issuer: null, notAfter: null };
  const f = certificateFacts(cert);
  return { checked: false, subject: f.subject, issuer: f.issuer, notAfter: f.notAfter.toISOString() };
}

/**
 * Judges the peer certificate of a finished handshake that was run with `rejectUnauthorized:
 * false`, the caller's CAs added to Node's roots, and no hostname check.
 */
export function judgeCertificate(socket: TLSSocket, references: readonly string[], sanOnly = false, now: Date = new Date()): CertificateVerdict {
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return fail("other", "the server presented no certificate", null);
  const f = certificateFacts(cert);
  // MTA-STS (RFC 8461 §4.2) accepts only subjectAltName DNS-IDs, never a CN.
  const facts = sanOnly ? { ...f, names: { ...f.names, cn: null } } : f;
  const verdict = judgeFacts(facts, authorizationCode(socket), references, now);
  return verdict;
}

/** The decision on already-read facts; `verifyCode` is OpenSSL's chain verdict (null: trusted). */
function judgeFacts(f: CertificateFacts, verifyCode: string | null, references: readonly string[], now: Date): CertificateVerdict {
  if (f.notAfter.getTime() < now.getTime()) return fail("expired", `expired on ${isoDate(f.notAfter)}`, f);
  if (f.notBefore.getTime() > now.getTime()) return fail("not-yet-valid", `not valid before ${isoDate(f.notBefore)}`, f);
  if (verifyCode !== null) {
    if (verifyCode === "DEPTH_ZERO_SELF_SIGNED_CERT") {
      return fail("untrusted", `self-signed (${issuerLabel(f)}), not issued by a trusted authority`, f);
    }
    if (UNTRUSTED.has(verifyCode)) return fail("untrusted", `issued by ${issuerLabel(f)}, which is not a trusted authority`, f);
    if (verifyCode === "CERT_HAS_EXPIRED") return fail("expired", `a certificate in its chain (above ${issuerLabel(f)}) has expired`, f);
    if (verifyCode === "CERT_NOT_YET_VALID") return fail("not-yet-valid", "a certificate in its chain is not valid yet", f);
    if (verifyCode === "EE_KEY_TOO_SMALL" || verifyCode === "CA_KEY_TOO_SMALL") return fail("weak-key", "its chain uses a key that is too small", f);
    if (verifyCode === "CA_MD_TOO_WEAK") return fail("weak-signature", "its chain is signed with a weak hash", f);
    return fail("other", `its chain failed verification (${verifyCode})`, f);
  }
  const match = findNameMatch(f.names, references);
  if (match === null) {
    const ids = identifiersOf(f.names);
    const has = ids.length > 0 ? ids.join(", ") : "no host name";
    return fail("hostname", `names ${has}, not ${references.join(" or ")}`, f);
  }
  const weakKey = f.keyType === "ec" ? f.keyBits !== null && f.keyBits < 256 : ["rsa", "rsa-pss", "dsa"].includes(f.keyType) && f.keyBits !== null && f.keyBits < 2048;
  if (weakKey) return fail("weak-key", `has a ${String(f.keyBits)}-bit ${f.keyType.toUpperCase()} key`, f);
  if (WEAK_SIGNATURE_OIDS.has(f.signatureOid) || /md[245]|sha1(?!\d)/i.test(f.signatureAlgorithm)) {
    return fail("weak-signature", `is signed with ${f.signatureAlgorithm}`, f);
  }
  return { checked: true, ok: true, subject: f.subject, issuer: f.issuer, notAfter: f.notAfter.toISOString(), matched: match.presented };
}

/**
 * DANE (RFC 7672 §3): the chain judged by the host's usable TLSA records, not by the PKI — a DANE-EE
 * match needs neither a name nor a validity check (§3.1.1); a DANE-TA match checks both (§3.2).
 */
export function judgeDane(socket: TLSSocket, records: readonly TlsaRecord[], host: string): CertificateVerdict {
  // The chain first: on a client, Node's getPeerX509Certificate() takes the leaf out of OpenSSL's
  // peer chain (Node 24), so it must not run before this, and is not needed after.
  const chain = presentedChain(socket);
  const leaf = chain[0];
  if (leaf === undefined) return fail("dane-mismatch", "the server presented no certificate", null);
  const f = certificateFacts(new X509Certificate(leaf));
  const results = matchTlsa(records, chain, host);
  const hit = results.find((r) => r.matches === true && r.usage === 3) ?? results.find((r) => r.matches === true);
  if (hit === undefined) return fail("dane-mismatch", `no TLSA record matches (${results.slice(0, 2).map(tlsaLine).join("; ")})`, f);
  const by = hit.usage === 3 ? "dane-ee" : "dane-ta";
  return { checked: true, ok: true, subject: f.subject, issuer: f.issuer, notAfter: f.notAfter.toISOString(), matched: `TLSA ${hit.usage} ${hit.selector} ${hit.matchingType}`, by };
}

/** "3 1 1 5c1e0a44d6b43e12…: does not match the server's certificate". */
function tlsaLine(r: TlsaMatch): string {
  return `${r.usage} ${r.selector} ${r.matchingType} ${r.data.slice(0, 16)}…: ${r.detail}`;
}
