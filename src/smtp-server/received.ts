/**
 * The Received header (RFC 5321 §4.4) with the TLS details in a comment, in the style of
 * Postfix's smtpd_tls_received_header, and the with-protocol keywords of RFC 3848
 * (SMTP, ESMTP, ESMTPS, ESMTPSA; UTF8SMTP/UTF8SMTPS from RFC 6531 §3.7.3); and the count of
 * Received fields a message arrives with, for loop detection (RFC 5321 §6.3).
 */
import { fieldName, messageHead, scanHeader } from "../mime/index.ts";
import type { TlsInfo } from "../tls/index.ts";

interface ReceivedInfo {
  heloName: string | null;
  extended: boolean;
  clientIp: string;
  hostname: string;
  id: string;
  tls: TlsInfo | null;
  /** RFC 3848: "A" for an authenticated (submission) session. */
  authenticated: boolean;
  smtputf8: boolean;
  /** The client asked for REQUIRETLS (RFC 8689): said in the TLS comment, for whoever reads the message. */
  requireTls?: boolean;
  /** Named in a "for" clause only when there is exactly one (RFC 5321 §4.4, privacy). */
  recipients: readonly string[];
  date: Date;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number): string => String(n).padStart(2, "0");

/** RFC 5322 §3.3 date-time, in UTC. */
export function rfc5322Date(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function addressLiteral(ip: string): string {
  return ip.includes(":") ? `[IPv6:${ip}]` : `[${ip}]`;
}

/** The HELO argument, made safe for a header comment. */
function cleanName(name: string): string {
  return name.replace(/[^\x21-\x7e]/g, "?").replace(/[()\\]/g, "?").slice(0, 255);
}

function tlsComment(tls: TlsInfo | null): string {
  return tls !== null ? `using ${tls.version} with cipher ${tls.cipher}${tls.cipherOpenSsl !== tls.cipher ? ` [${tls.cipherOpenSsl}]` : ""}` : "no TLS: plaintext session";
}

/** The "for" clause (only for exactly one recipient) and the date that ends every stamp. */
function finish(lines: string[], recipients: readonly string[], date: Date): string {
  const single = recipients.length === 1 ? recipients[0] : undefined;
  if (single !== undefined) lines.push(`\tfor <${single}>; ${rfc5322Date(date)}`);
  else lines[lines.length - 1] += `; ${rfc5322Date(date)}`;
  return lines.join("\r\n") + "\r\n";
}

export function receivedHeader(r: ReceivedInfo): string {
  const proto = (r.smtputf8 ? "UTF8" : "") + (r.extended ? "ESMTP" : "SMTP") + (r.tls !== null ? "S" : "") + (r.authenticated ? "A" : "");
  const helo = r.heloName === null ? "unknown" : cleanName(r.heloName);
  const tls = tlsComment(r.tls) + (r.requireTls === true ? "; REQUIRETLS" : "");
  const lines = [`Received: from ${helo} (${addressLiteral(r.clientIp)})`, `\tby ${r.hostname} (Sealpost) with ${proto} id ${r.id}`, `\t(${tls})`];
  return finish(lines, r.recipients, r.date);
}

/**
 * The Received header of a message written in the webmail (submit-message.ts). RFC 5321 §4.4: the
 * "with" clause is optional, and only names registered in IANA's Mail Transmission Types (SMTP,
 * ESMTP, RFC 3848's ESMTPS/ESMTPA/ESMTPSA, ...) SHOULD be used. No SMTP was spoken, so none of them
 * is true ("ESMTPSA" would claim STARTTLS and SMTP AUTH) and "HTTPS" is not registered: the clause
 * is left out, as Postfix's pickup does for mail that did not come over SMTP ("by host (Postfix,
 * from userid 1000) id X"), and a comment says how it came: over HTTPS from a signed-in web
 * session, with the connection's TLS. There is no EHLO name, so the From-domain is the client's
 * address literal, with the same literal as its TCP-info (§4.4's Extended-Domain).
 */
export function webReceivedHeader(r: Pick<ReceivedInfo, "clientIp" | "hostname" | "id" | "tls" | "recipients" | "date">): string {
  const literal = addressLiteral(r.clientIp);
  const lines = [`Received: from ${literal} (${literal})`, `\tby ${r.hostname} (Sealpost webmail, authenticated over HTTPS) id ${r.id}`, `\t(${tlsComment(r.tls)})`];
  return finish(lines, r.recipients, r.date);
}

/**
 * How much of a message's start SMTP reads for its header section: the Received count here, the
 * TLS-Required field (tls-required.ts), the From check (author-check.ts).
 */
export const MAX_HEAD = 256 * 1024;

/**
 * Received fields in the message's header section (up to the first empty line, within its first
 * MAX_HEAD bytes), counted up to `limit`, by mime's one header scanner: one pass over the head's
 * lines, linear in its size.
 */
export function countReceived(parts: readonly Buffer[], limit = Infinity): number {
  if (limit <= 0) return 0;
  const head = messageHead(parts, MAX_HEAD);
  let n = 0;
  scanHeader(head, 0, head.length, (start, colon) => {
    // RFC 5322 §4.5.3: blanks may stand before the colon ("Received :").
    if (colon - start >= 8 && fieldName(head, start, colon) === "received") n++;
    return n < limit;
  });
  return n;
}
