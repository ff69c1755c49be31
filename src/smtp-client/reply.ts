/**
 * Reading SMTP replies (RFC 5321 §4.2): "ddd-text" for every line but the last, "ddd text" (or
 * "ddd") for the last; all lines of one reply carry the same code. The first digit is 2–5
 * (§4.2.1: 1yz is never used by SMTP), the second 0–5. Lines end with CRLF; a bare LF is
 * tolerated. Lines over 4096 octets (§4.5.3.1.5 allows 512) or replies over 64 KiB or 1000 lines
 * are protocol errors, so a server cannot make us hold unbounded memory.
 */

export interface SmtpReply {
  code: number;
  /** The text of each line, after "ddd-" / "ddd ". */
  lines: string[];
}

const MAX_LINE_OCTETS = 4096;
const MAX_REPLY_OCTETS = 64 * 1024;
const MAX_REPLY_LINES = 1000;

export class ReplySyntaxError extends Error {}

const LINE_RE = /^([2-5][0-5][0-9])(?:([ -])(.*))?$/s;

/** The reply as received, lines joined by "\n": "250-a\n250 b". */
export function replyText(r: SmtpReply): string {
  return r.lines.map((l, i) => `${r.code}${i === r.lines.length - 1 ? " " : "-"}${l}`.trimEnd()).join("\n");
}

export function isPositive(r: SmtpReply): boolean {
  return r.code >= 200 && r.code < 300;
}

export function isPermanent(r: SmtpReply): boolean {
  return r.code >= 500 && r.code < 600;
}

/** Incremental parser: feed octets, take complete replies. Throws ReplySyntaxError on bad input. */
export class ReplyParser {
  #pending: Buffer = Buffer.alloc(0);
  #lines: string[] = [];
  #code = 0;
  #octets = 0;

  /** True when a reply or line has started but not ended. */
  get partial(): boolean {
    return this.#pending.length > 0 || this.#lines.length > 0;
  }

  /** Forgets anything buffered (RFC 3207 §4.2: nothing from before the TLS handshake is kept). */
  reset(): void {
    this.#pending = Buffer.alloc(0);
    this.#lines = [];
    this.#code = 0;
    this.#octets = 0;
  }

  feed(chunk: Buffer): SmtpReply[] {
    const out: SmtpReply[] = [];
    let buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    for (;;) {
      const lf = buf.indexOf(10);
      if (lf < 0) break;
      const end = lf > 0 && buf[lf - 1] === 13 ? lf - 1 : lf;
      if (end > MAX_LINE_OCTETS) throw new ReplySyntaxError(`reply line longer than ${MAX_LINE_OCTETS} octets`);
      const reply = this.#line(buf.subarray(0, end).toString("utf8"), lf + 1);
      if (reply !== null) out.push(reply);
      buf = buf.subarray(lf + 1);
    }
    if (buf.length > MAX_LINE_OCTETS) throw new ReplySyntaxError(`reply line longer than ${MAX_LINE_OCTETS} octets`);
    this.#pending = Buffer.from(buf);
    return out;
  }

  #line(line: string, octets: number): SmtpReply | null {
    const m = LINE_RE.exec(line);
    if (m === null) throw new ReplySyntaxError(`malformed reply line "${printable(line)}"`);
    const code = Number(m[1]);
    if (this.#lines.length > 0 && code !== this.#code) {
      throw new ReplySyntaxError(`reply lines with different codes (${this.#code}, then ${code})`);
    }
    this.#code = code;
    this.#octets += octets;
    this.#lines.push(m[3] ?? "");
    if (this.#lines.length > MAX_REPLY_LINES || this.#octets > MAX_REPLY_OCTETS) {
      throw new ReplySyntaxError(`reply longer than ${MAX_REPLY_LINES} lines or ${MAX_REPLY_OCTETS} octets`);
    }
    if (m[2] === "-") return null;
    const reply = { code, lines: this.#lines };
    this.#lines = [];
    this.#octets = 0;
    return reply;
  }
}

/** A short, printable excerpt of untrusted text for error details. */
export function printable(s: string, max = 60): string {
  const clean = s.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** EHLO keywords (upper-cased) and their parameters (RFC 5321 §4.1.1.1: ehlo-line). */
export function parseExtensions(ehlo: SmtpReply): Map<string, string> {
  const ext = new Map<string, string>();
  for (const line of ehlo.lines.slice(1)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:[ =](.*))?$/.exec(line.trim());
    if (m?.[1] !== undefined) ext.set(m[1].toUpperCase(), (m[2] ?? "").trim());
  }
  return ext;
}
