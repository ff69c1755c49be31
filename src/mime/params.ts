/**
 * MIME structured field values: Content-Type (RFC 2045 §5.1), Content-Disposition (RFC 2183 §2),
 * Content-Transfer-Encoding (RFC 2045 §6.1), Content-Language (RFC 3282 §2). Comments (RFC 5322 §3.2.2)
 * are dropped, quoted strings unquoted. Parameter names and values are kept as written: RFC 2231
 * continuations are not joined, as IMAP servers report them as they are.
 */

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
