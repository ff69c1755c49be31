/**
 * TLSA records (RFC 6698 §2) matched against the certificate chain a server presented, as DANE for
 * SMTP uses them (RFC 7672 §3, RFC 7671 §5): DANE-EE(3) against the leaf alone, with neither a name
 * nor a validity check (RFC 7672 §3.1.1); DANE-TA(2) against a certificate of the chain above the
 * leaf that the leaf chains up to, every certificate below it within its validity, and the leaf
 * naming the MX host (RFC 7672 §3.1.2, §3.2.2, §3.2.3). PKIX-TA(0) and PKIX-EE(1) are unusable
 * for SMTP (RFC 7672 §3.1.3), and so are selectors and matching types this code does not know.
 */
import { createHash, X509Certificate } from "node:crypto";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";

export interface TlsaRecord {
  usage: number;
  selector: number;
  matchingType: number;
  /** The association data, hex. */
  data: string;
}

/** One TLSA record checked against the presented chain. */
export interface TlsaMatch extends TlsaRecord {
  /** null: the record is unusable (wrong usage, selector or matching type) and was not compared. */
  matches: boolean | null;
  detail: string;
}

/** RFC 7218 §2.1: the certificate usages' names. */
const USAGES = ["PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"];

/** RFC 7672 §3.1.3: only DANE-TA(2) and DANE-EE(3), with a selector (RFC 6698 §2.1.2) and matching type (§2.1.3) we know. */
export function usableTlsa(r: TlsaRecord): boolean {
  return (r.usage === 2 || r.usage === 3) && (r.selector === 0 || r.selector === 1) && r.matchingType >= 0 && r.matchingType <= 2;
}

/** RFC 6698 §2.1.2/§2.1.3: the certificate or its SubjectPublicKeyInfo, hashed as the record says; null for an unknown selector or matching type. */
function associationData(cert: X509Certificate, selector: number, matchingType: number): string | null {
  let data: Buffer;
  if (selector === 0) data = cert.raw;
  else if (selector === 1) data = cert.publicKey.export({ type: "spki", format: "der" });
  else return null;
  if (matchingType === 0) return data.toString("hex");
  if (matchingType === 1) return createHash("sha256").update(data).digest("hex");
  if (matchingType === 2) return createHash("sha512").update(data).digest("hex");
  return null;
}

/**
 * Checks each record against the chain as the server sent it (leaf first, DER). `host` is the MX
 * host name, which DANE-TA requires the leaf to name (RFC 7672 §3.2.3).
 */
export function matchTlsa(records: readonly TlsaRecord[], chainDer: readonly Buffer[], host: string, now: Date = new Date()): TlsaMatch[] {
  const chain = chainDer.map((der) => new X509Certificate(der));
  const leaf = chain[0];
  return records.map((r): TlsaMatch => {
    const unusable = (detail: string): TlsaMatch => ({ ...r, matches: null, detail });
    if (r.usage === 0 || r.usage === 1) return unusable(`${USAGES[r.usage] ?? ""} is unusable for SMTP (RFC 7672 §3.1.3)`);
    if (!usableTlsa(r)) return unusable(r.usage !== 2 && r.usage !== 3 ? `unknown usage ${r.usage}` : `unknown selector ${r.selector} or matching type ${r.matchingType}`);
    if (leaf === undefined) return { ...r, matches: false, detail: "the server sent no certificate" };
    const data = r.data.toLowerCase();
    if (r.usage === 3) {
      const ok = associationData(leaf, r.selector, r.matchingType) === data;
      return { ...r, matches: ok, detail: ok ? "matches the server's certificate (DANE-EE)" : "does not match the server's certificate" };
    }
    // DANE-TA: a certificate of the chain above the leaf matches, and the leaf chains up to it
    // (RFC 7671 §5.2.2: a server that publishes a digest of its trust anchor sends it).
    const at = chain.findIndex((c, i) => i > 0 && associationData(c, r.selector, r.matchingType) === data);
    if (at < 0) return { ...r, matches: false, detail: "matches no certificate of the chain the server sent" };
    if (!chainsUpTo(chain, at)) return { ...r, matches: false, detail: "a certificate of the chain matches, but the leaf does not chain up to it" };
    if (chain.slice(0, at).some((c) => c.validFromDate > now || c.validToDate < now)) return { ...r, matches: false, detail: "the chain leads to the trust anchor, but a certificate below it is expired or not yet valid" };
    if (leaf.checkHost(host, { subject: "default", wildcards: true }) === undefined) return { ...r, matches: false, detail: `the trust anchor matches, but the certificate does not name ${host}` };
    return { ...r, matches: true, detail: "the chain leads to this trust anchor (DANE-TA) and the certificate names the MX host" };
  });
}

/** Each certificate up to index `to` is issued and signed by the next one. */
function chainsUpTo(chain: readonly X509Certificate[], to: number): boolean {
  for (let i = 0; i < to; i++) {
    const cert = chain[i];
    const issuer = chain[i + 1];
    if (cert === undefined || issuer === undefined) return false;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return false;
  }
  return true;
}

/** The peer's chain as sent, leaf first, DER (Node links each certificate to its issuer; a self-signed one to itself). */
export function presentedChain(tls: TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let cert: DetailedPeerCertificate | undefined = tls.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert !== undefined && cert.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return out;
}
