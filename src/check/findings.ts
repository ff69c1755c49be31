/**
 * The rules that turn a report's facts into findings, each with a stable id and a severity.
 *
 * Severities follow RFC 8996 (TLS 1.0/1.1 deprecated), RFC 7568 (SSL 3.0), RFC 6176 (SSL 2.0),
 * RFC 9325 §4.1 and RFC 7465 (NULL, EXPORT, anonymous, RC4, DES/3DES), RFC 6151 and RFC 9155 (MD5,
 * SHA-1 signatures) and the BSI minimum standard (TLS 1.2 and up, forward secrecy).
 *
 * Certificate problems (untrusted chain, self-signed, name mismatch, expired) are high on every
 * port, implicit-TLS user ports (993, 995, 465) included: mail programs refuse such a certificate or
 * teach their users to click through a warning, and senders that require a valid certificate
 * (Microsoft 365, MTA-STS, DANE-less verify policies) turn away from an MX that shows one. Only
 * the missing STARTTLS on a mail port and the injection flaw are equally high; low and info lines
 * never affect the exit status.
 *
 * What testssl.sh's vulnerability scan reports (renegotiation, compression, Heartbleed, fallback
 * SCSV, groups, OCSP stapling, BEAST, LUCKY13, SWEET32, revocation URLs) is in findings-vulns.ts.
 */
import { versionLabel, type Weakness } from "../tls/index.ts";
import { isWeakSignature } from "./certificate.ts";
import { vulnerabilityFindings } from "./findings-vulns.ts";
import { offered, type ReportFacts } from "./report-facts.ts";
import type { CertificateInfo, Finding, Severity } from "./types.ts";

export { offered, type ReportFacts } from "./report-facts.ts";

/** Facts the report does not carry. */
export interface FindingNotes {
  /** Why the certificate could not be read (handshake failure …). */
  certificateError?: string | null;
  /** The server announced STARTTLS but refused it: its reply. */
  starttlsRefused?: string | null;
  /** false: the server accepts STARTTLS without announcing it (EHLO, CAPABILITY, CAPA). */
  starttlsAnnounced?: boolean | null;
}

const SEVERITY_ORDER: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

/** The exit-status rule of every check (single target and --mx): any finding above low is a problem. */
export function hasProblems(findings: readonly Finding[]): boolean {
  return findings.some((f) => SEVERITY_ORDER.indexOf(f.severity) < SEVERITY_ORDER.indexOf("low"));
}

/** critical first; stable within a severity. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

const EXPIRY_WARNING_DAYS = 14;

interface WeaknessRule {
  id: string;
  severity: Severity;
  what: string;
  why: string;
}

/** One finding per weakness, naming the suites and versions. Order: worst first. */
const WEAKNESS_RULES: ReadonlyArray<[Weakness, WeaknessRule]> = [
  ["NULL", { id: "cipher-null", severity: "critical", what: "NULL cipher suites (no encryption)", why: "they send mail unencrypted inside TLS" }],
  ["EXPORT", { id: "cipher-export", severity: "critical", what: "EXPORT cipher suites", why: "their 40/56-bit keys are broken in minutes (FREAK, Logjam)" }],
  ["anonymous", { id: "cipher-anon", severity: "critical", what: "anonymous cipher suites", why: "they authenticate no one, so anyone on the path can intercept" }],
  ["RC4", { id: "cipher-rc4", severity: "high", what: "RC4 cipher suites", why: "RC4 is broken and forbidden by RFC 7465" }],
  ["DES", { id: "cipher-des", severity: "high", what: "single-DES cipher suites", why: "56-bit DES is broken" }],
  ["3DES", { id: "cipher-3des", severity: "high", what: "3DES cipher suites", why: "64-bit blocks make long sessions decryptable (Sweet32, CVE-2016-2183)" }],
  ["MD5", { id: "cipher-md5", severity: "high", what: "cipher suites with MD5 MACs", why: "MD5 is broken (RFC 6151)" }],
  ["no-forward-secrecy", { id: "cipher-no-fs", severity: "medium", what: "cipher suites without forward secrecy", why: "whoever obtains the server's key later can decrypt recorded sessions" }],
  ["IDEA", { id: "cipher-idea", severity: "low", what: "IDEA cipher suites", why: "IDEA has 64-bit blocks and was removed from TLS 1.2" }],
  ["SEED", { id: "cipher-seed", severity: "low", what: "SEED cipher suites", why: "SEED is rarely supported and has no AEAD mode" }],
  ["unknown", { id: "cipher-unknown", severity: "low", what: "cipher suites we do not know", why: "their strength cannot be judged" }],
];

function f(id: string, severity: Severity, title: string, detail: string): Finding {
  return { id, severity, title, detail };
}

/** "2026-01-05" from an ISO time. */
export function isoDay(iso: string): string {
  return iso.slice(0, 10);
}

function protocolFindings(r: ReportFacts): Finding[] {
  const out: Finding[] = [];
  if (r.protocols.length === 0) return out;
  if (offered(r, "SSLv2")) out.push(f("sslv2-offered", "critical", "SSL 2.0 offered", "SSL 2.0 is broken (RFC 6176, DROWN) and lets attackers decrypt other sessions that share the key. Switch it off in the server's TLS settings."));
  if (offered(r, "SSLv3")) out.push(f("sslv3-offered", "high", "SSL 3.0 offered", "SSL 3.0 is broken (POODLE; RFC 7568 forbids it). Switch it off; no mail program of the last decade needs it."));
  for (const v of ["TLSv1", "TLSv1.1"] as const) {
    if (!offered(r, v)) continue;
    const id = v === "TLSv1" ? "tls1_0-offered" : "tls1_1-offered";
    out.push(f(id, "medium", `${versionLabel(v)} offered`, `${versionLabel(v)} is deprecated (RFC 8996) and below the BSI minimum of TLS 1.2. Before switching it off, check which devices still use it (sealpost tls-report, sealpost history).`));
  }
  const modern = offered(r, "TLSv1.2") || offered(r, "TLSv1.3");
  const any = r.protocols.some((p) => p.offered);
  if (!any) out.push(f("no-tls", "critical", "No TLS handshake succeeded", "The server accepted none of our hellos (SSL 2.0 to TLS 1.3). Check that TLS is configured on this port with a certificate and key."));
  else if (!modern) out.push(f("no-tls12", "critical", "Neither TLS 1.2 nor TLS 1.3 offered", "Senders and mail programs that require TLS 1.2 (the BSI minimum, Microsoft 365, current Apple and Google clients) cannot connect securely. Enable TLS 1.2 and 1.3."));
  if (modern && !offered(r, "TLSv1.3")) out.push(f("tls1_3-missing", "low", "TLS 1.3 not offered", "TLS 1.3 is faster and drops every legacy cipher suite. Enable it when the server software supports it."));
  if (r.gaps.length > 0) {
    const some = r.gaps.slice(0, 3).join("; ");
    out.push(f("scan-incomplete", "medium", "The scan is incomplete", `${r.gaps.length} probe(s) got no answer (${some}${r.gaps.length > 3 ? "; …" : ""}), so a version or cipher suite may be missing from this report. A connection rate limit often causes this: allow this address more connections, or check again later.`));
  }
  if (modern && r.gaps.length === 0 && !offered(r, "SSLv2") && !offered(r, "SSLv3") && !offered(r, "TLSv1") && !offered(r, "TLSv1.1")) {
    const list = (["TLSv1.3", "TLSv1.2"] as const).filter((v) => offered(r, v)).map(versionLabel).join(" and ");
    out.push(f("protocols-ok", "info", `Only ${list} offered`, "No deprecated protocol version is offered."));
  }
  return out;
}

function cipherFindings(r: ReportFacts): Finding[] {
  const out: Finding[] = [];
  let weak = false;
  for (const [weakness, rule] of WEAKNESS_RULES) {
    const hits: string[] = [];
    for (const list of r.ciphers) {
      const names = list.suites.filter((s) => s.weaknesses.includes(weakness)).map((s) => s.name);
      if (names.length > 0) hits.push(`${versionLabel(list.version)}: ${names.join(", ")}`);
    }
    if (hits.length === 0) continue;
    if (weakness === "anonymous" && r.target.access === "smtp") {
      // Opportunistic SMTP (RFC 7435): Postfix offers anonymous suites on purpose; a sender that
      // verifies certificates never proposes them, and one that does not is no worse off than
      // with an unverified certificate. Worth knowing, not an alarm.
      out.push(f(rule.id, "low", `Accepts ${rule.what}`, `The server accepts ${rule.what} for opportunistic STARTTLS (RFC 7435), as Postfix does by default. Senders that verify certificates never offer them, so they do not weaken verified delivery; drop them (aNULL) if only verified TLS should be possible. (${hits.join("; ")})`));
      continue;
    }
    if (rule.severity !== "low") weak = true;
    out.push(f(rule.id, rule.severity, `Accepts ${rule.what}`, `The server accepts ${rule.what} — ${rule.why}. Remove them from the server's cipher list. (${hits.join("; ")})`));
  }
  for (const list of r.ciphers) {
    if (list.version === "TLSv1.3" || list.suites.length === 0) continue;
    const aead = list.suites.some((s) => /GCM|CCM|POLY1305/.test(s.name));
    if (!aead && list.version === "TLSv1.2") {
      out.push(f("cipher-cbc-only", "low", "TLS 1.2 has only CBC cipher suites", "Every TLS 1.2 suite the server accepts uses CBC mode, which has a history of padding-oracle attacks (Lucky13). Add AES-GCM or ChaCha20-Poly1305 suites."));
    }
    const hasWeak = list.suites.some((s) => s.weaknesses.some((w) => w !== "CBC"));
    if (list.serverOrder === false && hasWeak) {
      out.push(f(`client-order-${list.version.toLowerCase().replace(/[^a-z0-9]+/g, "_")}`, "low", `${versionLabel(list.version)}: the client picks the cipher suite`, "The server follows the client's order, so a client that prefers a weak suite gets it. Make the server enforce its own order (e.g. Postfix tls_preempt_cipherlist = yes, Dovecot ssl_prefer_server_ciphers = yes)."));
    }
  }
  if (!weak && r.gaps.length === 0 && r.ciphers.some((c) => c.suites.length > 0)) out.push(f("ciphers-ok", "info", "No weak cipher suites accepted", "Every accepted suite has forward secrecy and a strong cipher."));
  return out;
}

function certificateFindings(r: ReportFacts, notes: FindingNotes): Finding[] {
  const out: Finding[] = [];
  const c = r.certificate;
  if (c === null) {
    if (r.protocols.some((p) => p.offered)) {
      const why = notes.certificateError ?? "the handshake did not complete";
      out.push(f("cert-unavailable", "medium", "Certificate could not be read", `Our TLS 1.0–1.3 handshake to read the certificate failed (${why}), so the certificate was not checked.`));
    }
    return out;
  }
  const now = Date.parse(r.startedAt);
  if (Date.parse(c.notAfter) < now) out.push(f("cert-expired", "high", `Certificate expired on ${isoDay(c.notAfter)}`, "Clients that check certificates refuse the connection. Renew the certificate and reload the server."));
  else if (Date.parse(c.notBefore) > now) out.push(f("cert-not-yet-valid", "high", `Certificate not valid before ${isoDay(c.notBefore)}`, "Clients that check certificates refuse it until then. Check the server's clock and the certificate's start date."));
  else if (c.daysLeft <= EXPIRY_WARNING_DAYS) out.push(f("cert-expiring", "medium", `Certificate expires in ${c.daysLeft} day${c.daysLeft === 1 ? "" : "s"} (${isoDay(c.notAfter)})`, "Renew it now, and check that automatic renewal works and reloads the server."));
  if (!c.trusted && !onlyValidityError(c, now)) {
    if (c.selfSigned) out.push(f("cert-self-signed", "high", "Self-signed certificate", "No client trusts it unless told to. Use a certificate from a public CA (e.g. Let's Encrypt) for every name clients and senders use."));
    else out.push(f("cert-untrusted", "high", "Certificate does not chain to a trusted root", `OpenSSL's verdict: ${c.verifyError ?? "unknown"}. ${chainHint(c.verifyError)}`));
  }
  const failed = c.nameChecks.filter((n) => !n.matches).map((n) => n.name);
  const servername = r.target.servername;
  const presented = c.names.length > 0 ? c.names.join(", ") : "no host name";
  if (servername !== null && failed.some((n) => n.toLowerCase() === servername.toLowerCase())) {
    out.push(f("cert-name-mismatch", "high", `Certificate does not name ${servername}`, `It names ${presented}. Clients that check the name refuse it (RFC 6125). Add ${servername} to the certificate's subjectAltName.`));
  }
  const otherFailed = failed.filter((n) => servername === null || n.toLowerCase() !== servername.toLowerCase());
  if (otherFailed.length > 0) {
    out.push(f("cert-mx-name-mismatch", "high", `Certificate does not name the MX host${otherFailed.length === 1 ? "" : "s"} ${otherFailed.join(", ")}`, `It names ${presented}. Senders that verify the MX host name (MTA-STS, RFC 8461) refuse it. Add ${otherFailed.join(", ")} to the certificate.`));
  }
  if (c.nameChecks.length === 0) out.push(f("cert-name-unchecked", "info", "Certificate names not checked", `The target is an address and no name was given, so the names (${presented}) were not checked. Give the host name to check them.`));
  const weakKey = c.keyBits !== null && (["RSA", "RSA-PSS", "DSA", "DH"].includes(c.keyType) ? c.keyBits < 2048 : c.keyType === "EC" ? c.keyBits < 256 : false);
  if (weakKey) out.push(f("cert-weak-key", "high", `Weak ${c.keyType} key (${c.keyBits} bits)`, "Keys this small can be broken. Issue a new certificate with an RSA key of at least 2048 bits or an EC P-256 key."));
  if (isWeakSignature(c.signatureAlgorithm)) out.push(f("cert-weak-signature", "medium", `Certificate signed with ${c.signatureAlgorithm}`, "MD5 and SHA-1 signatures can be forged (RFC 6151, RFC 9155); current clients reject them. Reissue the certificate with SHA-256."));
  if (out.length === 0) out.push(f("cert-ok", "info", "Certificate valid and trusted", `Issued to ${presented} by ${c.issuer}, valid until ${isoDay(c.notAfter)}.`));
  return out;
}

/**
 * The server's certificate of the other key type: the same rules, its problems named as that
 * certificate's (clients that prefer its key type get it). Its all-clear adds nothing.
 */
function otherCertificateFindings(r: ReportFacts, notes: FindingNotes): Finding[] {
  return r.otherCertificates.flatMap((c) =>
    certificateFindings({ ...r, certificate: c }, notes)
      .filter((x) => x.severity !== "info")
      .map((x) => ({ ...x, title: `${c.keyType} certificate: ${x.title}`, detail: `Clients that prefer ${c.keyType} keys get this second certificate. ${x.detail}` })),
  );
}

/**
 * OpenSSL reports one verify error, the last it found; for a leaf outside its validity period that
 * is CERT_HAS_EXPIRED / CERT_NOT_YET_VALID, which the validity findings already cover.
 */
export function onlyValidityError(c: CertificateInfo, now: number): boolean {
  const leafOutside = Date.parse(c.notAfter) < now || Date.parse(c.notBefore) > now;
  return leafOutside && !c.selfSigned && (c.verifyError === "CERT_HAS_EXPIRED" || c.verifyError === "CERT_NOT_YET_VALID");
}

function chainHint(code: string | null): string {
  switch (code) {
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
      return "The server probably does not send its intermediate certificates: configure the full chain (leaf first, then intermediates), or the issuing CA is not a public one.";
    case "SELF_SIGNED_CERT_IN_CHAIN":
      return "The chain ends in a private root that clients do not trust. Use a certificate from a public CA.";
    case "CERT_HAS_EXPIRED":
      return "A certificate in the chain has expired: update the intermediates the server sends.";
    default:
      return "Clients that check certificates refuse it. Use a certificate from a public CA and send the full chain.";
  }
}

function starttlsFindings(r: ReportFacts, notes: FindingNotes): Finding[] {
  const s = r.starttls;
  if (s === null) return [];
  const cmd = s.protocol === "pop3" ? "STLS" : "STARTTLS";
  const proto = s.protocol.toUpperCase();
  if (!s.offered) {
    return [f("starttls-not-offered", "high", `${cmd} not offered`, `The ${proto} server on port ${r.target.port} does not offer ${cmd}, so everything — passwords and mail — travels in plaintext. Configure a certificate and enable ${cmd}.`)];
  }
  const out: Finding[] = [];
  if (notes.starttlsAnnounced === false) {
    const where = s.protocol === "smtp" ? "EHLO reply" : s.protocol === "imap" ? "CAPABILITY list" : "CAPA list";
    out.push(f("starttls-not-announced", "medium", `${cmd} accepted but not announced`, `The server accepts ${cmd} but does not list it in its ${where}, so senders and mail programs that look for it stay in plaintext. Announce ${cmd}.`));
  }
  if (s.injection === "vulnerable") return [...out, f("starttls-injection", "high", `${cmd} command injection (CVE-2011-0411)`, s.detail)];
  if (notes.starttlsRefused !== undefined && notes.starttlsRefused !== null) {
    return [f("starttls-refused", "high", `${cmd} refused`, `The server announces ${cmd} but refuses it (${notes.starttlsRefused}), so mail and passwords travel in plaintext. Check the server's certificate and TLS settings.`)];
  }
  if (s.injection === "not-vulnerable") out.push(f("starttls-ok", "info", `${cmd} offered, not vulnerable to command injection`, s.detail));
  return out;
}

/** Every finding for the report, worst first. */
export function buildFindings(r: ReportFacts, notes: FindingNotes = {}): Finding[] {
  if (r.error !== null) return [];
  return sortFindings([
    ...starttlsFindings(r, notes),
    ...protocolFindings(r),
    ...cipherFindings(r),
    ...certificateFindings(r, notes),
    ...otherCertificateFindings(r, notes),
    ...vulnerabilityFindings(r),
  ]);
}
