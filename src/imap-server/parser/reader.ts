/**
 * The IMAP input reader: frames client bytes into complete commands (RFC 9051 §2.2, §4.3).
 *
 * A command is a line that may end in a literal announcement: `{N}` (synchronizing: the server
 * sends a continuation request first, RFC 9051 §7.5), `{N+}` (non-synchronizing, RFC 7888
 * LITERAL+) or `~{N}` / `~{N+}` (literal8, RFC 3516 / RFC 9051 §4.3). The N bytes after the
 * announcement's CRLF are data, and the command goes on with the next line.
 *
 * Framing is lazy: `push()` only queues bytes, `next()` frames one event at a time, so a mode
 * switch (IDLE, AUTHENTICATE) or `discard()` (STARTTLS) made while handling a command applies to
 * the bytes after it. Memory is bounded: command text past `maxLine` is dropped as it arrives
 * (only a short tail is kept to spot a literal announcement), literal data grows only as it is
 * received, and a literal announced larger than the limits is never buffered.
 */
import { CR, LF, extractTag } from "./chars.ts";
import { Accumulator, findAnnouncement } from "./framing.ts";

export interface ReaderLimits {
  /** Command text (CRLFs and literal announcements included, literal data excluded). Default 64 KiB. */
  maxLine?: number;
  /** One literal's data. Default 50 MiB. */
  maxLiteral?: number;
  /** One command on the wire, literals included. Default maxLiteral + maxLine. */
  maxCommand?: number;
}

export interface LiteralInput {
  data: Buffer;
  /** literal8 (`~{N}`, RFC 3516): may contain NUL; only APPEND accepts it. */
  binary: boolean;
  synchronizing: boolean;
}

/** One framed command: `segments.length === literals.length + 1`; literal i follows segment i. */
export interface CommandInput {
  /** The tag if the first segment starts with a valid one. */
  tag: string | null;
  /** The command text around the literals, announcements and line ends removed. */
  segments: Buffer[];
  literals: LiteralInput[];
  /** Bytes of the command on the wire. */
  size: number;
}

export type ReaderEvent =
  | { kind: "command"; input: CommandInput }
  /** RFC 9051 §7.5: send "+ Ready for literal data" now (or call refuseLiteral() and answer NO). */
  | { kind: "continue"; tag: string | null; size: number }
  /** Line mode only (IDLE's DONE, AUTHENTICATE responses). */
  | { kind: "line"; line: string }
  /** The command text passed maxLine: answer `tag BAD` (or `* BAD`); the rest of it is dropped. */
  | { kind: "too-long"; tag: string | null }
  /**
   * A literal over maxLiteral / maxCommand. Synchronizing: answer `tag NO [TOOBIG]` — the client
   * sends no data without a continuation (RFC 9051 §7.1, RFC 7889). Non-synchronizing with
   * `close`: answer `tag BAD [TOOBIG]`, then `* BYE` and close (RFC 7888 §4); the reader ignores
   * all further input. Without `close` the data is skipped unread and the command dropped.
   */
  | { kind: "literal-too-large"; tag: string | null; size: number; synchronizing: boolean; close: boolean };

type ReaderMode = "command" | "line";

const EMPTY = Buffer.alloc(0);
const TAIL = 64;

/**
 * The tag of a line whose start is `a` then `b`, if a SP ends it within the first `limit` bytes.
 * The caller passes at most the line limit: that much of an over-long line is always there when
 * it is answered, whatever the chunks, so the answer does not depend on how the bytes arrived.
 */
function headTag(a: Buffer, b: Buffer, limit: number): string | null {
  const first = a.subarray(0, limit);
  const head = first.length < limit ? Buffer.concat([first, b.subarray(0, limit - first.length)]) : first;
  const tag = extractTag(head);
  return tag !== null && tag.length < head.length ? tag : null;
}

export class ImapReader {
  readonly maxLine: number;
  #maxLiteral: number;
  #maxCommand: number;
  mode: ReaderMode = "command";

  // Input queue: chunks not yet framed.
  #chunks: Buffer[] = [];
  #head = 0;
  #off = 0;
  #queued = 0;

  // The command being framed.
  #state: "line" | "literal" | "skip" | "closed" = "line";
  #line = new Accumulator();
  #segments: Buffer[] = [];
  #literals: LiteralInput[] = [];
  #text = 0;
  #held = 0;
  #size = 0;
  #tag: string | null = null;
  /** The command was answered already (too long / literal too large): drop the rest of it. */
  #dropping = false;
  #tail: Buffer = EMPTY;
  #literal = new Accumulator();
  #lit: { size: number; binary: boolean; synchronizing: boolean } | null = null;
  #skip = 0;

  constructor(limits: ReaderLimits = {}) {
    this.maxLine = limits.maxLine ?? 64 * 1024;
    this.#maxLiteral = limits.maxLiteral ?? 50 * 1024 * 1024;
    this.#maxCommand = limits.maxCommand ?? this.#maxLiteral + this.maxLine;
  }

  get maxLiteral(): number {
    return this.#maxLiteral;
  }

  get maxCommand(): number {
    return this.#maxCommand;
  }

  /** Changes the literal limit, and the command limit with it (maxLiteral + maxLine), for the commands after this one. */
  setMaxLiteral(maxLiteral: number): void {
    this.#maxLiteral = maxLiteral;
    this.#maxCommand = maxLiteral + this.maxLine;
  }

  /** Bytes received and not yet framed: pause the socket while this is high (back-pressure). */
  get buffered(): number {
    return this.#queued;
  }

  /** All bytes the reader holds: the queue plus the partly framed command. */
  get held(): number {
    return this.#queued + this.#held + this.#line.length + this.#literal.length + this.#tail.length;
  }

  /** True after a `close` event: the connection must be closed, input is ignored. */
  get closed(): boolean {
    return this.#state === "closed";
  }

  push(chunk: Buffer): void {
    if (this.#state === "closed" || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
  }

  /** RFC 9051 §6.2.1, RFC 2595 §3.1: after STARTTLS, forget everything received in plaintext. */
  discard(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#off = 0;
    this.#queued = 0;
    if (this.#state !== "closed") this.#state = "line";
    this.#reset();
  }

  /**
   * After a `continue` event, instead of sending the continuation: drop the command (the session
   * answers `tag NO ...`; the client sends no literal data, RFC 9051 §7.5).
   */
  refuseLiteral(): void {
    if (this.#state !== "literal" || this.#lit?.synchronizing !== true || this.#literal.length > 0) {
      throw new Error("refuseLiteral() is only valid right after a continue event");
    }
    this.#state = "line";
    this.#reset();
  }

  next(): ReaderEvent | null {
    while (this.#queued > 0 && this.#state !== "closed") {
      const chunk = this.#chunks[this.#head];
      if (chunk === undefined) break;
      if (this.#off >= chunk.length) {
        this.#shift();
        continue;
      }
      const ev = this.#state === "line" ? this.#lineStep(chunk) : this.#dataStep(chunk);
      if (ev !== null) return ev;
    }
    if (this.#state === "closed") this.discard();
    // Everything queued is consumed: drop the chunks, so an idle connection pins no read buffer.
    else if (this.#queued === 0 && this.#chunks.length > 0) {
      this.#chunks = [];
      this.#head = 0;
      this.#off = 0;
    }
    return null;
  }

  #consume(n: number): void {
    this.#off += n;
    this.#queued -= n;
  }

  #shift(): void {
    this.#chunks[this.#head] = EMPTY;
    this.#head++;
    this.#off = 0;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  #reset(): void {
    this.#line.clear();
    this.#literal.clear();
    this.#segments = [];
    this.#literals = [];
    this.#text = 0;
    this.#held = 0;
    this.#size = 0;
    this.#tag = null;
    this.#dropping = false;
    this.#tail = EMPTY;
    this.#lit = null;
    this.#skip = 0;
  }

  #keepTail(src: Buffer, start: number, end: number): void {
    const from = Math.max(start, end - TAIL);
    const joined = Buffer.concat([this.#tail, src.subarray(from, end)]);
    this.#tail = joined.length > TAIL ? Buffer.from(joined.subarray(joined.length - TAIL)) : joined;
  }

  /** Reads command text up to the next LF. */
  #lineStep(chunk: Buffer): ReaderEvent | null {
    const nl = chunk.indexOf(LF, this.#off);
    const end = nl < 0 ? chunk.length : nl;
    const start = this.#off;
    if (this.#dropping) {
      this.#keepTail(chunk, start, end);
    } else if (this.#text + this.#line.length + (end - start) + 1 > this.maxLine) {
      // Over the limit: answer now, keep only a tail to see whether a literal follows the line.
      const line = this.#line.view();
      const tag = this.#segments.length > 0 ? this.#tag : headTag(line, chunk.subarray(start, end), Math.min(256, this.maxLine));
      this.#keepTail(line, 0, line.length);
      this.#keepTail(chunk, start, end);
      if (this.mode === "line") {
        this.#reset();
        this.#dropping = true;
        this.#consume(end - start);
        return { kind: "too-long", tag: null };
      }
      this.#segments = [];
      this.#literals = [];
      this.#line.clear();
      this.#held = 0;
      this.#dropping = true;
      this.#tag = tag;
      this.#consume(end - start);
      return { kind: "too-long", tag };
    } else {
      this.#line.append(chunk, start, end, this.maxLine);
    }
    this.#size += end - start;
    this.#consume(end - start);
    if (nl < 0) return null;
    this.#consume(1);
    this.#size += 1;
    return this.#dropping ? this.#endDroppedLine() : this.#endLine();
  }

  #endDroppedLine(): ReaderEvent | null {
    const tail = this.#tail;
    const end = tail.length > 0 && tail[tail.length - 1] === CR ? tail.length - 1 : tail.length;
    const ann = this.mode === "command" ? findAnnouncement(tail, end) : null;
    this.#tail = EMPTY;
    if (ann === null || ann.synchronizing) {
      // The command ends here (a synchronizing literal is never sent without a continuation).
      this.#reset();
      return null;
    }
    if (ann.size > this.maxLiteral) return this.#close(ann.size);
    this.#state = "skip";
    this.#skip = ann.size;
    return null;
  }

  #endLine(): ReaderEvent | null {
    const all = this.#line.view();
    const end = all.length > 0 && all[all.length - 1] === CR ? all.length - 1 : all.length;
    if (this.mode === "line") {
      const line = all.toString("utf8", 0, end);
      this.#reset();
      return { kind: "line", line };
    }
    const ann = findAnnouncement(all, end);
    const segment = Buffer.from(all.subarray(0, ann?.start ?? end));
    this.#text += all.length + 1;
    this.#held += segment.length;
    this.#line.clear();
    this.#segments.push(segment);
    if (this.#segments.length === 1) this.#tag = extractTag(segment);
    if (ann === null) {
      const input: CommandInput = { tag: this.#tag, segments: this.#segments, literals: this.#literals, size: this.#size };
      this.#reset();
      return { kind: "command", input };
    }
    const tag = this.#tag;
    if (ann.size > this.maxLiteral || this.#size + ann.size > this.maxCommand) {
      const ev = { kind: "literal-too-large", tag, size: ann.size, synchronizing: ann.synchronizing, close: false } as const;
      if (ann.synchronizing) {
        this.#reset();
        return ev;
      }
      if (ann.size > this.maxLiteral) return this.#close(ann.size);
      this.#reset();
      this.#tag = tag;
      this.#dropping = true;
      this.#state = "skip";
      this.#skip = ann.size;
      return ev;
    }
    this.#state = "literal";
    this.#lit = { size: ann.size, binary: ann.binary, synchronizing: ann.synchronizing };
    return ann.synchronizing ? { kind: "continue", tag, size: ann.size } : null;
  }

  #close(size: number): ReaderEvent {
    const tag = this.#tag;
    this.#state = "closed";
    return { kind: "literal-too-large", tag, size, synchronizing: false, close: true };
  }

  /** Reads (state "literal") or skips (state "skip") literal data. */
  #dataStep(chunk: Buffer): ReaderEvent | null {
    const start = this.#off;
    if (this.#state === "skip") {
      const n = Math.min(this.#skip, chunk.length - start);
      this.#skip -= n;
      this.#consume(n);
      if (this.#skip === 0) this.#state = "line";
      return null;
    }
    const lit = this.#lit;
    if (lit === null) throw new Error("reader: literal state without a literal");
    const n = Math.min(lit.size - this.#literal.length, chunk.length - start);
    this.#literal.append(chunk, start, start + n, lit.size);
    this.#consume(n);
    this.#size += n;
    if (this.#literal.length === lit.size) {
      const data = lit.size === 0 ? EMPTY : this.#literal.take();
      this.#held += data.length;
      this.#literals.push({ data, binary: lit.binary, synchronizing: lit.synchronizing });
      this.#lit = null;
      this.#state = "line";
    }
    return null;
  }
}
