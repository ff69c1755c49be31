/**
 * MIME structured field values: Content-Type (RFC 2045 §5.1), Content-Disposition (RFC 2183 §2),
 * Content-Transfer-Encoding (RFC 2045 §6.1), Content-Language (RFC 3282 §2). Comments (RFC 5322 §3.2.2)
 * are dropped, quoted strings unquoted. Parameter names and values are kept as written: RFC 2231
 * continuations are not joined, as IMAP servers report them as they are; paramText joins and decodes
 * them for a person to read.
 */
import { decodeCharset, decodeEncodedWords } from "./encoded-word.ts";
import { decodeHeaderText } from "./header.ts";

/** A parameter as written: `name=value`, the value unquoted. */
export interface MimeParam {
  name: string;
  value: string;
}

/** A value of the form `main *(";" param)`. */
interface MimeValue {
  /** The part before the first ";", whitespace and comments removed (e.g. "text/plain"). */
  main: string;
  params: MimeParam[];
}

/** Skips whitespace and (nested) comments from `i`; returns the next index. */
function skipCfws(s: string, i: number): number {
  for (;;) {
    while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === "\r" || s[i] === "\n")) i++;
    if (s[i] !== "(") return i;
    let depth = 0;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === "\\") i++;
      else if (c === "(") depth++;
      else if (c === ")" && --depth === 0) {
        i++;
        break;
      }
    }
  }
}

/**
 * Reads a quoted string (RFC 5322 §3.2.4) starting at the opening quote; returns the text without
 * quotes, backslashes and line breaks, and the next index. Built from slices of `s`, never a
 * character at a time (a string grown by += per character is a rope V8 handles in more than
 * linear time).
 */
export function readQuoted(s: string, i: number): { text: string; next: number } {
  const pieces: string[] = [];
  let run = i + 1;
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) break;
    if (c === 0x5c && i + 1 < s.length) {
      pieces.push(s.slice(run, i));
      run = ++i; // the escaped character is kept (a line break is not)
      if (s.charCodeAt(i) === 0x0d || s.charCodeAt(i) === 0x0a) run++;
    } else if (c === 0x0d || c === 0x0a) {
      pieces.push(s.slice(run, i));
      run = i + 1;
    }
  }
  pieces.push(s.slice(run, i));
  return { text: pieces.join(""), next: i + 1 };
}

/** Parses `main; a=b; c="d"` tolerantly: garbage between parameters is skipped. */
export function parseMimeValue(value: string): MimeValue {
  let i = skipCfws(value, 0);
  const pieces: string[] = [];
  let run = i;
  const cut = (at: number): void => {
    if (at > run) pieces.push(value.slice(run, at));
  };
  while (i < value.length && value[i] !== ";") {
    const c = value[i];
    if (c === "(") {
      cut(i);
      i = skipCfws(value, i);
      run = i;
    } else if (c === '"') {
      cut(i);
      const q = readQuoted(value, i);
      pieces.push(q.text);
      i = run = q.next;
    } else {
      if (c === " " || c === "\t" || c === "\r" || c === "\n") {
        cut(i);
        run = i + 1;
      }
      i++;
    }
  }
  cut(Math.min(i, value.length));
  const main = pieces.join("");
  const params: MimeParam[] = [];
  while (i < value.length) {
    i = skipCfws(value, i + 1); // past ";"
    const nameStart = i;
    while (i < value.length && !/[=;\s(]/.test(value[i] ?? "")) i++;
    const name = value.slice(nameStart, i);
    i = skipCfws(value, i);
    if (value[i] === "=" && name !== "") {
      i = skipCfws(value, i + 1);
      let v: string;
      if (value[i] === '"') {
        const q = readQuoted(value, i);
        v = q.text;
        i = q.next;
      } else {
        const vStart = i;
        while (i < value.length && !/[;\s(]/.test(value[i] ?? "")) i++;
        v = value.slice(vStart, i);
      }
      params.push({ name, value: v });
    }
    // Skip whatever garbage follows, up to the next ";" (quoted strings may hold one).
    while (i < value.length && value[i] !== ";") {
      if (value[i] === '"') i = readQuoted(value, i).next;
      else if (value[i] === "(") i = skipCfws(value, i);
      else i++;
    }
  }
  return { main, params };
}

/** The value of the first parameter named `name` (case-insensitive). */
export function paramValue(params: readonly MimeParam[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return params.find((p) => p.name.toLowerCase() === lower)?.value;
}

/**
 * A parameter's value as text, for a person to read (a file name): RFC 2231 §4 extended values
 * (`name*=utf-8'de'%C3%A4.pdf`) and §3 continuations (`name*0*=…; name*1=…`, joined in order up to
 * the first missing number; the charset is the first segment's), else the plain parameter with its
 * RFC 2047 encoded-words decoded (not allowed in a quoted string, RFC 2047 §5, but common). An
 * unknown charset reads as decodeCharset's fallback: the bytes as UTF-8 when valid, else Latin-1.
 */
export function paramText(params: readonly MimeParam[], name: string): string | undefined {
  const lower = name.toLowerCase();
  const segments = new Map<number, { value: string; extended: boolean }>();
  let whole: string | undefined;
  for (const p of params) {
    const n = p.name.toLowerCase();
    if (!n.startsWith(lower + "*")) continue;
    const rest = n.slice(lower.length + 1);
    if (rest === "") whole ??= p.value;
    else {
      const m = /^(0|[1-9][0-9]{0,3})(\*?)$/.exec(rest);
      if (m !== null && !segments.has(Number(m[1]))) segments.set(Number(m[1]), { value: p.value, extended: m[2] === "*" });
    }
  }
  let charset = "";
  const pieces: Buffer[] = [];
  const extended = (value: string, first: boolean): void => {
    let text = value;
    if (first) {
      // charset'language'value (§4); without both quotes it is a value alone.
      const q1 = value.indexOf("'");
      const q2 = q1 < 0 ? -1 : value.indexOf("'", q1 + 1);
      if (q2 >= 0) {
        charset = value.slice(0, q1);
        text = value.slice(q2 + 1);
      }
    }
    pieces.push(percentDecode(text));
  };
  if (whole !== undefined) extended(whole, true);
  else if (segments.has(0)) {
    for (let i = 0; segments.has(i); i++) {
      const seg = segments.get(i);
      if (seg === undefined) break;
      if (seg.extended) extended(seg.value, i === 0);
      else pieces.push(Buffer.from(seg.value, "utf8"));
    }
  } else {
    const plain = paramValue(params, name);
    return plain === undefined ? undefined : decodeEncodedWords(plain);
  }
  const bytes = Buffer.concat(pieces);
  return decodeCharset(bytes, charset) ?? decodeHeaderText(bytes);
}

/** %XX escapes to bytes (RFC 2231 §7 extended-other-values); a malformed "%" stays as it is. */
function percentDecode(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) out.push(c);
    else {
      // Not allowed unescaped (§7), but seen: the character as UTF-8.
      const cp = s.codePointAt(i) ?? 0xfffd;
      out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(out);
}

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/; // RFC 2045 §5.1 token

/** Content-Type `type/subtype`, or null when it is syntactically invalid (RFC 2045 §5.2 then applies). */
export function splitMediaType(main: string): { type: string; subtype: string } | null {
  const slash = main.indexOf("/");
  if (slash < 0) return null;
  const type = main.slice(0, slash);
  const subtype = main.slice(slash + 1);
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  return { type, subtype };
}

/** Content-Transfer-Encoding mechanism as written (comments removed), or "" when empty. */
export function parseEncoding(value: string): string {
  return parseMimeValue(value).main;
}

/** Content-Language tags (RFC 3282): comma-separated, comments removed. */
export function parseLanguage(value: string): string[] {
  const tags: string[] = [];
  for (const piece of value.split(",")) {
    const tag = parseMimeValue(piece).main;
    if (tag !== "") tags.push(tag);
  }
  return tags;
}
