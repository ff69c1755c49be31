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

/** Base64 alphabet bytes (RFC 2045 §6.8 Table 1); everything else in the body is ignored by a decoder. */
const B64 = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") B64[c.charCodeAt(0)] = 1;

/**
 * decodeTransfer in pieces of about `chunk` input bytes, for a download that should not hold the
 * whole decoded part next to the message: base64 is cut after a whole number of 4-character groups
 * (the characters between are dropped, as a decoder ignores them, RFC 2045 §6.8), quoted-printable
 * at a line end (its soft breaks and escapes never span one). Joined, the pieces equal
 * decodeTransfer's result. Throws UnknownCteError for an encoding it does not know, before any piece.
 */
export function decodeTransferChunks(body: Buffer, encoding: string, chunk = 64 * 1024): Iterable<Buffer> {
  const enc = encoding.toLowerCase();
  if (IDENTITY.has(enc)) return slices(body, chunk);
  if (enc === "quoted-printable") return qpChunks(body, chunk);
  if (enc === "base64") return base64Chunks(body, chunk);
  throw new UnknownCteError(encoding);
}

function* slices(body: Buffer, chunk: number): Generator<Buffer> {
  for (let at = 0; at < body.length; at += chunk) yield body.subarray(at, at + chunk);
}

function* qpChunks(body: Buffer, chunk: number): Generator<Buffer> {
  for (let at = 0; at < body.length; ) {
    const nl = body.indexOf(0x0a, Math.min(at + chunk, body.length) - 1);
    const end = nl < 0 ? body.length : nl + 1;
    yield decodeQuotedPrintable(body.subarray(at, end));
    at = end;
  }
}

function* base64Chunks(body: Buffer, chunk: number): Generator<Buffer> {
  const group = Buffer.allocUnsafe(chunk + 4);
  let n = 0;
  for (const c of body) {
    if (B64[c] === 0) continue;
    group[n++] = c;
    if (n >= chunk && n % 4 === 0) {
      yield Buffer.from(group.toString("latin1", 0, n), "base64");
      n = 0;
    }
  }
  if (n > 0) yield Buffer.from(group.toString("latin1", 0, n), "base64");
}
