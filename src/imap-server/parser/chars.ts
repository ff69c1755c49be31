/**
 * Byte classes of the IMAP formal syntax (RFC 9051 §9, RFC 3501 §9), as lookup tables.
 *
 * atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
 */

function table(from: number, to: number, except: string): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = from; b <= to; b++) t[b] = 1;
  for (const c of except) t[c.charCodeAt(0)] = 0;
  return t;
}

/** ATOM-CHAR: any CHAR except atom-specials. */
export const ATOM_CHAR = table(0x21, 0x7e, '(){%*"\\]');
/** ASTRING-CHAR = ATOM-CHAR / resp-specials. */
export const ASTRING_CHAR = table(0x21, 0x7e, '(){%*"\\');
/** list-char = ATOM-CHAR / list-wildcards / resp-specials (LIST and LSUB patterns). */
export const LIST_CHAR = table(0x21, 0x7e, '(){"\\');
/** tag = 1*<any ASTRING-CHAR except "+"> */
export const TAG_CHAR = table(0x21, 0x7e, '(){%*"\\+');

export const SP = 0x20;
export const CR = 0x0d;
export const LF = 0x0a;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const LPAREN = 0x28;
export const RPAREN = 0x29;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const PLUS = 0x2b;
export const TILDE = 0x7e;

export function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/**
 * The tag at the start of a command line, if it is a valid tag followed by SP or the end of the
 * buffer; null otherwise (the session then answers with an untagged "* BAD").
 */
export function extractTag(buf: Buffer, end: number = buf.length): string | null {
  let i = 0;
  while (i < end && TAG_CHAR[buf[i] ?? 0] === 1) i++;
  if (i === 0 || (i < end && buf[i] !== SP)) return null;
  return buf.toString("latin1", 0, i);
}
