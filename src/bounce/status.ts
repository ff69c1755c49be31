/**
 * RFC 3463 enhanced status codes for delivery problems (subjects and details as registered per
 * RFC 5248), and reading the code out of a remote SMTP reply (RFC 5321 §4.2, RFC 2034 §4).
 *
 * TLS and certificate problems are class 4, as Postfix reports them ("TLS is required, but was not
 * offered" 4.7.4, handshake and certificate failures 4.7.5): the receiving side can fix them, so the
 * queue retries. RFC 3463 §3.1 allows class 4 with Action: failed ("persistence of some temporary
 * condition has caused abandonment"), which is what a bounce after expiry reports (4.4.7).
 */
import type { DeliveryProblem } from "./problems.ts";

/** A remote reply split into its parts: "550 5.1.1 <x@y>: unknown user". */
interface ParsedReply {
  /** The three-digit reply code, or null when the text has none. */
  code: number | null;
  /** The enhanced status code (RFC 2034 §4) from the first line, or null. */
  enhanced: string | null;
  /** The reply's lines with code and enhanced code removed, for reading. */
  text: string[];
}

const LINE = /^([2-5]\d\d)(?:[ -]|$)\s*(?:([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$))?\s*(.*)$/;

/** Splits a reply as received (one or more lines, "550-…\r\n550 …") into code, enhanced code and text. */
export function parseReply(reply: string): ParsedReply {
  const lines = reply.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l !== "");
  let code: number | null = null;
  let enhanced: string | null = null;
  const text: string[] = [];
  lines.forEach((line, i) => {
    const m = LINE.exec(line);
    if (m === null) {
      text.push(line);
      return;
    }
    if (i === 0) {
      code = Number(m[1]);
      if (m[2] !== undefined) enhanced = `${m[2]}.${Number(m[3])}.${Number(m[4])}`;
    }
    if (m[5] !== undefined && m[5] !== "") text.push(m[5]);
  });
  return { code, enhanced, text };
}

/**
 * The RFC 3463 status for one problem:
 * - connect 4.4.1 (no answer from host), protocol 4.4.2 (bad connection), dns 4.4.3 (routing server failure);
 * - no-starttls, tls-version, weak-cipher 4.7.4 (security features not supported by the destination);
 * - tls-handshake and certificate 4.7.5 (cryptographic failure); mta-sts-mismatch 4.7.0 (security policy);
 * - dane-lookup 4.7.5, as Postfix reports a TLSA lookup error (no safe connection could be set up);
 * - requiretls 5.7.30 "REQUIRETLS support required" (RFC 8689 §7.3; the reply code 550), whatever the cause;
 * - null-mx 5.1.10 (RFC 7505 §4.2), no-such-domain 5.1.2 (bad destination system address);
 * - rejected: the remote's enhanced code when it gave one, with the class of its reply code; else x.0.0;
 * - expired 4.4.7 (delivery time expired); operator 5.0.0.
 */
export function statusOf(p: DeliveryProblem): string {
  switch (p.kind) {
    case "connect":
      return "4.4.1";
    case "protocol":
      return "4.4.2";
    case "dns":
      return "4.4.3";
    case "no-starttls":
    case "tls-version":
    case "weak-cipher":
      return "4.7.4";
    case "tls-handshake":
    case "certificate":
    case "dane-lookup":
      return "4.7.5";
    case "mta-sts-mismatch":
      return "4.7.0";
    case "requiretls":
      return "5.7.30";
    case "null-mx":
      return "5.1.10";
    case "no-such-domain":
      return "5.1.2";
    case "rejected":
      return rejectedStatus(p.reply, p.permanent);
    case "expired":
      return "4.4.7";
    case "operator":
      return "5.0.0";
    default:
      return "5.0.0";
  }
}

function rejectedStatus(reply: string, permanent: boolean): string {
  const r = parseReply(reply);
  // The reply code's class wins (RFC 3463 §2: the class of the enhanced code must agree with it).
  const replyClass = r.code !== null && r.code >= 400 ? String(Math.floor(r.code / 100)) : permanent ? "5" : "4";
  if (r.enhanced === null) return `${replyClass}.0.0`;
  return `${replyClass}${r.enhanced.slice(1)}`;
}
