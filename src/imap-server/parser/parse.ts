/**
 * The argument parser: a cursor over one framed command that handlers call to read what they
 * expect (RFC 9051 §9 / RFC 3501 §9 formal syntax). Every method throws ImapParseError with a
 * short message that never echoes client input. Nothing here recurses on client input: nested
 * lists are read with an explicit stack and a depth limit.
 */
import { isUtf8 } from "node:buffer";
import type { CommandInput, LiteralInput } from "./reader.ts";
import {
  ASTRING_CHAR, ATOM_CHAR, BACKSLASH, CR, DQUOTE, LF, LIST_CHAR, LPAREN, RPAREN, SP, TAG_CHAR, isDigit,
} from "./chars.ts";
import { ImapParseError } from "./errors.ts";
import { parseSequenceSet, type SequenceSet } from "./sequence.ts";
import { parseDate, parseDateTime, type ImapDate, type ParsedDateTime } from "./format.ts";

export interface ParserOptions {
  /** RFC 9051 / RFC 6855 UTF8=ACCEPT: UTF-8 allowed in quoted strings. Default false (RFC 3501). */
  utf8?: boolean;
  /** Deepest parenthesised nesting accepted (lists, search keys). Default 100. */
  maxDepth?: number;
  /** RFC 5182 SEARCHRES: "$" accepted as a sequence set. Default false. */
  searchRes?: boolean;
  /**
   * RFC 9051 §6.3.1: ENABLE IMAP4rev2 is in effect: UTF-8 allowed in quoted strings (§9,
   * QUOTED-CHAR), and the IMAP4rev1-only search keys RECENT, NEW and OLD are unknown. Default false.
   */
  rev2?: boolean;
}

/** A generic value (for extension arguments such as ID, ENABLE, SELECT/STATUS parameters). */
type ImapValue =
  | { type: "atom"; value: string }
  | { type: "number"; value: number }
  | { type: "string"; value: Buffer; literal: boolean }
  | { type: "nil" }
  | { type: "list"; items: ImapValue[] };

const MAX_UINT32 = 4294967295;
/** RFC 3501 §2.3.2: set by the server only. */
const RECENT = "\\Recent";
const SYSTEM_FLAGS = new Map(["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"].map((f) => [f.toUpperCase(), f]));

function fail(message: string): never {
  throw new ImapParseError(message);
}

function toInput(src: CommandInput | string | Buffer): CommandInput {
  if (typeof src !== "string" && !Buffer.isBuffer(src)) return src;
  const buf = typeof src === "string" ? Buffer.from(src) : src;
  return { tag: null, segments: [buf], literals: [], size: buf.length };
}

export class ArgParser {
  readonly utf8: boolean;
  readonly maxDepth: number;
  readonly searchRes: boolean;
  readonly rev2: boolean;
  readonly #input: CommandInput;
  #seg = 0;
  #pos = 0;
  #buf: Buffer;

  constructor(input: CommandInput | string | Buffer, opts: ParserOptions = {}) {
    this.#input = toInput(input);
    this.#buf = this.#input.segments[0] ?? Buffer.alloc(0);
    this.utf8 = opts.utf8 ?? false;
    this.maxDepth = opts.maxDepth ?? 100;
    this.searchRes = opts.searchRes ?? false;
    this.rev2 = opts.rev2 ?? false;
  }

  // --- cursor -------------------------------------------------------------------------------

  /** The next byte, or -1 at the end of a segment (end of input, or a literal follows). */
  peek(): number {
    return this.#buf[this.#pos] ?? -1;
  }

  peekIs(ch: string): boolean {
    return this.peek() === ch.charCodeAt(0);
  }

  atLiteral(): boolean {
    return this.#pos >= this.#buf.length && this.#seg < this.#input.literals.length;
  }

  atEnd(): boolean {
    return this.#pos >= this.#buf.length && this.#seg >= this.#input.literals.length;
  }

  /** Throws the error that fits what is at the cursor. */
  unexpected(what: string): never {
    if (this.atEnd()) fail(`Missing ${what}`);
    if (this.atLiteral()) fail(`Literal not allowed here, expected ${what}`);
    const b = this.peek();
    if (b >= 0x80) fail(`8-bit character where ${what} was expected`);
    if (b < 0x20 || b === 0x7f) fail(`Control character where ${what} was expected`);
    if (b === RPAREN) fail(`Unexpected ")", expected ${what}`);
    fail(`Expected ${what}`);
  }

  expect(ch: string): void {
    if (!this.peekIs(ch)) this.unexpected(`"${ch}"`);
    this.#pos++;
  }

  /** Consumes `ch` if it is next. */
  accept(ch: string): boolean {
    if (!this.peekIs(ch)) return false;
    this.#pos++;
    return true;
  }

  /** One SP; runs of spaces are tolerated. */
  sp(): void {
    if (this.peek() !== SP) this.unexpected("SP");
    while (this.peek() === SP) this.#pos++;
  }

  /** The end of the command (trailing spaces tolerated). */
  end(): void {
    while (this.peek() === SP) this.#pos++;
    if (this.atEnd()) return;
    if (this.peek() === RPAREN) fail('Unbalanced ")"');
    fail(this.atLiteral() ? "Unexpected literal at end of command" : "Unexpected extra arguments");
  }

  /** Bytes of a class, at least one. */
  #run(table: Uint8Array, what: string): string {
    const start = this.#pos;
    while (table[this.#buf[this.#pos] ?? 0] === 1) this.#pos++;
    if (this.#pos === start) this.unexpected(what);
    return this.#buf.toString("latin1", start, this.#pos);
  }

  /** The upper-cased atom at the cursor without consuming it ("" if none). */
  peekAtom(): string {
    let i = this.#pos;
    while (ATOM_CHAR[this.#buf[i] ?? 0] === 1) i++;
    return this.#buf.toString("latin1", this.#pos, i).toUpperCase();
  }

  // --- primitives ---------------------------------------------------------------------------

  /** RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">. */
  tag(): string {
    return this.#run(TAG_CHAR, "tag");
  }

  atom(): string {
    return this.#run(ATOM_CHAR, "atom");
  }

  /** Letters, digits, ".", "-" and "_" (FETCH item and search key names); upper-cased. */
  keyword(what = "keyword"): string {
    const start = this.#pos;
    for (let b = this.peek(); (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a || isDigit(b) || b === 0x2e || b === 0x2d || b === 0x5f; b = this.peek()) this.#pos++;
    if (this.#pos === start) this.unexpected(what);
    return this.#buf.toString("latin1", start, this.#pos).toUpperCase();
  }

  /** number = 1*DIGIT, at most `max` (uint32 by default; RFC 9051 number64 with a larger max). */
  number(max = MAX_UINT32): number {
    const start = this.#pos;
    let n = 0;
    while (isDigit(this.peek())) {
      n = n * 10 + (this.peek() - 0x30);
      this.#pos++;
      if (n > max) fail("Number out of range");
    }
    if (this.#pos === start) this.unexpected("number");
    return n;
  }

  /** nz-number = digit-nz *DIGIT */
  nzNumber(max = MAX_UINT32): number {
    if (this.peek() === 0x30) fail("Number must not be zero or start with 0");
    return this.number(max);
  }

  /** quoted = DQUOTE *QUOTED-CHAR DQUOTE; escapes are only \" and \\ (RFC 9051 §4.3). */
  quoted(): Buffer {
    this.expect('"');
    const buf = this.#buf;
    const start = this.#pos;
    let escaped = false;
    let eightBit = false;
    let i = start;
    for (; ; i++) {
      const b = buf[i];
      if (b === undefined) fail("Unterminated quoted string");
      if (b === DQUOTE) break;
      if (b === BACKSLASH) {
        const e = buf[i + 1];
        if (e !== DQUOTE && e !== BACKSLASH) fail("Invalid escape in quoted string");
        escaped = true;
        i++;
      } else if (b === 0 || b === CR || b === LF) {
        fail("Invalid character in quoted string");
      } else if (b >= 0x80) {
        if (!this.utf8 && !this.rev2) fail("8-bit character in quoted string; use a literal");
        eightBit = true;
      }
    }
    this.#pos = i + 1;
    let out = buf.subarray(start, i);
    if (escaped) {
      const bytes: number[] = [];
      for (let j = 0; j < out.length; j++) {
        const b = out[j] ?? 0;
        if (b === BACKSLASH) j++;
        bytes.push(out[j] ?? 0);
      }
      out = Buffer.from(bytes);
    } else {
      out = Buffer.from(out);
    }
    if (eightBit && !isUtf8(out)) fail("Quoted string is not valid UTF-8");
    return out;
  }

  /** The literal at the cursor (RFC 9051 §4.3). literal8 only with `binary`. */
  literal(opts: { binary?: boolean } = {}): LiteralInput {
    const lit = this.atLiteral() ? this.#input.literals[this.#seg] : undefined;
    if (lit === undefined) this.unexpected("literal");
    if (lit.binary && opts.binary !== true) fail("literal8 not allowed here");
    if (!lit.binary && lit.data.includes(0)) fail("NUL in literal; use literal8");
    this.#seg++;
    this.#pos = 0;
    this.#buf = this.#input.segments[this.#seg] ?? Buffer.alloc(0);
    return lit;
  }

  /** string = quoted / literal, as bytes. */
  stringBytes(): Buffer {
    if (this.peek() === DQUOTE) return this.quoted();
    if (this.atLiteral()) return this.literal().data;
    this.unexpected("string");
  }

  /** string, decoded as UTF-8 (invalid UTF-8 is an error). */
  string(): string {
    return decode(this.stringBytes());
  }

  /** astring = 1*ASTRING-CHAR / string, as bytes. */
  astringBytes(): Buffer {
    if (this.peek() === DQUOTE || this.atLiteral()) return this.stringBytes();
    return Buffer.from(this.#run(ASTRING_CHAR, "string"), "latin1");
  }

  astring(): string {
    return decode(this.astringBytes());
  }

  /** nstring = string / NIL; null for NIL. */
  nstring(): string | null {
    if (this.peekAtom() === "NIL") {
      this.#pos += 3;
      return null;
    }
    return this.string();
  }

  /**
   * mailbox = "INBOX" / astring (RFC 9051 §9): INBOX in any case becomes "INBOX". The name is
   * returned as sent; decoding modified UTF-7 (RFC 3501 clients) is the session's choice.
   */
  mailbox(): string {
    const name = this.astring();
    return name.toUpperCase() === "INBOX" ? "INBOX" : name;
  }

  /** list-mailbox = 1*list-char / string (LIST patterns with % and *). */
  listMailbox(): string {
    if (this.peek() === DQUOTE || this.atLiteral()) return this.string();
    return this.#run(LIST_CHAR, "mailbox pattern");
  }

  /** "(" item *(SP item) ")" — flat lists only; use value() for nested data. */
  list<T>(item: (p: ArgParser) => T, opts: { allowEmpty?: boolean } = {}): T[] {
    this.expect("(");
    const out: T[] = [];
    if (this.accept(")")) {
      if (opts.allowEmpty !== true) fail("Empty list");
      return out;
    }
    for (;;) {
      out.push(item(this));
      if (this.accept(")")) return out;
      if (this.atEnd()) fail('Missing ")"');
      this.sp();
    }
  }

  /** One generic value; nested lists up to maxDepth, read without recursion. */
  value(): ImapValue {
    const stack: ImapValue[][] = [];
    for (;;) {
      let item: ImapValue | null = null;
      if (this.peek() === LPAREN) {
        if (stack.length >= this.maxDepth) fail("Parentheses nested too deeply");
        this.#pos++;
        stack.push([]);
        if (this.peek() !== RPAREN) continue;
      } else {
        item = this.#scalar();
        const top = stack.at(-1);
        if (top === undefined) return item;
        top.push(item);
      }
      while (stack.length > 0 && this.peek() === RPAREN) {
        this.#pos++;
        const list: ImapValue = { type: "list", items: stack.pop() ?? [] };
        const parent = stack.at(-1);
        if (parent === undefined) return list;
        parent.push(list);
      }
      if (this.atEnd()) fail('Missing ")"');
      this.sp();
    }
  }

  #scalar(): ImapValue {
    if (this.peek() === DQUOTE) return { type: "string", value: this.quoted(), literal: false };
    if (this.atLiteral()) return { type: "string", value: this.literal().data, literal: true };
    const word = this.#run(ASTRING_CHAR, "value");
    if (word.toUpperCase() === "NIL") return { type: "nil" };
    if (/^[0-9]{1,15}$/.test(word)) return { type: "number", value: Number(word) };
    return { type: "atom", value: word };
  }

  // --- IMAP syntaxes --------------------------------------------------------------------------

  /**
   * flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword
   * (RFC 9051 §2.3.2). System flags are returned in canonical case; unknown system flags are
   * refused. \Recent is read (RFC 3501 §9 lists it as a flag) and left out by flagList and
   * storeFlags: a client cannot set or clear it (RFC 3501 §2.3.2), so it is ignored, as on Dovecot.
   */
  flag(): string {
    if (this.accept("\\")) {
      const name = this.#run(ATOM_CHAR, "flag");
      if (name.toUpperCase() === "RECENT") return RECENT;
      const canonical = SYSTEM_FLAGS.get(`\\${name.toUpperCase()}`);
      if (canonical === undefined) fail("Unknown system flag");
      return canonical;
    }
    return this.atom();
  }

  /** flag-list = "(" [flag *(SP flag)] ")" */
  flagList(): string[] {
    return this.list((p) => p.flag(), { allowEmpty: true }).filter((f) => f !== RECENT);
  }

  /** STORE flags: flag-list / (flag *(SP flag)) (RFC 9051 §6.4.6). */
  storeFlags(): string[] {
    if (this.peek() === LPAREN) return this.flagList();
    const flags = [this.flag()];
    while (this.peek() === SP) {
      this.sp();
      flags.push(this.flag());
    }
    return flags.filter((f) => f !== RECENT);
  }

  /** sequence-set (RFC 9051 §9), or "$" with SEARCHRES (RFC 5182). */
  sequenceSet(): SequenceSet {
    const start = this.#pos;
    for (let b = this.peek(); isDigit(b) || b === 0x3a || b === 0x2a || b === 0x2c || b === 0x24; b = this.peek()) this.#pos++;
    if (this.#pos === start) this.unexpected("sequence set");
    return parseSequenceSet(this.#buf.toString("latin1", start, this.#pos), { allowSaved: this.searchRes });
  }

  /** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE */
  dateTime(): ParsedDateTime {
    if (this.peek() !== DQUOTE) this.unexpected("date-time");
    return parseDateTime(this.quoted().toString("latin1"));
  }

  /** date = date-text / DQUOTE date-text DQUOTE (SEARCH dates, RFC 9051 §6.4.4). */
  date(): ImapDate {
    const text = this.peek() === DQUOTE ? this.quoted().toString("latin1") : this.#run(ATOM_CHAR, "date");
    return parseDate(text);
  }
}

function decode(buf: Buffer): string {
  if (!isUtf8(buf)) fail("String is not valid UTF-8");
  return buf.toString("utf8");
}
