/**
 * Minimal DER (ITU-T X.690) encoding and TLV reading: just enough to build X.509 v3 certificates
 * (RFC 5280 §4.1) and to pull the subject name and key bits back out of ones we built. Signing is
 * done by `node:crypto`; nothing here touches key material.
 */
import { isIPv4, isIPv6 } from "node:net";

export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

export const seq = (...c: Uint8Array[]): Buffer => tlv(0x30, ...c);
export const set = (...c: Uint8Array[]): Buffer => tlv(0x31, ...c);
export const octets = (b: Uint8Array): Buffer => tlv(0x04, b);
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const derNull = (): Buffer => tlv(0x05);
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, "utf8"));
/** Context-specific constructed tag `[n]` (EXPLICIT wrapping, or IMPLICIT of a constructed type). */
export const explicit = (n: number, ...c: Uint8Array[]): Buffer => tlv(0xa0 | n, ...c);
/** Context-specific primitive tag `[n]` (IMPLICIT of a primitive type). */
export const implicit = (n: number, b: Uint8Array): Buffer => tlv(0x80 | n, b);
/** BIT STRING with no unused bits. */
export const bits = (b: Uint8Array): Buffer => tlv(0x03, Buffer.from([0]), b);

/** Non-negative INTEGER from a number or big-endian bytes. */
export function integer(v: number | Uint8Array): Buffer {
  let b: Buffer;
  if (typeof v === "number") {
    const bytes: number[] = [];
    for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
    b = Buffer.from(bytes.length === 0 ? [0] : bytes);
  } else {
    b = Buffer.from(v);
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    b = b.subarray(i);
  }
  if (((b[0] ?? 0) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map((a) => Number(a));
  const [a = 0, b = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [40 * a + b, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** Time per RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, "Z". */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z";
  const year = d.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new Error(`certificate date out of range: ${iso}`);
  return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), "ascii")) : tlv(0x18, Buffer.from(digits, "ascii"));
}

/** A named-bit BIT STRING (e.g. keyUsage) in DER: trailing zero bits dropped (X.690 §11.2.2). */
export function namedBits(bitNumbers: number[]): Buffer {
  const max = Math.max(...bitNumbers);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const n of bitNumbers) bytes[n >> 3] = (bytes[n >> 3] ?? 0) | (0x80 >> (n & 7));
  const unused = 7 - (max & 7);
  return tlv(0x03, Buffer.from([unused]), bytes);
}

/** The 4 or 16 octets of an IP address, for an iPAddress GeneralName (RFC 5280 §4.2.1.6). */
export function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map((p) => Number(p)));
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  let text = ip;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    tail.push(...v4[1].split(".").map((p) => Number(p)));
    text = text.slice(0, -v4[1].length) + "0:0";
  }
  const [head = "", rest] = text.split("::");
  const h = head === "" ? [] : head.split(":");
  const r = rest === undefined || rest === "" ? [] : rest.split(":");
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill("0"), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length === 4) Buffer.from(tail).copy(out, 12);
  return out;
}

export interface Tlv {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  /** The content octets. */
  body: Buffer;
}

/** Reads the DER elements laid end to end in `buf`. */
export function readAll(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const tag = buf[pos] ?? 0;
    let len = buf[pos + 1] ?? 0;
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw new Error("DER: unsupported length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[pos + 2 + i] ?? 0);
      hdr += n;
    }
    if (pos + hdr + len > buf.length) throw new Error("DER: truncated element");
    out.push({ tag, raw: buf.subarray(pos, pos + hdr + len), body: buf.subarray(pos + hdr, pos + hdr + len) });
    pos += hdr + len;
  }
  return out;
}

/** The child elements of the single constructed element `buf`. */
export function children(buf: Buffer): Tlv[] {
  const [outer] = readAll(buf);
  if (outer === undefined) throw new Error("DER: empty input");
  return readAll(outer.body);
}
