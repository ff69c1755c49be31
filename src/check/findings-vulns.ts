/**
 * Findings for what testssl.sh's vulnerability scan reports, from the report's `features` and
 * from what the scan and the certificate already show. Severities are testssl.sh 3.0's ratings
 * for a server that does not speak HTTP (its `fileout` severities), except where a comment at the
 * rule says otherwise and why.
 *
 * - Renegotiation: RFC 5746 (secure_renego), CVE-2011-1473 (secure_client_renego).
 * - Compression: CRIME, CVE-2012-4929 (CRIME_TLS). Heartbeat: RFC 6520, CVE-2014-0160 (heartbleed).
 * - TLS_FALLBACK_SCSV: RFC 7507 (fallback_SCSV). Session resumption (testssl.sh: INFO either way)
 *   is a fact in `features`, not a finding: neither answer asks for anything to be done.
 * - Groups: Logjam, CVE-2015-4000 (DH_groups, FS_ECDHE_curves).
 * - OCSP stapling: RFC 6066 §8, RFC 6960; revocation information: RFC 5280 §4.2.1.13, §4.2.2.1.
 * - BEAST (CVE-2011-3389): CBC suites with SSL 3.0/TLS 1.0, whose IVs are predictable (RFC 4346
 *   §1.1 fixed it in TLS 1.1). LUCKY13 (CVE-2013-0169): CBC suites at all (RFC 7366 §1). SWEET32
 *   (CVE-2016-2183): 64-bit block ciphers (RFC 9325 §4.1).
 */
import { versionLabel, type TlsVersionName } from "../tls/index.ts";
import { offered, type ReportFacts } from "./report-facts.ts";
import type { Finding, Severity, TlsFeatures } from "./types.ts";

function f(id: string, severity: Severity, title: string, detail: string): Finding {
  return { id, severity, title, detail };
}

function renegotiationFindings(r: ReportFacts, x: TlsFeatures["renegotiation"]): Finding[] {
  const out: Finding[] = [];
  if (x.secure === false) {
    out.push(f("renegotiation-insecure", "critical", "No secure renegotiation (RFC 5746)", `The server does not answer the renegotiation_info extension in its ServerHello. Without it, a renegotiation lets anyone on the path put his own data in front of a client's (CVE-2009-3555), and clients built on OpenSSL 3 refuse to connect at all. Update the server's TLS library.`));
  }
  const on = r.target.access === "tls" ? "" : " after STARTTLS";
  if (x.clientInitiated === "unlimited") {
    // testssl.sh: MEDIUM for a server that does not speak HTTP (it rates HTTP servers HIGH).
    out.push(f("client-renegotiation", "medium", "Client-initiated renegotiation allowed, with no limit seen", `On one connection the server did all ${x.accepted} client-initiated renegotiations the check asked for. Each renegotiation costs the server a full handshake${on}, so a few clients can keep it busy (CVE-2011-1473). Refuse client-initiated renegotiation (OpenSSL: SSL_OP_NO_RENEGOTIATION; OpenSSL 3 refuses it unless told otherwise).`));
  } else if (x.clientInitiated === "limited") {
    // testssl.sh rates this MEDIUM on non-HTTP servers only because it does not look for a limit
    // there; on HTTP servers it rates a limited one (Node.js: 3 per 10 minutes) OK. A limit caps
    // the cost per connection, but the renegotiations done still cost handshakes: low.
    out.push(f("client-renegotiation", "low", `Client-initiated renegotiation allowed, limited to ${x.accepted} per connection`, `On one connection the server did ${x.accepted} client-initiated renegotiation${x.accepted === 1 ? "" : "s"}, then no more. The limit caps what one connection can cost the server (CVE-2011-1473), but refusing client-initiated renegotiation altogether is better (OpenSSL: SSL_OP_NO_RENEGOTIATION).`));
  }
  return out;
}

/** POODLE (CVE-2014-3566): SSL 3.0 with a CBC suite; testssl.sh rates a missing SCSV HIGH then. */
function poodle(r: ReportFacts): boolean {
  return r.ciphers.some((c) => c.version === "SSLv3" && c.suites.some((s) => s.weaknesses.includes("CBC")));
}

function protocolFeatureFindings(r: ReportFacts, x: TlsFeatures): Finding[] {
  const out: Finding[] = [];
  if (x.compression.offered === true) {
    // testssl.sh: MEDIUM when the service is not HTTP (no known way to make a mail client send
    // chosen data next to its secrets many times over), HIGH for HTTP.
    out.push(f("compression", "medium", "TLS compression enabled (CRIME)", `${x.compression.detail} Compressing data before encrypting it leaks secrets that share a record with data an attacker chooses (CRIME, CVE-2012-4929). Switch TLS compression off.`));
  }
  if (x.heartbeat.heartbleed === "vulnerable") {
    out.push(f("heartbleed", "critical", "Heartbleed: the server sends its memory (CVE-2014-0160)", `${x.heartbeat.detail} Anyone can read the server's memory, private keys and passwords included. Update OpenSSL, then replace the key and certificate and change passwords.`));
  } else if (x.heartbeat.extension === true) {
    // testssl.sh: OK when the extension does not leak; worth a line, as the extension has no use over TCP.
    out.push(f("heartbeat", "info", "Heartbeat extension offered", `${x.heartbeat.detail} The extension is meant for DTLS and has no use for mail over TCP; switching it off removes the code Heartbleed was in.`));
  }
  if (x.fallbackScsv.status === "not-supported") {
    const high = poodle(r);
    out.push(f("fallback-scsv-missing", high ? "high" : "medium", `No downgrade protection (TLS_FALLBACK_SCSV)${high ? " while SSL 3.0 is open to POODLE" : ""}`, `${x.fallbackScsv.detail} An attacker who breaks a client's first handshakes can make it retry with an older version (RFC 7507)${high ? ", down to SSL 3.0 with CBC suites (POODLE, CVE-2014-3566)" : ""}. Update the TLS library, or switch the older versions off.`));
  } else if (x.fallbackScsv.status === "handshake-failure") {
    // testssl.sh: "Probably OK" plus a MEDIUM line for the non-RFC alert. The downgrade is
    // stopped, only the alert is wrong, and clients treat both alerts as a failed handshake: low.
    out.push(f("fallback-scsv-wrong-alert", "low", "Downgrades stopped with the wrong alert", `${x.fallbackScsv.detail} The downgrade is stopped all the same.`));
  }
  return out;
}

/** testssl.sh's pr_dh_quality: ≤ 600 bits critical, ≤ 800 high, ≤ 1280 medium, < 2048 info. */
function dhSeverity(bits: number): Severity | null {
  if (bits <= 600) return "critical";
  if (bits <= 800) return "high";
  if (bits <= 1280) return "medium";
  return bits < 2048 ? "info" : null;
}

/** testssl.sh's pr_ecdh_quality for the weakest curve: ≤ 163 bits medium, ≤ 193 low, ≤ 224 info. */
function curveSeverity(bits: number): Severity {
  return bits <= 163 ? "medium" : bits <= 193 ? "low" : "info";
}

function groupFindings(x: TlsFeatures["keyExchange"]): Finding[] {
  const out: Finding[] = [];
  const dh = x.dhBits !== null ? dhSeverity(x.dhBits) : null;
  if (x.dhBits !== null && dh !== null) {
    const group = x.dhGroup !== null ? ` (${x.dhGroup})` : "";
    out.push(f("dh-group-weak", dh, `DHE with a ${x.dhBits}-bit group${group}`, `${x.detail} Groups under 2048 bits can be broken by well-funded attackers, and a 1024-bit group shared by many servers is the Logjam target (CVE-2015-4000). Use a 2048-bit group or larger (RFC 7919 ffdhe2048), or drop the DHE suites.`));
  }
  const weakest = Math.min(...x.weakCurves.map((w) => w.bits));
  if (x.weakCurves.length > 0) {
    out.push(f("ecdh-curve-weak", curveSeverity(weakest), `Weak ECDHE curves accepted: ${x.weakCurves.map((w) => w.name).join(", ")}`, `${x.detail} Curves under 256 bits fall short of today's minimum (RFC 8422 §5.1.1 deprecates them). Offer only X25519, P-256 and larger.`));
  }
  return out;
}

function revocationFindings(r: ReportFacts, x: TlsFeatures["ocspStapling"]): Finding[] {
  const out: Finding[] = [];
  const c = r.certificate;
  if (c === null) return out;
  if (x.certStatus === "revoked") {
    out.push(f("cert-revoked", "critical", "The stapled OCSP response says the certificate is revoked", `${x.detail} Clients that check revocation refuse the connection. Install a new certificate.`));
  } else if (x.stapled === true && x.responseStatus !== "successful") {
    // testssl.sh: WARN (a responder error inside the staple). Clients ignore such a staple.
    out.push(f("ocsp-stapled-error", "low", "The stapled OCSP response is an error", `${x.detail} Clients ignore it and may ask the responder themselves. Check the server's OCSP stapling and the responder.`));
  } else if (x.stapled === false && c.ocspUrls.length > 0) {
    out.push(f("ocsp-stapling-missing", "low", "No OCSP stapling", `${x.detail} Clients that check revocation must then ask the responder themselves, which is slower and tells the CA who connects where. Turn on OCSP stapling.`));
  }
  if (!c.selfSigned && c.crlUrls.length === 0 && c.ocspUrls.length === 0) {
    // testssl.sh: HIGH ("neither CRL nor OCSP URI provided"). Low here: no mail server checks
    // revocation when it delivers (Postfix, Exim; MTA-STS and DANE do not ask for it), and public
    // CAs must include one of the two (CA/Browser Forum Baseline Requirements §7.1.2), so a
    // certificate without both comes from a private CA, whose revocation is its operator's choice.
    out.push(f("cert-no-revocation", "low", "Certificate has neither a CRL nor an OCSP URL", "If its key leaks, clients cannot learn that the certificate was revoked and trust it until it expires. Certificates from public CAs always carry one; for a private CA, add a CRL distribution point."));
  }
  return out;
}

const VERSIONS_BELOW_13: readonly TlsVersionName[] = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"];

/** The suites of `versions` that match, as "TLS 1.0: A, B; TLS 1.1: C". */
function suitesBy(r: ReportFacts, versions: readonly TlsVersionName[], match: (name: string, cbc: boolean) => boolean): string[] {
  const hits: string[] = [];
  for (const list of r.ciphers) {
    if (!versions.includes(list.version)) continue;
    const names = list.suites.filter((s) => match(s.name, s.weaknesses.includes("CBC"))).map((s) => s.name);
    if (names.length > 0) hits.push(`${versionLabel(list.version)}: ${names.join(", ")}`);
  }
  return hits;
}

/** DES, 3DES, IDEA and RC2 have 64-bit blocks, in TLS and SSLv2 suite names alike. */
const SIXTY_FOUR_BIT = /_(3DES|DES\d*|RC2|IDEA)_/;

function cbcFindings(r: ReportFacts): Finding[] {
  const out: Finding[] = [];
  const beast = suitesBy(r, ["SSLv3", "TLSv1"], (_, cbc) => cbc);
  if (beast.length > 0) {
    const mitigated = offered(r, "TLSv1.1") || offered(r, "TLSv1.2") || offered(r, "TLSv1.3");
    out.push(f("beast", mitigated ? "low" : "medium", "CBC suites with TLS 1.0 or SSL 3.0 (BEAST)", `Their predictable IVs let an attacker who can inject data into a client's connection decrypt parts of it (BEAST, CVE-2011-3389). ${mitigated ? "Clients that speak TLS 1.1 or newer, which the server also offers, are not affected." : "The server offers nothing newer, so every client is exposed."} Switch TLS 1.0 and SSL 3.0 off. (${beast.join("; ")})`));
  }
  const lucky = suitesBy(r, VERSIONS_BELOW_13.filter((v) => v !== "SSLv2"), (_, cbc) => cbc);
  if (lucky.length > 0) {
    out.push(f("lucky13", "low", "CBC suites (LUCKY13)", `CBC suites check the padding and the MAC in a way whose timing can leak plaintext (LUCKY13, CVE-2013-0169); current TLS libraries make the timing constant. Prefer AES-GCM or ChaCha20-Poly1305 suites and drop CBC where clients allow. (${lucky.join("; ")})`));
  }
  const sweet = suitesBy(r, VERSIONS_BELOW_13, (name) => SIXTY_FOUR_BIT.test(name));
  if (sweet.length > 0) {
    out.push(f("sweet32", "low", "64-bit block ciphers (SWEET32)", `After some 32 GB in one session, blocks repeat and reveal plaintext (SWEET32, CVE-2016-2183). Remove DES, 3DES, IDEA and RC2 suites. (${sweet.join("; ")})`));
  }
  return out;
}

/** The findings for features and for what the scan's suites imply (BEAST, LUCKY13, SWEET32). */
export function vulnerabilityFindings(r: ReportFacts): Finding[] {
  const x = r.features;
  const fromFeatures = x === null ? [] : [...renegotiationFindings(r, x.renegotiation), ...protocolFeatureFindings(r, x), ...groupFindings(x.keyExchange), ...revocationFindings(r, x.ocspStapling)];
  return [...fromFeatures, ...cbcFindings(r)];
}
