/**
 * The SMTP input reader: command lines (RFC 5321 §2.3.8, §4.5.3.1.4) and the DATA body with its
 * "." terminator and dot-unstuffing (RFC 5321 §4.1.1.4, §4.5.2).
 *
 * The body ends only at CRLF "." CRLF; a bare LF never ends or splits a line (the SMTP smuggling
 * class of bugs, CVE-2023-51766). Lines past the limit are dropped as they arrive, so a client
 * cannot make the reader hold more than the limit; DATA past the size limit is counted, not kept.
 *
 * The body costs time linear in its size and memory of its size, whatever its line structure:
 * the reader looks only for CRLF "." (the one place a line start matters) and copies the bytes
 * between into a few large blocks, so 80,000 three-byte lines are not 80,000 Buffers.
 */

import { LineReader, type LineEvent } from "../net/index.ts";

export type ReaderEvent = LineEvent | { kind: "data"; parts: Buffer[]; size: number; oversize: boolean };

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF_DOT = Buffer.from("\r\n.");
/** Body blocks start small and double up to this (a 25 MB message is about 30 Buffers). */
const MIN_BLOCK = 16 * 1024;
const MAX_BLOCK = 1024 * 1024;

/** The body kept so far: copied into blocks, at most `max` bytes; past that only counted. */
class Body {
  readonly parts: Buffer[] = [];
  size = 0;
  readonly #max: number;
  #block: Buffer | null = null;
  #used = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get oversize(): boolean {
    return this.size > this.#max;
  }

  append(src: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.size += end - start;
    if (this.oversize) {
      // Nothing of it will be stored (552): give the memory back now.
      this.parts.length = 0;
      this.#block = null;
      return;
    }
    while (start < end) {
      if (this.#block === null || this.#used === this.#block.length) {
        if (this.#block !== null) this.parts.push(this.#block);
        const kept = this.size - (end - start);
        // Never more than the limit leaves room for (at least what is being appended).
        this.#block = Buffer.allocUnsafeSlow(Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, kept), this.#max - kept));
        this.#used = 0;
      }
      const n = Math.min(end - start, this.#block.length - this.#used);
      src.copy(this.#block, this.#used, start, start + n);
      this.#used += n;
      start += n;
    }
  }

  finish(): { parts: Buffer[]; size: number; oversize: boolean } {
    if (!this.oversize && this.#block !== null && this.#used > 0) this.parts.push(this.#block.subarray(0, this.#used));
    this.#block = null;
    return { parts: this.parts, size: this.size, oversize: this.oversize };
  }
}

interface DataState {
  body: Body;
  atLineStart: boolean;
}

export class SmtpReader extends LineReader {
  #data: DataState | null = null;

  get inData(): boolean {
    return this.#data !== null;
  }

  /** The DATA body read so far is past its limit (what follows is counted and thrown away). */
  get dataOversize(): boolean {
    return this.#data?.body.oversize ?? false;
  }

  /** Switches to reading a DATA body of at most `maxSize` bytes (more is counted, not kept). */
  startData(maxSize: number): void {
    this.#data = { body: new Body(maxSize), atLineStart: true };
  }

  next(): ReaderEvent | null {
    return this.#data !== null ? this.#nextData(this.#data) : this.nextLine();
  }

  #nextData(d: DataState): ReaderEvent | null {
    const buf = this.buf;
    for (;;) {
      const remaining = buf.length - this.off;
      if (remaining === 0) {
        this.discardConsumed();
        return null;
      }
      if (d.atLineStart && buf[this.off] === DOT) {
        if (remaining < 3) {
          // ".", ".\r" could still become the terminator; "..": stuffed, safe to go on.
          if (remaining === 1 || buf[this.off + 1] === CR) return null;
        } else if (buf[this.off + 1] === CR && buf[this.off + 2] === LF) {
          // RFC 5321 §4.1.1.4: CRLF "." CRLF ends the mail data (the CRLF before it is the body's).
          this.off += 3;
          this.#data = null;
          return { kind: "data", ...d.body.finish() };
        }
        this.off += 1; // RFC 5321 §4.5.2: remove the stuffed dot
      }
      d.atLineStart = false;
      // Up to the next line that starts with a dot, the bytes are the body as they are.
      const at = buf.indexOf(CRLF_DOT, this.off);
      if (at >= 0) {
        d.body.append(buf, this.off, at + 2);
        this.off = at + 2;
        d.atLineStart = true;
        continue;
      }
      // None yet: keep everything, except a trailing CR that may start CRLF ".".
      let end = buf.length;
      if (buf[end - 1] === CR) end -= 1;
      else if (buf[end - 1] === LF && end - 2 >= this.off && buf[end - 2] === CR) d.atLineStart = true;
      d.body.append(buf, this.off, end);
      this.off = end;
      if (end === buf.length) this.discardConsumed();
      return null;
    }
  }
}
