/**
 * mbox in the mboxrd variant (RFC 4155 describes the family; mboxrd is the reversible one): each
 * message starts with a "From " line carrying its internal date, every body line matching
 * /^>*From / gets one more ">" (and loses one on reading), and a blank line ends the message.
 *
 * Ahead of each message's own header section the writer puts what IMAP knows about it, in a
 * block that ends with our own header, so the reader can take exactly that block off again and
 * the message bytes round-trip unchanged:
 *
 *   Status: RO                 Dovecot's and mutt's flags: R = \Seen, O = not new
 *   X-Status: AFTD             \Answered \Flagged \Draft \Deleted (only when set)
 *   X-Keywords: $Forwarded x   IMAP keywords (only when set)
 *   X-Sealpost-Mailbox: INBOX  the mailbox (like Google Takeout's X-Gmail-Labels); always last
 *
 * A message from another program's mbox has no such block: its Status/X-Status/X-Keywords, when
 * present, give its flags and its bytes are taken as they are. The one thing mboxrd cannot carry
 * is a message whose last line lacks a line ending: it gains one.
 */

/** Our header, last in the block the writer adds (and the reader removes). */
const MAILBOX_HEADER = "X-Sealpost-Mailbox";

const SYSTEM_BY_LETTER: ReadonlyMap<string, string> = new Map([
  ["A", "\\Answered"],
  ["F", "\\Flagged"],
  ["T", "\\Draft"],
  ["D", "\\Deleted"],
]);
const LETTER_BY_SYSTEM: ReadonlyMap<string, string> = new Map([...SYSTEM_BY_LETTER].map(([l, f]) => [f.toLowerCase(), l]));

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LF = 0x0a;
const CR = 0x0d;
const GT = 0x3e;
const FROM_ = Buffer.from("From ");

export interface MboxMessage {
  mailbox: string;
  /** IMAP flags, system flags with their backslash. */
  flags: readonly string[];
  /** Internal date, ms since the epoch (the "From " line keeps whole seconds). */
  internalDate: number;
  bytes: Uint8Array;
}

/** C's asctime() in UTC, as the "From " line has it: "Sun Dec  6 17:02:44 2026". */
export function asctime(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The time of a "From " line's date (asctime, optionally with a zone before the year); null if none. */
export function parseFromLineDate(line: string): number | null {
  const m = /([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?: ([+-])(\d{2})(\d{2})| [A-Z]{3,4})? (\d{4})/.exec(line);
  if (m === null) return null;
  const month = MONTHS.indexOf(m[1] ?? "");
  if (month < 0) return null;
  let t = Date.UTC(Number(m[9]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  if (m[6] !== undefined) t -= (m[6] === "-" ? -1 : 1) * (Number(m[7]) * 60 + Number(m[8])) * 60_000;
  return Number.isNaN(t) ? null : t;
}

/** Whether the line starting at `pos` matches /^>*From /. */
function isFromLine(buf: Uint8Array, pos: number): boolean {
  let i = pos;
  while (i < buf.length && buf[i] === GT) i++;
  if (buf.length - i < FROM_.length) return false;
  for (let k = 0; k < FROM_.length; k++) if (buf[i + k] !== FROM_[k]) return false;
  return true;
}

/** The message's line ending, for the lines we add: CRLF if its first line has one, else LF. */
function lineEnding(bytes: Uint8Array): string {
  const nl = bytes.indexOf(LF);
  return nl > 0 && bytes[nl - 1] === CR ? "\r\n" : "\n";
}

/** The header block the writer puts ahead of the message (see the module comment). */
function ourHeaders(m: MboxMessage, eol: string): string {
  let xstatus = "";
  const keywords: string[] = [];
  let seen = false;
  for (const f of m.flags) {
    if (f.toLowerCase() === "\\seen") seen = true;
    else if (f.startsWith("\\")) xstatus += LETTER_BY_SYSTEM.get(f.toLowerCase()) ?? "";
    else if (f !== "") keywords.push(f);
  }
  let out = `Status: ${seen ? "RO" : "O"}${eol}`;
  if (xstatus !== "") out += `X-Status: ${xstatus}${eol}`;
  if (keywords.length > 0) out += `X-Keywords: ${keywords.join(" ")}${eol}`;
  return `${out}${MAILBOX_HEADER}: ${m.mailbox}${eol}`;
}

/**
 * One message as mboxrd: the pieces to write in order (the message bytes are not copied, only
 * sliced where a ">" goes in). Linear in the message's size.
 */
export function mboxEntry(m: MboxMessage): Uint8Array[] {
  const bytes = m.bytes;
  const out: Uint8Array[] = [Buffer.from(`From MAILER-DAEMON ${asctime(m.internalDate)}\n${ourHeaders(m, lineEnding(bytes))}`, "utf8")];
  let start = 0;
  for (let pos = 0; pos < bytes.length; ) {
    if (isFromLine(bytes, pos)) {
      if (pos > start) out.push(bytes.subarray(start, pos));
      out.push(Buffer.from(">"));
      start = pos;
    }
    const nl = bytes.indexOf(LF, pos);
    pos = nl < 0 ? bytes.length : nl + 1;
  }
  if (bytes.length > start) out.push(bytes.subarray(start));
  // The blank line that ends the entry; a last line without its ending gains one.
  out.push(Buffer.from(bytes.length > 0 && bytes[bytes.length - 1] !== LF ? "\n\n" : "\n"));
  return out;
}

/** A message read back: its place and flags when the file says, and its bytes. */
export interface MboxEntry {
  /** From our header block; null for a message from another program's mbox. */
  mailbox: string | null;
  flags: string[];
  /** From the "From " line; null when it has no date. */
  internalDate: number | null;
  bytes: Buffer;
}

/** The file is not an mbox, or a message is larger than the reader takes. */
export class MboxError extends Error {
  override name = "MboxError";
}

/**
 * Reads mbox incrementally: `push` each chunk as it comes, `end` at the end of the file; each
 * returns the messages completed so far. Work is linear in the input; memory is one message,
 * refused past `maxMessageBytes`.
 */
export class MboxReader {
  readonly #max: number;
  /** Pieces of a line not yet ended. */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #fromLine: string | null = null;
  #lines: Buffer[] = [];
  #bytes = 0;
  #count = 0;

  constructor(maxMessageBytes: number) {
    this.#max = maxMessageBytes;
  }

  /** Messages read so far. */
  get count(): number {
    return this.#count;
  }

  push(chunk: Buffer): MboxEntry[] {
    const done: MboxEntry[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl >= 0; nl = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, nl + 1);
      const line = this.#partial.length === 0 ? piece : Buffer.concat([...this.#partial, piece]);
      this.#partial = [];
      this.#partialBytes = 0;
      this.#line(line, done);
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.#partial.push(chunk.subarray(start));
      this.#partialBytes += chunk.length - start;
      this.#grow(0);
    }
    return done;
  }

  end(): MboxEntry[] {
    const done: MboxEntry[] = [];
    if (this.#partial.length > 0) this.#line(Buffer.concat(this.#partial), done);
    this.#partial = [];
    this.#finish(done);
    return done;
  }

  #grow(n: number): void {
    this.#bytes += n;
    if (this.#bytes + this.#partialBytes > this.#max) {
      throw new MboxError(`message ${this.#count + 1} in the mbox file is larger than ${this.#max} bytes`);
    }
  }

  #line(line: Buffer, done: MboxEntry[]): void {
    if (line.subarray(0, FROM_.length).equals(FROM_)) {
      this.#finish(done);
      this.#fromLine = line.toString("latin1");
      return;
    }
    if (this.#fromLine === null) {
      if (line.toString("latin1").trim() === "") return; // blank lines ahead of the first message
      throw new MboxError('not an mbox file: it does not start with a "From " line');
    }
    // mboxrd: one ">" off a quoted "From " line.
    const body = line[0] === GT && isFromLine(line, 0) ? line.subarray(1) : line;
    this.#grow(body.length);
    this.#lines.push(body);
  }

  #finish(done: MboxEntry[]): void {
    if (this.#fromLine === null) return;
    const last = this.#lines.at(-1);
    // The blank line that ends the entry is the file's, not the message's.
    if (last !== undefined && (last.length === 1 || (last.length === 2 && last[0] === CR)) && last[last.length - 1] === LF) this.#lines.pop();
    done.push(decodeEntry(this.#fromLine, Buffer.concat(this.#lines)));
    this.#count++;
    this.#fromLine = null;
    this.#lines = [];
    this.#bytes = 0;
  }
}

/** Splits off our header block (or reads a foreign message's flags) — see the module comment. */
function decodeEntry(fromLine: string, bytes: Buffer): MboxEntry {
  const flags: string[] = [];
  let seen = false;
  const take = (name: string, value: string): void => {
    if (name === "status") seen = value.includes("R");
    else if (name === "x-status") {
      for (const ch of value) {
        const f = SYSTEM_BY_LETTER.get(ch);
        if (f !== undefined && !flags.includes(f)) flags.push(f);
      }
    } else if (name === "x-keywords") {
      for (const k of value.split(/[\s,]+/)) if (k !== "" && !flags.includes(k)) flags.push(k);
    }
  };
  const internalDate = parseFromLineDate(fromLine);
  const result = (mailbox: string | null, body: Buffer): MboxEntry => ({ mailbox, flags: seen ? ["\\Seen", ...flags] : flags, internalDate, bytes: body });
  // Our block: Status / X-Status / X-Keywords lines, then X-Sealpost-Mailbox.
  const looked: Array<[string, string]> = [];
  for (let pos = 0; pos < bytes.length; ) {
    const nl = bytes.indexOf(LF, pos);
    if (nl < 0) break;
    const line = bytes.subarray(pos, nl).toString("utf8").replace(/\r$/, "");
    const m = /^([A-Za-z-]+): ?(.*)$/.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (m === null || name === undefined) break;
    if (name === MAILBOX_HEADER.toLowerCase()) {
      for (const [n, v] of looked) take(n, v);
      return result(m[2] ?? "", bytes.subarray(nl + 1));
    }
    if (name !== "status" && name !== "x-status" && name !== "x-keywords") break;
    looked.push([name, m[2] ?? ""]);
    pos = nl + 1;
  }
  // Another program's message: flags from its own header section, bytes untouched.
  const got = new Set<string>();
  for (let pos = 0; pos < bytes.length; ) {
    const nl = bytes.indexOf(LF, pos);
    const line = bytes.subarray(pos, nl < 0 ? bytes.length : nl).toString("latin1").replace(/\r$/, "");
    if (line === "") break;
    const m = /^(Status|X-Status|X-Keywords):[ \t]*(.*)$/i.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (m !== null && name !== undefined && !got.has(name)) {
      got.add(name);
      take(name, m[2] ?? "");
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  return result(null, bytes);
}
