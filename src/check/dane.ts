/**
 * DANE for SMTP (RFC 7672) as the checker sees it: a raw TLSA query for `_25._tcp.MXHOST` (RFC 6698
 * §3) to the configured resolver (dns-query.ts: DO bit, AD requested, TCP when truncated); and the match of the presented
 * chain against the records (RFC 6698 §2.1, RFC 7671 §5): DANE-EE(3) against the leaf, DANE-TA(2)
 * against a certificate of the chain that the leaf chains to; PKIX-TA(0)/PKIX-EE(1) are unusable
 * for SMTP (RFC 7672 §3.1.3). Only an answer the resolver marks authentic (AD) is evaluated:
 * without DNSSEC validation TLSA records prove nothing (RFC 7672 §2.2).
 */
import { createHash, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { connect as tlsConnect, type DetailedPeerCertificate, type TLSSocket } from "node:tls";
import type { DnsServerAddress } from "../dns/index.ts";
import { queryDns } from "./dns-query.ts";
import { connectTarget } from "./probe/index.ts";
import type { Target } from "./types.ts";

export interface TlsaRecord {
  usage: number;
  selector: number;
  matchingType: number;
  /** The association data, hex. */
  data: string;
}

export { systemDnsServer } from "./dns-query.ts";

interface TlsaLookup {
  /** The resolver set AD: it validated the answer with DNSSEC. */
  authenticated: boolean;
  records: TlsaRecord[];
  /** "NOERROR", "NXDOMAIN", "SERVFAIL" … */
  rcode: string;
}

/** One TLSA record checked against the presented chain. */
export interface TlsaMatch extends TlsaRecord {
  /** null: the record is unusable (wrong usage, selector or matching type) and was not compared. */
  matches: boolean | null;
  detail: string;
}

/** Asks `server` for the TLSA records of `name`; throws on a timeout or a network error. */
export async function queryTlsa(name: string, server: DnsServerAddress, timeoutMs: number): Promise<TlsaLookup> {
  const reply = await queryDns(name, "TLSA", server, timeoutMs);
  const records: TlsaRecord[] = [];
  for (const a of reply.answers) {
    if (a.type !== "TLSA") continue;
    records.push({ usage: a.data.usage, selector: a.data.selector, matchingType: a.data.matchingType, data: a.data.certificate.toString("hex") });
  }
  return { authenticated: reply.authenticated, records, rcode: reply.rcode };
}

/** RFC 7218 §2.1: the certificate usages' names. */
const USAGES = ["PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"];

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
 * host name, which DANE-TA requires the leaf to name (RFC 7672 §3.2.3); DANE-EE ignores names
 * and validity dates (RFC 7672 §3.1.1, RFC 7671 §5.1).
 */
export function matchTlsa(records: readonly TlsaRecord[], chainDer: readonly Buffer[], host: string): TlsaMatch[] {
  const chain = chainDer.map((der) => new X509Certificate(der));
  const leaf = chain[0];
  return records.map((r): TlsaMatch => {
    const unusable = (detail: string): TlsaMatch => ({ ...r, matches: null, detail });
    if (r.usage === 0 || r.usage === 1) return unusable(`${USAGES[r.usage] ?? ""} is unusable for SMTP (RFC 7672 §3.1.3)`);
    if (r.usage !== 2 && r.usage !== 3) return unusable(`unknown usage ${r.usage}`);
    if (leaf === undefined) return { ...r, matches: false, detail: "the server sent no certificate" };
    if (associationData(leaf, r.selector, r.matchingType) === null) return unusable(`unknown selector ${r.selector} or matching type ${r.matchingType}`);
    const data = r.data.toLowerCase();
    if (r.usage === 3) {
      const ok = associationData(leaf, r.selector, r.matchingType) === data;
      return { ...r, matches: ok, detail: ok ? "matches the server's certificate (DANE-EE)" : "does not match the server's certificate" };
    }
    // DANE-TA: a certificate of the chain above the leaf matches, and the leaf chains up to it
    // (RFC 7671 §5.2.2: the server should send its trust anchor).
    const at = chain.findIndex((c, i) => i > 0 && associationData(c, r.selector, r.matchingType) === data);
    if (at < 0) return { ...r, matches: false, detail: "matches no certificate of the chain the server sent" };
    if (!chainsUpTo(chain, at)) return { ...r, matches: false, detail: "a certificate of the chain matches, but the leaf does not chain up to it" };
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

interface ChainFetch {
  address: string;
  port: number;
  /** SNI to send (the MX host name). */
  servername: string;
  timeoutMs: number;
}

/**
 * The certificate chain an SMTP server presents after STARTTLS (RFC 3207), leaf first, as DER: one
 * short connection (the probes' connectTarget, then node:tls) with no verification — DANE decides,
 * not the PKI. CheckReport's CertificateInfo carries no DER, hence this extra connection.
 */
export async function fetchSmtpChain(o: ChainFetch): Promise<Buffer[]> {
  const target: Target = { host: o.servername, port: o.port, address: o.address, servername: o.servername, access: "smtp" };
  const { socket } = await connectTarget(target, { timeoutMs: o.timeoutMs, concurrency: 1, ca: [] });
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, servername: isIP(o.servername) === 0 ? o.servername : undefined, rejectUnauthorized: false, minVersion: "TLSv1.2" });
    const done = (err: Error | null, chain?: Buffer[]): void => {
      clearTimeout(timer);
      tls.destroy();
      socket.destroy();
      if (chain !== undefined) resolve(chain);
      else reject(err ?? new Error("no certificate"));
    };
    const timer = setTimeout(() => done(new Error(`TLS handshake with ${o.address}:${o.port} timed out after ${o.timeoutMs} ms`)), o.timeoutMs);
    tls.on("error", (err: Error) => done(err));
    tls.on("close", () => done(new Error(`${o.address}:${o.port} closed the connection during the TLS handshake`)));
    tls.on("secureConnect", () => done(null, derChain(tls)));
  });
}

/** The peer's chain as sent, leaf first (Node links each certificate to its issuer; a self-signed one to itself). */
function derChain(tls: TLSSocket): Buffer[] {
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
