/**
 * The two questions an administrator asks, answered in plain words with the reason:
 *
 * - strictSenders: will mail from senders that require TLS 1.2 and a valid certificate (Microsoft
 *   365's TLS enforcement, MTA-STS enforce, RFC 8461 §4, Postfix "verify") reach this server? Yes
 *   iff TLS 1.2 or 1.3 is offered, STARTTLS is offered (SMTP), and the certificate chains to a
 *   trusted root, names every host checked (RFC 6125) and is within its validity period.
 * - legacyClients: can mail programs limited to TLS 1.0/1.1 connect? Yes iff TLS 1.0 or 1.1 is
 *   offered (RFC 8996 deprecates both).
 */
import { versionLabel } from "../tls/index.ts";
import { isoDay as day, offered, onlyValidityError, type ReportFacts } from "./findings.ts";
import type { CertificateInfo, CheckReport, Verdict } from "./types.ts";

const STRICT = "Mail from senders that require TLS 1.2 and a valid certificate (e.g. Microsoft 365)";
const LEGACY = "Mail programs limited to TLS 1.0/1.1";
/** Ports mail servers deliver to (25) or that carry mail submission (587, 465). */
const MAIL_PORTS: ReadonlySet<number> = new Set([25, 465, 587]);


function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

/** The offered versions, newest first, as labels ("TLS 1.3", "TLS 1.2"). */
function offeredLabels(r: ReportFacts): string[] {
  return r.protocols
    .filter((p) => p.offered)
    .map((p) => p.version)
    .reverse()
    .map(versionLabel);
}

/** Why a client that requires TLS 1.2 and a valid certificate would be turned away (empty: it would not). */
function strictReasons(r: ReportFacts): string[] {
  const reasons: string[] = [];
  const s = r.starttls;
  if (s !== null && !s.offered) return [`it does not offer ${s.protocol === "pop3" ? "STLS" : "STARTTLS"}`];
  if (r.protocols.length === 0 || !r.protocols.some((p) => p.offered)) {
    return [s !== null ? `its ${s.protocol === "pop3" ? "STLS" : "STARTTLS"} does not lead to a TLS session` : "no TLS handshake with it succeeded"];
  }
  if (!offered(r, "TLSv1.2") && !offered(r, "TLSv1.3")) reasons.push(`it offers only ${joinWords([...offeredLabels(r)].reverse())}`);
  const c = r.certificate;
  if (c === null) return [...reasons, "its certificate could not be read"];
  reasons.push(...certificateReasons(r, c));
  // A second certificate (RSA beside ECDSA): senders that prefer its key type get it.
  for (const other of r.otherCertificates) {
    for (const why of certificateReasons(r, other)) reasons.push(`${why.replace(/^its certificate/, `its ${other.keyType} certificate`)} (senders that prefer ${other.keyType} get that one)`);
  }
  return reasons;
}

function certificateReasons(r: ReportFacts, c: CertificateInfo): string[] {
  const reasons: string[] = [];
  const now = Date.parse(r.startedAt);
  if (Date.parse(c.notAfter) < now) reasons.push(`its certificate expired on ${day(c.notAfter)}`);
  else if (Date.parse(c.notBefore) > now) reasons.push(`its certificate is valid only from ${day(c.notBefore)}`);
  if (!c.trusted && !onlyValidityError(c, now)) {
    reasons.push(c.selfSigned ? "its certificate is self-signed" : `its certificate does not chain to a trusted root (${c.verifyError ?? "unknown"})`);
  }
  const failed = c.nameChecks.filter((n) => !n.matches).map((n) => n.name);
  if (failed.length > 0) reasons.push(`its certificate does not name ${joinWords(failed)}`);
  return reasons;
}

function isMailServer(r: ReportFacts): boolean {
  return r.target.access === "smtp" || MAIL_PORTS.has(r.target.port);
}

function describeAccess(r: ReportFacts): string {
  const a = r.target.access;
  return a === "tls" ? `implicit TLS on port ${r.target.port}` : `${a.toUpperCase()} with STARTTLS on port ${r.target.port}`;
}

export function strictSendersVerdict(r: ReportFacts): Verdict {
  if (r.error !== null) return { ok: false, text: `Could not tell whether senders that require TLS 1.2 and a valid certificate reach this server: the check did not run (${r.error}).` };
  const reasons = strictReasons(r);
  const ok = reasons.length === 0;
  const c = r.certificate;
  const good = (): string => {
    const names = c !== null && c.nameChecks.length > 0 ? ` for ${joinWords(c.nameChecks.map((n) => n.name))}` : "";
    const unchecked = c !== null && c.nameChecks.length === 0 ? " (its names were not checked: give the host name)" : "";
    const versions = joinWords(offeredLabels(r).filter((l) => l === "TLS 1.3" || l === "TLS 1.2"));
    return `it offers ${versions} with a trusted certificate${names}, valid until ${day(c?.notAfter ?? "")}${unchecked}`;
  };
  if (isMailServer(r)) {
    return ok
      ? { ok, text: `${STRICT} will reach this server: ${good()}.` }
      : { ok, text: `${STRICT} will not reach this server, because ${joinWords(reasons)}.` };
  }
  const lead = `This is not a mail server port (${describeAccess(r)}), so senders do not deliver here; clients that require TLS 1.2 and a valid certificate`;
  return ok ? { ok, text: `${lead} will be able to connect: ${good()}.` } : { ok, text: `${lead} will not be able to connect, because ${joinWords(reasons)}.` };
}

export function legacyClientsVerdict(r: ReportFacts): Verdict {
  if (r.error !== null) return { ok: false, text: `Could not tell whether mail programs limited to TLS 1.0/1.1 can connect: the check did not run (${r.error}).` };
  const s = r.starttls;
  if (s !== null && !s.offered) {
    return { ok: false, text: `${LEGACY} will not be able to use TLS: the server does not offer ${s.protocol === "pop3" ? "STLS" : "STARTTLS"} at all.` };
  }
  const legacy = (["TLSv1", "TLSv1.1"] as const).filter((v) => offered(r, v)).map(versionLabel);
  if (legacy.length > 0) return { ok: true, text: `${LEGACY} will be able to connect (the server still offers ${joinWords(legacy)}).` };
  const labels = offeredLabels(r);
  if (labels.length === 0) return { ok: false, text: `${LEGACY} will not be able to connect: no TLS handshake with the server succeeded.` };
  const list = labels.length === 2 && labels[0] === "TLS 1.3" && labels[1] === "TLS 1.2" ? "TLS 1.2 and 1.3" : joinWords([...labels].reverse());
  return { ok: false, text: `${LEGACY} will not be able to connect: the server offers only ${list}.` };
}

export function buildVerdicts(r: ReportFacts): CheckReport["verdicts"] {
  return { strictSenders: strictSendersVerdict(r), legacyClients: legacyClientsVerdict(r) };
}
