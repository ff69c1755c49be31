/**
 * The SMTP input reader: command lines (RFC 5321 §2.3.8, §4.5.3.1.4) and the DATA body with its
 * "." terminator and dot-unstuffing (RFC 5321 §4.1.1.4, §4.5.2).
 *
 * The body ends only at CRLF "." CRLF; a bare LF never ends or splits a line (the SMTP smuggling
 * class of bugs, CVE-2023-51766). Lines past the limit are dropped as they arrive, so a client
 * cannot make the reader hold more than the limit; DATA past the size limit is counted, not kept.
 */

import { LineReader, type LineEvent } from "../net/index.ts";

export type ReaderEvent = LineEvent | { kind: "data"; parts: Buffer[]; size: number; oversize: boolean };

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from("\r\n");

interface DataState {
  parts: Buffer[];
  size: number;
  max: number;
  atLineStart: boolean;
}

export class SmtpReader extends LineReader {
  #data: DataState | null = null;

  get inData(): boolean {
    return this.#data !== null;
  }

  /** Switches to reading a DATA body of at most `maxSize` bytes (more is counted, not kept). */
  startData(maxSize: number): void {
    this.#data = { parts: [], size: 0, max: maxSize, atLineStart: true };
  }

  next(): ReaderEvent | null {
    return this.#data !== null ? this.#nextData(this.#data) : this.nextLine();
  }

  #keep(d: DataState, part: Buffer): void {
    d.size += part.length;
    if (d.size <= d.max) d.parts.push(part);
  }

  #nextData(d: DataState): ReaderEvent | null {
    const buf = this.buf;
    for (;;) {
      const remaining = buf.length - this.off;
      if (d.atLineStart) {
        if (remaining === 0) return null;
        if (buf[this.off] === DOT) {
          if (remaining < 3) {
            // ".", ".\r" could still become the terminator; "..": stuffed, safe to go on.
            if (remaining === 1 || buf[this.off + 1] === CR) return null;
          } else if (buf[this.off + 1] === CR && buf[this.off + 2] === LF) {
            this.off += 3;
            this.#data = null;
            return { kind: "data", parts: d.parts, size: d.size, oversize: d.size > d.max };
          }
          this.off += 1; // RFC 5321 §4.5.2: remove the stuffed dot
        }
      }
      const crlf = buf.indexOf(CRLF, this.off);
      if (crlf >= 0) {
        this.#keep(d, buf.subarray(this.off, crlf + 2));
        this.off = crlf + 2;
        d.atLineStart = true;
        continue;
      }
      // No full line yet: keep what we have, except a trailing CR that may start the CRLF.
      let end = buf.length;
      if (end > this.off && buf[end - 1] === CR) end -= 1;
      if (end > this.off) {
        this.#keep(d, buf.subarray(this.off, end));
        this.off = end;
        d.atLineStart = false;
      }
      return null;
    }
  }
}
