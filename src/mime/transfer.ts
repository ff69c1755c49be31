/**
 * Content-Transfer-Encoding decoding for FETCH BINARY[] (RFC 3516 §4.2; RFC 9051 §6.4.5): base64
 * (RFC 2045 §6.8), quoted-printable (RFC 2045 §6.7), and the identity encodings 7bit, 8bit, binary.
 */
import type { MimePart } from "./tree.ts";

/** An encoding BINARY cannot undo: the IMAP server answers NO [UNKNOWN-CTE] (RFC 3516 §4.3). */
export class UnknownCteError extends Error {
  readonly code = "UNKNOWN-CTE";
  readonly encoding: string;
  constructor(encoding: string) {
    super(`Unknown Content-Transfer-Encoding: ${encoding}`);
    this.name = "UnknownCteError";
    this.encoding = encoding;
  }
}

const IDENTITY = new Set(["", "7bit", "8bit", "binary"]);

/** Decodes `body` from the named transfer encoding; throws UnknownCteError for one it does not know. */
export function decodeTransfer(body: Buffer, encoding: string): Buffer {
  const enc = encoding.toLowerCase();
  if (IDENTITY.has(enc)) return body;
  if (enc === "base64") return Buffer.from(body.toString("latin1"), "base64");
  if (enc === "quoted-printable") return decodeQuotedPrintable(body);
  throw new UnknownCteError(encoding);
}

/**
 * The body of `part` with its transfer encoding undone (BINARY[part]). Composite parts are decoded the
 * same way; their encoding is an identity one in valid mail (RFC 2045 §6.4), so they come back as is.
 */
export function decodeBinary(part: MimePart, raw: Buffer): Buffer {
  return decodeTransfer(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding);
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Quoted-printable decoding (RFC 2045 §6.7): "=XX" becomes a byte, "=" at a line end is a soft line
 * break, whitespace at a line end is transport padding and dropped. Hard line breaks are kept as they
 * are (CRLF or LF). A malformed "=" is kept literally.
 */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  let pos = 0;
  while (pos < input.length) {
    let nl = input.indexOf(0x0a, pos);
    if (nl < 0) nl = input.length;
    let contentEnd = nl;
    if (contentEnd > pos && nl < input.length && input[contentEnd - 1] === 0x0d) contentEnd--;
    const breakStart = contentEnd;
    while (contentEnd > pos && (input[contentEnd - 1] === 0x20 || input[contentEnd - 1] === 0x09)) contentEnd--;
    const soft = contentEnd > pos && input[contentEnd - 1] === 0x3d;
    if (soft) contentEnd--;
    for (let i = pos; i < contentEnd; i++) {
      const c = input[i] ?? 0;
      if (c === 0x3d && i + 2 < contentEnd) {
        const hi = hexValue(input[i + 1]);
        const lo = hexValue(input[i + 2]);
        if (hi >= 0 && lo >= 0) {
          out[o++] = hi * 16 + lo;
          i += 2;
          continue;
        }
      }
      out[o++] = c;
    }
    if (nl < input.length && !soft) {
      // Keep the hard line break as written.
      for (let i = breakStart; i <= nl; i++) out[o++] = input[i] ?? 0;
    }
    pos = nl + 1;
  }
  return out.subarray(0, o);
}
