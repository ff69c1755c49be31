/**
 * Line framing for the line-based protocols (SMTP commands, POP3, IMAP command lines): lines end
 * at LF (CR before it stripped); a line past the limit is dropped as it arrives and reported once,
 * so a client can never make the reader hold more than the limit.
 */

export type LineEvent = { kind: "line"; line: string } | { kind: "line-too-long" };

const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const LF = 0x0a;

export class LineReader {
  readonly #maxLine: number;
  protected buf: Buffer = Buffer.alloc(0);
  protected off = 0;
  #skipping = false;

  constructor(opts: { maxLine: number }) {
    this.#maxLine = opts.maxLine;
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.buf.length - this.off;
  }

  push(chunk: Buffer): void {
    if (this.off >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.off), chunk]);
    }
    this.off = 0;
  }

  /** Forgets everything received but not yet processed (STARTTLS: RFC 3207 §4.2, RFC 2595 §3.1). */
  discard(): void {
    this.buf = Buffer.alloc(0);
    this.off = 0;
    this.#skipping = false;
  }

  nextLine(): LineEvent | null {
    const buf = this.buf;
    if (this.off >= buf.length && buf.length > 0) {
      // All consumed: let the last read buffer go (an idle connection pins nothing).
      this.buf = EMPTY;
      this.off = 0;
      return null;
    }
    const nl = buf.indexOf(LF, this.off);
    if (nl < 0) {
      if (buf.length - this.off > this.#maxLine) {
        this.#skipping = true;
        this.off = buf.length;
      }
      return null;
    }
    const start = this.off;
    this.off = nl + 1;
    if (this.#skipping || nl - start > this.#maxLine) {
      this.#skipping = false;
      return { kind: "line-too-long" };
    }
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    return { kind: "line", line: buf.toString("utf8", start, end) };
  }
}

/** "VERB rest of line" → the upper-cased verb and the rest (commands in SMTP, POP3). */
export function splitVerb(line: string): { verb: string; arg: string } {
  const sp = line.indexOf(" ");
  return { verb: (sp < 0 ? line : line.slice(0, sp)).toUpperCase(), arg: sp < 0 ? "" : line.slice(sp + 1) };
}
