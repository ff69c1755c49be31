/**
 * IMAP string syntax for FETCH responses: RFC 9051 §4.3 (quoted strings and literals) and §4.5 (NIL).
 *
 * The results are JavaScript strings in which a literal's `{n}` counts the UTF-8 bytes of its
 * content: write them with Buffer.from(s, "utf8").
 */

/** True when `s` can be sent as a quoted string: printable US-ASCII only (quoted-specials get escaped). */
function quotable(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/**
 * Formats a string as an IMAP quoted string when that is safe, otherwise as a literal `{n}\r\n...`
 * (CR, LF, control or 8-bit characters). NUL bytes, which no IMAP string may carry, are removed.
 */
export function imapString(s: string): string {
  if (quotable(s)) return '"' + s.replace(/[\\"]/g, "\\$&") + '"';
  const clean = s.replace(/\0/g, "");
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
