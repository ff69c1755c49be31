/**
 * Text helpers for building a DSN: cleaning untrusted strings (remote replies, certificate details),
 * word wrapping, RFC 5322 §2.2.3 header folding, RFC 2045 §6.7 quoted-printable and the RFC 5322 §3.3
 * date. Pure: no I/O.
 */

/** RFC 5322 §2.1.1: a line must be at most 998 octets; we stay well below. */
const MAX_LINE = 998;
/** RFC 5322 §2.1.1: lines should be at most 78 characters. */
export const WIDTH = 78;
/** The text part's width: below 76, so quoted-printable seldom has to break a line of plain ASCII. */
export const TEXT_WIDTH = 72;

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number): string => String(n).padStart(2, "0");

/** RFC 5322 §3.3 date-time in UTC ("Mon, 2 Mar 2026 10:00:00 +0000"). */
export function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** A date for people: "2 Mar 2026, 10:00 UTC". */
export function humanDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/**
 * Makes an untrusted string safe to show on one line: control characters (C0, DEL, C1) become spaces,
 * runs of blanks collapse, and the result is cut to `max` characters (with "…").
 */
export function clean(s: string, max = 500): string {
  const one = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").replace(/ {2,}/g, " ").trim();
  if (one.length <= max) return one;
  return `${one.slice(0, max - 1).trimEnd()}…`;
}

/** `clean`, then anything outside printable US-ASCII becomes "?" (message/delivery-status is 7bit, RFC 3464 §2.1). */
export function ascii(s: string, max = 500): string {
  return clean(s, max).replace(/…$/, "...").replace(/[^\x20-\x7e]/g, "?");
}

/** True when `s` has a character that would break a header line or a protocol field. */
export function hasControl(s: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(s);
}

/**
 * Wraps text at word boundaries into lines of at most `width` characters, each starting with `indent`.
 * A word longer than a line stays whole on a line of its own (a URL is worth more unbroken; the
 * quoted-printable encoding keeps such a line short on the wire).
 */
export function wrap(text: string, width = TEXT_WIDTH, indent = ""): string[] {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line === "") line = indent + word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = indent + word;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * One header field (or delivery-status field, RFC 3464 §2.1) folded per RFC 5322 §2.2.3: lines break
 * before a space so that each stays within 78 characters where the words allow; a run without spaces
 * longer than the hard limit is split (adding a space) so no line reaches 998 octets. Returns the
 * field's lines without line breaks. The value must already be one line.
 */
export function fold(name: string, value: string): string[] {
  const words = value.split(" ").filter((w) => w !== "");
  const chunk = 900;
  const pieces: string[] = [];
  for (const w of words) {
    for (let i = 0; i < w.length; i += chunk) pieces.push(w.slice(i, i + chunk));
  }
  const lines: string[] = [];
  let line = `${name}:`;
  let bare = true; // nothing after the name yet: never fold there
  for (const p of pieces) {
    if (!bare && line.length + 1 + p.length > WIDTH) {
      lines.push(line);
      line = ` ${p}`;
    } else {
      line += ` ${p}`;
      bare = false;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * Quoted-printable (RFC 2045 §6.7) for text made of `lines` (line breaks not included): each line is
 * encoded on its own, soft breaks keep encoded lines at most 76 characters, and the hard line breaks
 * become CRLF. Returns the encoded lines.
 */
export function quotedPrintable(lines: readonly Buffer[]): string[] {
  const out: string[] = [];
  for (const bytes of lines) {
    let cur = "";
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      const last = i === bytes.length - 1;
      const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last); // rule 3: no trailing blank
      const tok = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
      if (cur.length + tok.length > 75) {
        out.push(`${cur}=`); // rule 5: soft line break
        cur = "";
      }
      cur += tok;
    }
    out.push(cur);
  }
  return out;
}

/** True when these lines can go as 7bit (RFC 2045 §2.7): US-ASCII, no NUL or bare CR, no line of 998 octets. */
export function is7bit(lines: readonly Buffer[], maxLength = MAX_LINE - 1): boolean {
  for (const line of lines) {
    if (line.length > maxLength) return false;
    for (const b of line) {
      if (b >= 0x80 || b === 0 || b === 0x0d || b === 0x0a) return false;
    }
  }
  return true;
}
