/**
 * Byte-level helpers shared by the hello parsers and builders: a bounds-checked
 * reader, vector writers, and reassembly of a handshake message from TLS
 * plaintext records.
 *
 * - Record layer: RFC 8446 §5.1 (TLSPlaintext, 2^14 limit, fragmentation of
 *   handshake messages across records), RFC 5246 §6.2.1.
 * - Handshake header: RFC 8446 §4 (msg_type, uint24 length).
 * - Vectors: RFC 8446 §3.4 (length-prefixed, prefix width from the ceiling).
 */

export const CONTENT_TYPE = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23, heartbeat: 24 } as const;
export const HANDSHAKE_TYPE = { clientHello: 1, serverHello: 2 } as const;

/** Extension codes used here (IANA TLS ExtensionType Values). */
export const EXT = {
  serverName: 0, // RFC 6066 §3
  supportedGroups: 10, // RFC 8446 §4.2.7, RFC 8422 §5.1.1
  ecPointFormats: 11, // RFC 8422 §5.1.2
  signatureAlgorithms: 13, // RFC 8446 §4.2.3
  alpn: 16, // RFC 7301 §3.1
  extendedMasterSecret: 23, // RFC 7627 §5.1
  supportedVersions: 43, // RFC 8446 §4.2.1
  pskKeyExchangeModes: 45, // RFC 8446 §4.2.9
  keyShare: 51, // RFC 8446 §4.2.8
  renegotiationInfo: 0xff01, // RFC 5746 §3.2
} as const;

/** RFC 8446 §5.1: a TLSPlaintext fragment MUST NOT exceed 2^14 bytes. */
export const MAX_RECORD_PLAINTEXT = 16384;

export class ParseError extends Error {}

/** A bounds-checked big-endian reader; every failure throws ParseError naming the field. */
export class ByteReader {
  readonly buf: Buffer;
  pos = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) throw new ParseError(`${what} is truncated`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++] ?? 0;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(what: string): number {
    this.need(3, what);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** An opaque vector with a 1-byte length prefix. */
  vec8(what: string): Buffer {
    return this.bytes(this.u8(`${what} length`), what);
  }

  /** An opaque vector with a 2-byte length prefix. */
  vec16(what: string): Buffer {
    return this.bytes(this.u16(`${what} length`), what);
  }

  /** Throws unless every byte was read. */
  end(what: string): void {
    if (this.remaining !== 0) throw new ParseError(`${this.remaining} unexpected trailing byte(s) in ${what}`);
  }
}

/** Reads a list of uint16 values that fills `data` exactly (odd length → ParseError). */
export function readU16List(data: Buffer, what: string): number[] {
  if (data.length % 2 !== 0) throw new ParseError(`${what} has an odd length`);
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 2) out.push(data.readUInt16BE(i));
  return out;
}

// ---- writers ----

export function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}

export function vec8(data: Buffer): Buffer {
  if (data.length > 0xff) throw new RangeError("vector too long for a 1-byte length");
  return Buffer.concat([u8(data.length), data]);
}

export function vec16(data: Buffer): Buffer {
  if (data.length > 0xffff) throw new RangeError("vector too long for a 2-byte length");
  return Buffer.concat([u16(data.length), data]);
}

export function u16List(values: readonly number[]): Buffer {
  return Buffer.concat(values.map(u16));
}

// ---- record reassembly ----

type HandshakeRead =
  | { kind: "incomplete"; needed?: number }
  | { kind: "invalid"; reason: string }
  | { kind: "message"; msgType: number; body: Buffer; recordVersion: number; consumed: number };

/**
 * Reassembles the first handshake message from the handshake records at the
 * start of `buf` (RFC 8446 §5.1: a message may span records; records carry no
 * other content type in between). `consumed` counts whole records, including
 * the one completing the message. Messages longer than `maxLength` (header
 * included) are "invalid" as soon as their length is known.
 */
export function readHandshakeMessage(buf: Buffer, maxLength: number): HandshakeRead {
  let off = 0;
  let recordVersion = 0;
  let total: number | undefined;
  const parts: Buffer[] = [];
  let have = 0;
  for (;;) {
    const avail = buf.length - off;
    if (avail < 1) return { kind: "incomplete", needed: total === undefined ? 5 : total - have + 5 };
    const type = buf[off];
    if (type !== CONTENT_TYPE.handshake) {
      return { kind: "invalid", reason: `record of content type ${type} inside a fragmented handshake message` };
    }
    if (avail >= 2 && buf[off + 1] !== 0x03) {
      return { kind: "invalid", reason: `record version major byte 0x${(buf[off + 1] ?? 0).toString(16)} is not 3` };
    }
    if (avail < 5) return { kind: "incomplete", needed: 5 - avail };
    const version = buf.readUInt16BE(off + 1);
    const len = buf.readUInt16BE(off + 3);
    if (off === 0) recordVersion = version;
    if (len === 0) return { kind: "invalid", reason: "empty handshake record" };
    if (len > MAX_RECORD_PLAINTEXT) return { kind: "invalid", reason: `record length ${len} exceeds 2^14` };
    if (avail - 5 < len) return { kind: "incomplete", needed: len - (avail - 5) };
    parts.push(buf.subarray(off + 5, off + 5 + len));
    have += len;
    off += 5 + len;
    // The fragments are joined once, at the end: joining them per record would make a message
    // sent in one-byte records cost time quadratic in its length.
    if (total === undefined && have >= 4) {
      const head = parts.length === 1 ? (parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts, 4);
      total = 4 + head.readUIntBE(1, 3);
      if (total > maxLength) {
        return { kind: "invalid", reason: `handshake message of ${total} bytes exceeds the ${maxLength}-byte limit` };
      }
    }
    if (total !== undefined && have >= total) {
      const data = parts.length === 1 ? (parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts, have);
      return { kind: "message", msgType: data[0] ?? 0, body: data.subarray(4, total), recordVersion, consumed: off };
    }
  }
}

/** Printable-ASCII excerpt of the first line of `buf`, at most `max` chars, safe to log. */
function safeExcerpt(buf: Buffer, max = 20): string {
  let s = "";
  for (const byte of buf) {
    if (byte === 0x0d || byte === 0x0a || s.length >= max) break;
    s += byte >= 0x20 && byte <= 0x7e && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : ".";
  }
  return s;
}

/** Describes bytes that are not TLS, for a log line: plaintext excerpt or leading hex bytes. */
export function describeNonTls(buf: Buffer, expected: string): string {
  const first = buf[0] ?? 0;
  const printable = first >= 0x20 && first <= 0x7e;
  if (printable) return `plaintext data ("${safeExcerpt(buf)}") where ${expected} was expected`;
  const hex = [...buf.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return `binary data (${hex}) where ${expected} was expected`;
}
