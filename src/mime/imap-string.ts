/**
 * IMAP string syntax for FETCH responses: RFC 9051 §4.3 (quoted strings and literals) and §4.5 (NIL).
 *
 * The results are JavaScript strings in which a literal's `{n}` counts the UTF-8 bytes of its
 * content: write them with Buffer.from(s, "utf8").
 */

/** True when `s` can be sent as a quoted string: US-ASCII TEXT-CHARs only (RFC 9051 §9), no CR or LF. */
function quotable(s: string): boolean {
  return /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(s);
}

/**
 * Formats a string as an IMAP quoted string when that is safe (quoted-specials escaped), otherwise as a
 * literal `{n}\r\n...` (CR, LF or 8-bit characters). NUL, which no IMAP string may carry, is removed.
 */
export function imapString(s: string): string {
  const clean = s.includes("\0") ? s.replace(/\0/g, "") : s;
  if (quotable(clean)) return '"' + clean.replace(/[\\"]/g, "\\$&") + '"';
  return `{${Buffer.byteLength(clean, "utf8")}}\r\n${clean}`;
}

/** nstring: NIL for null, otherwise imapString. */
export function imapNString(s: string | null | undefined): string {
  return s === null || s === undefined ? "NIL" : imapString(s);
}

/** A parenthesised list of already-formatted items, or NIL when null or empty. */
export function imapList(items: readonly string[] | null): string {
  return items === null || items.length === 0 ? "NIL" : "(" + items.join(" ") + ")";
}
