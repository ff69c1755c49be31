/**
 * RFC 5322 §3.4 address-list parsing for the IMAP ENVELOPE (RFC 9051 §7.5.2, RFC 3501 §7.4.2): display
 * names, quoted strings, comments, groups, angle addresses, obsolete routes (§4.4). Robust against
 * garbage: it never throws, every loop advances, and its cost is linear in the input.
 *
 * Values are kept raw: encoded-words (RFC 2047) stay encoded, as IMAP returns them.
 */
import { readQuoted } from "./params.ts";

/** One ENVELOPE address: (name adl mailbox host). A group start has host null and its name in mailbox; a group end is all null. */
export interface ImapAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

/** Placeholders for a missing mailbox or domain, as Dovecot reports them (a null host would read as a group). */
const MISSING_MAILBOX = "MISSING_MAILBOX";
const MISSING_DOMAIN = "MISSING_DOMAIN";
/** The adl Dovecot reports for an obsolete route without its closing ":". */
const INVALID_ROUTE = "INVALID_ROUTE";

type Token =
  | { kind: "word"; text: string; quoted: boolean; spaceBefore: boolean }
  | { kind: "literal"; text: string; spaceBefore: boolean } // [domain literal], brackets kept
  | { kind: "comment"; text: string; spaceBefore: boolean }
  | { kind: "special"; text: string; spaceBefore: boolean };

/** Characters that end an atom: whitespace, '"', "(" and the specials (ASCII; beyond it, /\s/ decides). */
const ATOM_END = new Uint8Array(128);
for (const c of ' \t\n\v\f\r"(<>@,;:[]') ATOM_END[c.charCodeAt(0)] = 1;
const SPECIALS = "<>@,;:[]";

/** Tokens are never changed once made: one shared token per special and spacing, so a flood of them allocates nothing. */
const SPECIAL_TOKENS = new Map<string, readonly [Token, Token]>(
  [...SPECIALS].map((c) => [c, [{ kind: "special", text: c, spaceBefore: false }, { kind: "special", text: c, spaceBefore: true }]]),
);

function specialToken(c: string, space: boolean): Token {
  return SPECIAL_TOKENS.get(c)?.[space ? 1 : 0] ?? { kind: "special", text: c, spaceBefore: space };
}

function endsAtom(code: number, s: string, i: number): boolean {
  return code < 128 ? ATOM_END[code] === 1 : /\s/.test(s[i] ?? "");
}

/**
 * A comment from its "(" at `i` (RFC 5322 §3.2.2: nested, quoted-pairs), its text without the outer
 * parentheses, backslashes and line breaks; built from slices of `s`, never a character at a time
 * (a string grown by += per character is a rope V8 handles in more than linear time).
 */
function readComment(s: string, i: number): { text: string; next: number } {
  const pieces: string[] = [];
  let depth = 0;
  let run = i + 1;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c && i + 1 < s.length) {
      pieces.push(s.slice(run, i));
      run = ++i; // the escaped character is kept
    } else if (c === 0x28) {
      depth++;
    } else if (c === 0x29) {
      if (--depth === 0) break;
    } else if (c === 0x0d || c === 0x0a) {
      pieces.push(s.slice(run, i));
      run = i + 1;
    }
  }
  pieces.push(s.slice(run, i));
  return { text: pieces.join(""), next: i + 1 };
}

/** Splits a header value into words, quoted strings, comments, domain literals and specials. */
function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let space = false;
  while (i < s.length) {
    const c = s[i] ?? "";
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      space = true;
      i++;
      continue;
    }
    if (c === '"') {
      const q = readQuoted(s, i);
      i = q.next;
      tokens.push({ kind: "word", text: q.text, quoted: true, spaceBefore: space });
    } else if (c === "(") {
      const comment = readComment(s, i);
      i = comment.next;
      tokens.push({ kind: "comment", text: comment.text.trim(), spaceBefore: space });
    } else if (c === "[") {
      const close = s.indexOf("]", i);
      const stop = close < 0 ? s.length : close + 1;
      tokens.push({ kind: "literal", text: s.slice(i, stop).replace(/[\r\n]/g, ""), spaceBefore: space });
      i = stop;
    } else if (SPECIALS.includes(c)) {
      tokens.push(specialToken(c, space));
      i++;
    } else {
      // An atom; "." is kept inside it (dot-atom, obs-phrase "Joe Q. Public", obs-local-part).
      const start = i;
      while (i < s.length && !endsAtom(s.charCodeAt(i), s, i)) i++;
      if (i === start) i++; // a lone ")" or "]" or "\": skip it
      else tokens.push({ kind: "word", text: s.slice(start, i), quoted: false, spaceBefore: space });
    }
    space = false;
  }
  return tokens;
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  readonly out: ImapAddress[] = [];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isSpecial(t: Token | undefined, ...chars: string[]): boolean {
    return t !== undefined && t.kind === "special" && chars.includes(t.text);
  }

  /** address-list: elements separated by ","; empty elements (obs-addr-list) are skipped. */
  parseList(): void {
    while (this.pos < this.tokens.length) {
      if (this.isSpecial(this.peek(), ",", ";", ">", "]")) {
        this.pos++;
        continue;
      }
      this.parseAddress(false);
    }
  }

  /** One mailbox or group. Consumes up to (not including) the "," that ends it. */
  private parseAddress(inGroup: boolean): void {
    const phrase: Token[] = [];
    let comment: string | null = null;
    for (;;) {
      const t = this.peek();
      if (t === undefined || this.isSpecial(t, ",", ";")) {
        // A bare word list with no "@": a local part without a domain.
        if (phrase.length > 0) this.push(null, null, joinWords(phrase, false), null, comment);
        return;
      }
      if (t.kind === "comment") {
        comment = t.text === "" ? comment : t.text;
        this.pos++;
      } else if (t.kind === "word" || t.kind === "literal") {
        phrase.push(t);
        this.pos++;
      } else if (t.text === ":" && !inGroup) {
        this.pos++;
        this.parseGroup(joinWords(phrase, true));
        return;
      } else if (t.text === "<") {
        this.pos++;
        const name = joinWords(phrase, true);
        this.parseAngle(name !== "" ? name : comment);
        return;
      } else if (t.text === "@") {
        this.pos++;
        const domain = this.readDomain();
        this.push(null, null, joinWords(phrase, false), domain, this.trailingComment() ?? comment);
        return;
      } else {
        this.pos++; // stray ">", "]", ":" inside a group: ignored
      }
    }
  }

  private parseGroup(name: string): void {
    this.out.push({ name: null, adl: null, mailbox: name === "" ? MISSING_MAILBOX : name, host: null });
    for (;;) {
      const t = this.peek();
      if (t === undefined) break;
      if (this.isSpecial(t, ";")) {
        this.pos++;
        break;
      }
      if (this.isSpecial(t, ",")) {
        this.pos++;
        continue;
      }
      this.parseAddress(true);
    }
    this.out.push({ name: null, adl: null, mailbox: null, host: null });
  }

  /** After "<": [obs-route ":"] addr-spec ">". */
  private parseAngle(name: string | null): void {
    let adl: string | null = null;
    if (this.isSpecial(this.peek(), "@")) {
      let route = "";
      let closed = false;
      for (;;) {
        const t = this.peek();
        if (t === undefined || this.isSpecial(t, ">", ";")) break;
        this.pos++;
        if (this.isSpecial(t, ":")) {
          closed = true;
          break;
        }
        if (t.kind !== "comment") route += t.text;
      }
      adl = closed ? route : INVALID_ROUTE;
    }
    const local: Token[] = [];
    let domain: string | null = null;
    for (;;) {
      const t = this.peek();
      if (t === undefined || this.isSpecial(t, ",", ";")) break;
      this.pos++;
      if (this.isSpecial(t, ">")) break;
      if (this.isSpecial(t, "@")) {
        domain = this.readDomain();
        if (this.isSpecial(this.peek(), ">")) this.pos++;
        break;
      }
      if (t.kind === "word" || t.kind === "literal") local.push(t);
    }
    // Anything after ">" up to the next "," (comments, garbage) is ignored.
    while (this.peek() !== undefined && !this.isSpecial(this.peek(), ",", ";")) this.pos++;
    this.push(name, adl, joinWords(local, false), domain, null);
  }

  /** domain = dot-atom / domain-literal / obs-domain, read up to a delimiter. */
  private readDomain(): string {
    const parts: string[] = [];
    let endsWithDot = false;
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.kind === "comment" || t.kind === "special") break;
      if (parts.length > 0 && t.spaceBefore && !endsWithDot && !t.text.startsWith(".")) break;
      if (t.text !== "") {
        parts.push(t.text);
        endsWithDot = t.text.endsWith(".");
      }
      this.pos++;
    }
    return parts.join("");
  }

  /** A comment right after an addr-spec ("a@b (Name)") names it; consumes up to the next ",". */
  private trailingComment(): string | null {
    let comment: string | null = null;
    while (this.peek() !== undefined && !this.isSpecial(this.peek(), ",", ";")) {
      const t = this.peek();
      if (t?.kind === "comment" && t.text !== "" && comment === null) comment = t.text;
      this.pos++;
    }
    return comment;
  }

  private push(name: string | null, adl: string | null, mailbox: string, host: string | null, comment: string | null): void {
    this.out.push({
      name: name ?? comment,
      adl,
      mailbox: mailbox === "" ? MISSING_MAILBOX : mailbox,
      host: host === null || host === "" ? MISSING_DOMAIN : host,
    });
  }
}

/** Joins phrase words with single spaces (display names) or local-part words without (dots are inside atoms). */
function joinWords(words: readonly Token[], spaced: boolean): string {
  if (!spaced) return words.map((w) => w.text).join("");
  let s = "";
  for (const w of words) s += (s !== "" && w.spaceBefore ? " " : "") + w.text;
  return s;
}

/**
 * Parses an address-list header value (From, To, Cc, ...) into ENVELOPE addresses. Groups become a
 * start marker (NIL NIL name NIL), their members and an end marker (NIL NIL NIL NIL) per RFC 3501 §7.4.2.
 */
export function parseAddressList(value: string): ImapAddress[] {
  const p = new Parser(tokenize(value));
  p.parseList();
  return p.out;
}
