/**
 * Evaluating SEARCH keys against one message (RFC 9051 §6.4.4, RFC 3501 §6.4.4). Pure: the
 * SEARCH command gathers what each message needs (view flags, row, cached summary, raw bytes)
 * and calls `matches`. String keys match case-insensitively as substrings; header values are
 * unfolded and RFC 2047 encoded-words decoded, text bodies have their transfer encoding and
 * charset undone, so plain words and ASCII match whatever the sender's encoding.
 */
import type { SearchKey } from "../parser/index.ts";
import { intervalsContain, resolveSequenceSet } from "../parser/index.ts";
import {
  decodeCharset, decodeTransfer, decodeHeaderText, isMultipart, paramValue, type HeaderField, type MimePart,
} from "../../mime/index.ts";
import { headerText, type HeaderIndex } from "./search-headers.ts";

/**
 * Whether field `name` (lower-case) is present with a value containing `needle` (lower-case; ""
 * matches any value), without allocating: SEARCH FROM runs this over every message of a mailbox.
 * Linear in the index: each search resumes past what the last one covered, never re-reading the
 * fields between a field of that name and the next place the needle occurs.
 */
export function headerMatch(index: HeaderIndex, name: string, needle: string): boolean {
  const key = `\n${name}:`;
  if (needle.includes("\n")) return false; // a field's value never holds one
  let i = index.indexOf(key);
  while (i >= 0) {
    if (needle === "") return true;
    const start = i + key.length;
    const hit = index.indexOf(needle, start);
    if (hit < 0) return false;
    const end = index.indexOf("\n", start);
    if (end < 0 || hit + needle.length <= end) return true;
    // No occurrence before `hit`: the next candidate is the field that holds it, or a later one.
    i = index.indexOf(key, index.lastIndexOf("\n", hit));
  }
  return false;
}

/** Fields SEARCH has keys for (RFC 9051 §6.4.4), kept apart so matching them scans a few bytes. */
export const COMMON_FIELDS = ["from", "to", "cc", "bcc", "subject"] as const;
const COMMON_INDEX = new Map<string, number>(COMMON_FIELDS.map((f, i) => [f, i]));

/** Each common field's values joined by NUL (which no search string holds), or null when absent. */
export function commonFields(index: HeaderIndex): Array<string | null> {
  return COMMON_FIELDS.map((name) => {
    const values = headerValues(index, name);
    return values.length === 0 ? null : values.join("\0");
  });
}

/** The values of field `name` (lower-case) in a header index. */
export function headerValues(index: HeaderIndex, name: string): string[] {
  const out: string[] = [];
  const key = `\n${name}:`;
  for (let i = index.indexOf(key); i >= 0; i = index.indexOf(key, i + 1)) {
    const start = i + key.length;
    const end = index.indexOf("\n", start);
    out.push(index.slice(start, end < 0 ? index.length : end));
  }
  return out;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** The calendar day of a Date header (RFC 5322 §3.3, obsolete years included), as YYYYMMDD. */
export function sentDay(fields: readonly HeaderField[]): number | null {
  const date = fields.find((f) => f.name.toLowerCase() === "date");
  if (date === undefined) return null;
  const m = /(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\s+(\d{2,4})\b/.exec(date.value);
  if (m === null) return null;
  const month = MONTHS.indexOf((m[2] ?? "").toLowerCase()) + 1;
  let year = Number(m[3]);
  if ((m[3] ?? "").length === 2) year += year < 50 ? 2000 : 1900;
  else if ((m[3] ?? "").length === 3) year += 1900;
  const day = Number(m[1]);
  if (month === 0 || day < 1 || day > 31) return null;
  return year * 10000 + month * 100 + day;
}

/** The UTC calendar day of a time in milliseconds, as YYYYMMDD. */
export function dayOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** The searchable text of a message's body: text parts decoded, lower-cased (RFC 9051 §6.4.4 BODY). */
export function bodyText(raw: Buffer, tree: MimePart): string {
  const out: string[] = [];
  const stack: MimePart[] = [tree];
  for (let part = stack.pop(); part !== undefined; part = stack.pop()) {
    if (part.truncated) {
      out.push(decodeHeaderText(raw.subarray(part.bodyStart, part.bodyEnd)));
    } else if (isMultipart(part)) {
      for (let i = part.children.length - 1; i >= 0; i--) stack.push(part.children[i] as MimePart);
    } else if (part.message !== undefined) {
      out.push(headerText(raw, part.message));
      stack.push(part.message);
    } else if (part.contentType.type.toLowerCase() === "text") {
      let bytes = raw.subarray(part.bodyStart, part.bodyEnd);
      try {
        bytes = decodeTransfer(bytes, part.encoding);
      } catch {
        // unknown encoding: search the bytes as they are
      }
      // An unknown charset: the bytes as UTF-8 when they are, else Latin-1 (every byte one character).
      out.push(decodeCharset(bytes, paramValue(part.contentType.params, "charset") ?? "") ?? decodeHeaderText(bytes));
    }
  }
  return out.join("\n").toLowerCase();
}

/** What one message offers the evaluator; getters may compute lazily. */
export interface SearchSubject {
  seq: number;
  uid: number;
  /** Lower-cased flag names. */
  flags: ReadonlySet<string>;
  /** \Recent in this session (RFC 3501 §2.3.2). */
  recent: boolean;
  size: number;
  internalDate: number;
  headers: HeaderIndex;
  /** commonFields(headers). */
  common: ReadonlyArray<string | null>;
  sentDay: number | null;
  /** The message's modseq (read only for MODSEQ keys). */
  modseq: number;
  /** Body text, lower-cased (BODY). */
  body(): string;
  /** Header and body text, lower-cased (TEXT). */
  text(): string;
}

interface SearchScope {
  /** Messages in the mailbox (`*` for sequence numbers). */
  exists: number;
  /** Highest UID in the mailbox (`*` for UIDs). */
  maxUid: number;
}

/** What a key tree needs beyond flags and numbers. */
interface SearchNeeds {
  /** Size and dates from the message rows. */
  rows: boolean;
  /** The summary (the Date header's day). */
  summary: boolean;
  /** Every header field (HEADER, FROM, TO, CC, BCC, SUBJECT). */
  headers: boolean;
  /** The bytes (BODY, TEXT). */
  body: boolean;
  /** The header's text as well (TEXT). */
  text: boolean;
  /** Modseqs from the store (MODSEQ, RFC 7162 §3.1.5). */
  modseq: boolean;
}

export function searchNeeds(key: SearchKey): SearchNeeds {
  const needs = { rows: false, summary: false, headers: false, body: false, text: false, modseq: false };
  const stack: SearchKey[] = [key];
  for (let k = stack.pop(); k !== undefined; k = stack.pop()) {
    switch (k.type) {
      case "header":
        needs.headers = true;
        break;
      case "body":
        needs.body = true;
        break;
      case "text":
        needs.body = needs.text = true;
        break;
      case "date":
        needs.rows = true;
        if (k.field === "sent") needs.summary = true;
        break;
      case "size":
        needs.rows = true;
        break;
      case "modseq":
        needs.modseq = true;
        break;
      case "not":
        stack.push(k.key);
        break;
      case "or":
      case "and":
        for (const sub of k.keys) stack.push(sub); // not push(...keys): a spread of 100,000+ overflows the stack
        break;
      default:
        break;
    }
  }
  if (needs.body || needs.summary || needs.headers) needs.rows = true;
  return needs;
}

/** A compiled key: constants (lower-cased strings, resolved sets, day numbers) computed once. */
type Predicate = (m: SearchSubject) => boolean;

/**
 * Compiles a key tree into one closure per node, so testing a message does no string
 * lower-casing, set resolution or date arithmetic on the key side. Recursion is bounded by the
 * parser's depth limit.
 */
export function compileSearch(key: SearchKey, scope: SearchScope): Predicate {
  switch (key.type) {
    case "all":
      return () => true;
    case "flag": {
      const flag = key.flag.toLowerCase();
      return key.set ? (m) => m.flags.has(flag) : (m) => !m.flags.has(flag);
    }
    case "recent":
      return (m) => m.recent; // RFC 3501 §6.4.4 RECENT (NEW, OLD): recent to this session
    case "header": {
      const field = key.field.toLowerCase();
      const needle = key.value.toLowerCase();
      const i = COMMON_INDEX.get(field);
      if (i === undefined) return (m) => headerMatch(m.headers, field, needle);
      return (m) => {
        const v = m.common[i];
        return v !== null && v !== undefined && v.includes(needle);
      };
    }
    case "body": {
      const needle = key.value.toLowerCase();
      return (m) => m.body().includes(needle);
    }
    case "text": {
      const needle = key.value.toLowerCase();
      return (m) => m.text().includes(needle);
    }
    case "date": {
      const want = key.date.year * 10000 + key.date.month * 100 + key.date.day;
      const day = key.field === "sent" ? (m: SearchSubject): number => m.sentDay ?? dayOf(m.internalDate) : (m: SearchSubject): number => dayOf(m.internalDate);
      if (key.op === "before") return (m) => day(m) < want;
      if (key.op === "on") return (m) => day(m) === want;
      return (m) => day(m) >= want;
    }
    case "size": {
      const size = key.size;
      return key.op === "larger" ? (m) => m.size > size : (m) => m.size < size;
    }
    case "seq": {
      const set = resolveSequenceSet(key.set, scope.exists);
      return (m) => intervalsContain(set, m.seq);
    }
    case "uid": {
      const set = resolveSequenceSet(key.set, scope.maxUid);
      return (m) => intervalsContain(set, m.uid);
    }
    case "modseq": {
      const modseq = key.modseq;
      return (m) => m.modseq >= modseq;
    }
    case "not": {
      const inner = compileSearch(key.key, scope);
      return (m) => !inner(m);
    }
    case "or": {
      const parts = key.keys.map((k) => compileSearch(k, scope));
      return (m) => parts.some((p) => p(m));
    }
    case "and": {
      const parts = key.keys.map((k) => compileSearch(k, scope));
      return (m) => parts.every((p) => p(m));
    }
  }
}
