/**
 * Line framing for the line-based protocols (SMTP commands, POP3, IMAP command lines): lines end
 * at LF (CR before it stripped); a line past the limit is dropped as it arrives and reported once,
 * so a client can never make the reader hold more than the limit.
 *
 * Linear however the bytes trickle in: a partial line is appended into spare room (the buffer
 * grows by doubling, not by copying the whole line for every chunk), and the search for its LF
 * resumes where the last one stopped.
 */

export type LineEvent = { kind: "line"; line: string } | { kind: "line-too-long" };

const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
const MIN_SPARE = 1024;

export class LineReader {
  readonly #maxLine: number;
  /** Received bytes; [off, length) is not consumed yet. */
  protected buf: Buffer = EMPTY;
  protected off = 0;
  /** Our own buffer that `buf` may be a view of, with room after it for the next chunk. */
  #store: Buffer | null = null;
  /** No LF in buf[off, scanned): where the search for the end of the current line resumes. */
  #scanned = 0;
  #skipping = false;

  constructor(opts: { maxLine: number }) {
    this.#maxLine = opts.maxLine;
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.buf.length - this.off;
  }

  push(chunk: Buffer): void {
    const rest = this.buf.length - this.off;
    if (rest <= 0) {
      this.buf = chunk;
      this.off = 0;
      this.#scanned = 0;
      this.#store = null;
      return;
    }
    const store = this.#store;
    const from = store === null ? -1 : this.buf.byteOffset - store.byteOffset;
    const end = from + this.buf.length;
    if (store !== null && this.buf.buffer === store.buffer && end + chunk.length <= store.length) {
      // Room after what we hold: append in place (nothing handed out ever lies past `end`).
      chunk.copy(store, end);
      this.buf = store.subarray(from + this.off, end + chunk.length);
    } else {
      const need = rest + chunk.length;
      const next = Buffer.allocUnsafeSlow(Math.max(2 * need, MIN_SPARE));
      this.buf.copy(next, 0, this.off);
      chunk.copy(next, rest);
      this.#store = next;
      this.buf = next.subarray(0, need);
    }
    this.#scanned = Math.max(0, this.#scanned - this.off);
    this.off = 0;
  }

  /** Forgets everything received but not yet processed (STARTTLS: RFC 3207 §4.2, RFC 2595 §3.1). */
  discard(): void {
    this.buf = EMPTY;
    this.off = 0;
    this.#store = null;
    this.#scanned = 0;
    this.#skipping = false;
  }

  nextLine(): LineEvent | null {
    const buf = this.buf;
    if (this.off >= buf.length && buf.length > 0) {
      // All consumed: let the last read buffer go (an idle connection pins nothing).
      this.discardConsumed();
      return null;
    }
    const nl = buf.indexOf(LF, Math.max(this.off, this.#scanned));
    if (nl < 0) {
      this.#scanned = buf.length;
      if (buf.length - this.off > this.#maxLine) {
        this.#skipping = true;
        this.off = buf.length;
      }
      return null;
    }
    const start = this.off;
    this.off = nl + 1;
    this.#scanned = this.off;
    if (this.#skipping || nl - start > this.#maxLine) {
      this.#skipping = false;
      return { kind: "line-too-long" };
    }
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    return { kind: "line", line: buf.toString("utf8", start, end) };
  }

  /** Drops the buffers once everything in them is consumed. */
  protected discardConsumed(): void {
    if (this.off < this.buf.length) return;
    this.buf = EMPTY;
    this.off = 0;
    this.#store = null;
    this.#scanned = 0;
  }
}

/** "VERB rest of line" → the upper-cased verb and the rest (commands in SMTP, POP3). */
export function splitVerb(line: string): { verb: string; arg: string } {
  const sp = line.indexOf(" ");
  return { verb: (sp < 0 ? line : line.slice(0, sp)).toUpperCase(), arg: sp < 0 ? "" : line.slice(sp + 1) };
}
