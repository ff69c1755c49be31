/**
 * The relaxed body of a message (RFC 6376 §3.4.4) and its hash, bh= (§3.7): one pass over the
 * body's bytes, ordinary text handed to the hash as views of the message, the rest gathered in a
 * small buffer. The DKIM signer's (sign.ts) hot loop, kept apart from the header work.
 */
import { createHash } from "node:crypto";

const SP = 0x20;
const HT = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from("\r\n");
const ONE_SP = Buffer.from(" ");
const ONE_CR = Buffer.from("\r");
/** A byte that relaxed canonicalization leaves as it is, wherever it is (not a blank, not part of a line end). */
const ordinary = (b: number | undefined): boolean => b !== undefined && b !== SP && b !== HT && b !== CR && b !== LF;
/**
 * Short runs and our own bytes are gathered in a buffer of this size before they go to the sink;
 * under Buffer.poolSize / 2, so it comes from Node's shared pool, not an allocation per message.
 */
const CHUNK = 4000;
/** A run at least this long goes to the sink as a view of the message, not copied. */
const LONG_RUN = 512;

/**
 * The relaxed body (RFC 6376 §3.4.4), made from the message's bytes as they are fed and handed to
 * `sink` in chunks (each valid during the call only): whitespace runs as one SP, none at line
 * ends, no empty lines at the end, a non-empty body ending in CRLF. A bare LF counts as a line
 * end, as verifiers read it; a lone CR is an ordinary byte. One pass over the bytes: blanks and
 * line ends are held back until a byte shows whether they stay. The body may come in slices of
 * one buffer or in separate buffers (a message's parts as SMTP read them): a CR that ends a buffer
 * is held until the next one's first byte says whether it starts a line end.
 */
export class RelaxedBody {
  readonly #sink: (chunk: Buffer) => void;
  readonly #out = Buffer.allocUnsafe(CHUNK);
  #n = 0;
  #blank = false;
  #lineEnds = 0;
  #any = false;
  /** Bytes to pass over at the next slice's start: the LF of a CRLF read past the last slice's end. */
  #skip = 0;
  /** The last buffer ended in a CR: a line end if the next byte is LF, an ordinary byte otherwise. */
  #heldCr = false;

  constructor(sink: (chunk: Buffer) => void) {
    this.#sink = sink;
  }

  /**
   * Canonicalizes raw[from, to): the body is fed in order, each slice starting where the last one
   * ended — in the same buffer, or at the start of the next buffer when the last slice ended at
   * its buffer's end.
   */
  feed(raw: Buffer, from: number, to: number): void {
    if (from >= to) return;
    let i = from + this.#skip;
    this.#skip = 0;
    if (this.#heldCr) {
      this.#heldCr = false;
      if (raw[from] === LF) {
        this.#blank = false;
        this.#lineEnds++;
        i = from + 1;
      } else this.#ordinaryCr();
    }
    /** Where the current run of ordinary bytes began, or -1: such runs are copied whole. */
    let run = -1;
    for (; i < to; i++) {
      const c = raw[i];
      if (run >= 0) {
        // Inside a run, a single SP or a CRLF before an ordinary byte stays as it is: ordinary
        // text is copied in long runs, not word by word.
        if (c === SP && ordinary(raw[i + 1])) continue;
        if (c === CR && raw[i + 1] === LF && ordinary(raw[i + 2])) {
          i++;
          continue;
        }
      }
      if (c === CR && i + 1 === raw.length) {
        // The buffer ends here: whether this CR ends a line is the next buffer's first byte.
        if (run >= 0) this.#copy(raw, run, i);
        this.#heldCr = true;
        return;
      }
      const lineEnd = c === LF || (c === CR && raw[i + 1] === LF);
      if (c !== SP && c !== HT && !lineEnd) {
        if (run >= 0) continue;
        for (; this.#lineEnds > 0; this.#lineEnds--) this.#put(CRLF);
        if (this.#blank) this.#put(ONE_SP);
        this.#blank = false;
        run = i;
        this.#any = true;
        continue;
      }
      if (run >= 0) this.#copy(raw, run, i);
      run = -1;
      if (!lineEnd) this.#blank = true;
      else {
        if (c === CR) i++;
        this.#blank = false; // §3.4.4: no whitespace at a line's end
        this.#lineEnds++;
      }
    }
    // The loop may have read one byte past `to` (the LF of a CRLF): the next slice starts after it.
    if (run >= 0) this.#copy(raw, run, i);
    this.#skip = i - to;
  }

  /** Ends the body: empty lines at the end are dropped, a non-empty body ends in one CRLF. */
  end(): void {
    if (this.#heldCr) this.#ordinaryCr();
    this.#heldCr = false;
    if (this.#any) this.#put(CRLF);
    if (this.#n > 0) this.#sink(this.#out.subarray(0, this.#n));
    this.#n = 0;
  }

  /** A held CR that was not part of a line end: an ordinary byte, after the blanks and line ends before it. */
  #ordinaryCr(): void {
    for (; this.#lineEnds > 0; this.#lineEnds--) this.#put(CRLF);
    if (this.#blank) this.#put(ONE_SP);
    this.#blank = false;
    this.#put(ONE_CR);
    this.#any = true;
  }

  #copy(raw: Buffer, from: number, to: number): void {
    if (to - from >= LONG_RUN) {
      // Ordinary text is mostly one long run: handed on as it is, after what was gathered before it.
      if (this.#n > 0) this.#flush();
      this.#sink(raw.subarray(from, to));
      return;
    }
    while (from < to) {
      if (this.#n === CHUNK) this.#flush();
      const k = raw.copy(this.#out, this.#n, from, Math.min(to, from + CHUNK - this.#n));
      this.#n += k;
      from += k;
    }
  }

  /** Writes a few bytes of our own (CRLF, SP). */
  #put(bytes: Buffer): void {
    for (const b of bytes) {
      if (this.#n === CHUNK) this.#flush();
      this.#out[this.#n++] = b;
    }
  }

  #flush(): void {
    this.#sink(this.#out.subarray(0, this.#n));
    this.#n = 0;
  }
}

/** The event loop gets a turn after each slice of this many body bytes: a big message does not hold up other sessions. */
const SLICE = 1024 * 1024;

/** The base64 SHA-256 of the relaxed body of the message in `parts`, from byte `start` on: bh= (§3.7). */
export async function bodyHash(parts: readonly Buffer[], start: number): Promise<string> {
  const hash = createHash("sha256");
  const body = new RelaxedBody((chunk) => hash.update(chunk));
  let offset = 0;
  let sinceTurn = 0;
  for (const part of parts) {
    let at = Math.max(0, start - offset);
    offset += part.length;
    while (at < part.length) {
      if (sinceTurn >= SLICE) {
        await new Promise((resolve) => setImmediate(resolve));
        sinceTurn = 0;
      }
      const to = Math.min(part.length, at + SLICE - sinceTurn);
      body.feed(part, at, to);
      sinceTurn += to - at;
      at = to;
    }
  }
  body.end();
  return hash.digest("base64");
}
