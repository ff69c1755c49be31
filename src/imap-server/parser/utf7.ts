/**
 * Modified UTF-7 for mailbox names (RFC 3501 §5.1.3; RFC 9051 §5.1.3 keeps it for IMAP4rev1
 * clients that have not enabled UTF8=ACCEPT). Printable US-ASCII stands for itself, "&" is "&-",
 * everything else is UTF-16 in modified BASE64 ("," for "/", no padding) between "&" and "-".
 *
 * Decoding accepts only the one canonical encoding of a name: encoded printable ASCII, adjacent
 * encoded runs, leftover bits and padding all make different byte strings name the same mailbox,
 * so they are refused (the session answers NO).
 */
import { MailboxNameError } from "./errors.ts";

const B64_CHAR = /^[A-Za-z0-9+,]*$/;

function isPrintable(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

function encodeRun(units: number[]): string {
  const bytes = Buffer.alloc(units.length * 2);
  units.forEach((u, i) => bytes.writeUInt16BE(u, i * 2));
  return `&${bytes.toString("base64").replace(/=+$/, "").replace(/\//g, ",")}-`;
}

/** UTF-8 (a JS string) → modified UTF-7. Throws TypeError on lone surrogates. */
export function encodeMailboxName(name: string): string {
  if (!name.isWellFormed()) throw new TypeError("mailbox name has lone surrogates");
  let out = "";
  let run: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (isPrintable(c)) {
      if (run.length > 0) {
        out += encodeRun(run);
        run = [];
      }
      out += c === 0x26 ? "&-" : name[i];
    } else {
      run.push(c);
    }
  }
  if (run.length > 0) out += encodeRun(run);
  return out;
}

function decodeRun(b64: string): string {
  if (!B64_CHAR.test(b64)) throw new MailboxNameError("Invalid modified BASE64 in mailbox name");
  const bytes = Buffer.from(b64.replace(/,/g, "/"), "base64");
  // Whole UTF-16 units only, and fewer than 6 leftover bits (one more character would be waste).
  if (bytes.length % 2 !== 0 || b64.length * 6 - bytes.length * 8 >= 6) {
    throw new MailboxNameError("Invalid modified BASE64 length in mailbox name");
  }
  let s = "";
  for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode(bytes.readUInt16BE(i));
  if (!s.isWellFormed()) throw new MailboxNameError("Invalid UTF-16 in mailbox name");
  return s;
}

/** Modified UTF-7 → UTF-8. Throws MailboxNameError on anything but the canonical encoding. */
export function decodeMailboxName(encoded: string): string {
  let out = "";
  let i = 0;
  while (i < encoded.length) {
    const c = encoded.charCodeAt(i);
    if (!isPrintable(c)) throw new MailboxNameError("Mailbox name is not valid modified UTF-7");
    if (c !== 0x26) {
      out += encoded[i];
      i++;
      continue;
    }
    const end = encoded.indexOf("-", i + 1);
    if (end < 0) throw new MailboxNameError("Unterminated & in mailbox name");
    out += end === i + 1 ? "&" : decodeRun(encoded.slice(i + 1, end));
    i = end + 1;
  }
  if (encodeMailboxName(out) !== encoded) throw new MailboxNameError("Mailbox name is not canonical modified UTF-7");
  return out;
}

/** Whether a name needs no decoding: printable ASCII without "&". */
export function isPlainMailboxName(name: string): boolean {
  return /^[\x20-\x25\x27-\x7e]*$/.test(name);
}
