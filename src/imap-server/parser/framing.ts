/** The IMAP reader's building blocks: a growing byte buffer, and the literal announcement at a line's end. */
import { LBRACE, PLUS, RBRACE, TILDE, isDigit } from "./chars.ts";

const EMPTY = Buffer.alloc(0);

interface Announcement {
  start: number;
  size: number;
  synchronizing: boolean;
  binary: boolean;
}

/** A byte buffer that grows by doubling up to a cap, so byte-by-byte input costs O(n) overall. */
export class Accumulator {
  #buf: Buffer = EMPTY;
  length = 0;

  append(src: Buffer, start: number, end: number, cap: number): void {
    const need = this.length + (end - start);
    if (need > this.#buf.length) {
      const size = Math.min(Math.max(need, this.#buf.length * 2, 256), Math.max(cap, need));
      const next = Buffer.allocUnsafe(size);
      this.#buf.copy(next, 0, 0, this.length);
      this.#buf = next;
    }
    src.copy(this.#buf, this.length, start, end);
    this.length = need;
  }

  view(): Buffer {
    return this.#buf.subarray(0, this.length);
  }

  /** Hands out the content (without copying when it fills the buffer exactly) and empties. */
  take(): Buffer {
    const out = this.length === this.#buf.length ? this.#buf : Buffer.from(this.view());
    this.clear();
    return out;
  }

  clear(): void {
    this.#buf = EMPTY;
    this.length = 0;
  }
}

/** RFC 9051 §9: literal = "{" number64 ["+"] "}" CRLF; literal8 = "~{" number64 ["+"] "}" CRLF. */
export function findAnnouncement(buf: Buffer, end: number): Announcement | null {
  let i = end - 1;
  if (buf[i] !== RBRACE) return null;
  i--;
  let synchronizing = true;
  if (buf[i] === PLUS) {
    synchronizing = false;
    i--;
  }
  const lastDigit = i;
  while (i >= 0 && isDigit(buf[i])) i--;
  if (i === lastDigit || i < 0 || buf[i] !== LBRACE) return null;
  let size = 0;
  for (let d = i + 1; d <= lastDigit && size <= Number.MAX_SAFE_INTEGER; d++) size = size * 10 + ((buf[d] ?? 0x30) - 0x30);
  if (size > Number.MAX_SAFE_INTEGER) size = Number.MAX_SAFE_INTEGER;
  const binary = i > 0 && buf[i - 1] === TILDE;
  return { start: binary ? i - 1 : i, size, synchronizing, binary };
}
