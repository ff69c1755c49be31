/**
 * SEARCH arguments (RFC 9051 §6.4.4, RFC 3501 §6.4.4) as a typed AST, with ESEARCH's RETURN
 * options (RFC 4731, RFC 9051 §6.4.4) and SEARCHRES's SAVE and "$" (RFC 5182).
 *
 * search = "SEARCH" [search-return-opts] SP search-program
 * search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
 *
 * The prefix syntax (NOT x, OR x y, parenthesised groups) is read with an explicit stack, not
 * recursion. The AST is simplified as it is built (OR and AND flattened — operand order is not
 * kept —, NOT NOT dropped, one-key groups unwrapped) and its depth is then limited to the parser's maxDepth, so code
 * evaluating it recursively is safe.
 */
import { isUtf8 } from "node:buffer";
import type { ArgParser } from "./parse.ts";
import { ImapParseError } from "./errors.ts";
import type { SequenceSet } from "./sequence.ts";
import type { ImapDate } from "./format.ts";

export type SearchKey =
  | { type: "all" }
  /** ANSWERED/DELETED/DRAFT/FLAGGED/SEEN, KEYWORD and their UN- forms; `set: false` for UN-. */
  | { type: "flag"; flag: string; set: boolean }
  /** RECENT (NEW is RECENT UNSEEN, OLD is NOT RECENT); IMAP4rev1 only. */
  | { type: "recent" }
  /** BCC/CC/FROM/TO/SUBJECT use their field name; HEADER any field ("" value: field present). */
  | { type: "header"; field: string; value: string }
  | { type: "body"; value: string }
  | { type: "text"; value: string }
  /** BEFORE/ON/SINCE: internal date; SENTBEFORE/SENTON/SENTSINCE: the Date header. */
  | { type: "date"; field: "internal" | "sent"; op: "before" | "on" | "since"; date: ImapDate }
  | { type: "size"; op: "larger" | "smaller"; size: number }
  | { type: "seq"; set: SequenceSet }
  | { type: "uid"; set: SequenceSet }
  /** RFC 7162 §3.1.5: modseq at least this (the entry name, if any, is not told apart). */
  | { type: "modseq"; modseq: number }
  | { type: "not"; key: SearchKey }
  | { type: "or"; keys: SearchKey[] }
  | { type: "and"; keys: SearchKey[] };

type ReturnOption = "MIN" | "MAX" | "ALL" | "COUNT" | "SAVE";

export interface SearchProgram {
  /** Null when the client named none (US-ASCII, in practice anything UTF-8 is accepted). */
  charset: "US-ASCII" | "UTF-8" | null;
  /** RETURN (...) given: answer with ESEARCH (RFC 4731). `RETURN ()` means ALL. Null: not given. */
  returnOptions: Set<ReturnOption> | null;
  key: SearchKey;
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ["\\Answered", true], DELETED: ["\\Deleted", true], DRAFT: ["\\Draft", true],
  FLAGGED: ["\\Flagged", true], SEEN: ["\\Seen", true],
  UNANSWERED: ["\\Answered", false], UNDELETED: ["\\Deleted", false], UNDRAFT: ["\\Draft", false],
  UNFLAGGED: ["\\Flagged", false], UNSEEN: ["\\Seen", false],
};
const HEADER_KEYS: Record<string, string> = { BCC: "Bcc", CC: "Cc", FROM: "From", TO: "To", SUBJECT: "Subject" };
type DateKey = SearchKey & { type: "date" };
const DATE_KEYS = new Map<string, Pick<DateKey, "field" | "op">>();
for (const [prefix, field] of [["", "internal"], ["SENT", "sent"]] as const) {
  for (const op of ["before", "on", "since"] as const) DATE_KEYS.set(prefix + op.toUpperCase(), { field, op });
}
const RETURN_OPTIONS = new Set(["MIN", "MAX", "ALL", "COUNT", "SAVE"]);
const MAX_NUMBER64 = Number.MAX_SAFE_INTEGER;

function fail(message: string, opts: { status?: "NO"; code?: string } = {}): never {
  throw new ImapParseError(message, opts);
}

function searchString(p: ArgParser): string {
  const bytes = p.astringBytes();
  if (!isUtf8(bytes)) fail("Search string is not valid UTF-8");
  return bytes.toString("utf8");
}

/** Reads the arguments of a search key without operand keys (not NOT, OR or a group). */
function leafKey(p: ArgParser, name: string): SearchKey {
  const flag = FLAG_KEYS[name];
  if (flag !== undefined) return { type: "flag", flag: flag[0], set: flag[1] };
  const header = HEADER_KEYS[name];
  if (header !== undefined) {
    p.sp();
    return { type: "header", field: header, value: searchString(p) };
  }
  const date = DATE_KEYS.get(name);
  if (date !== undefined) {
    p.sp();
    return { type: "date", field: date.field, op: date.op, date: p.date() };
  }
  switch (name) {
    case "ALL": return { type: "all" };
    // RFC 9051 Appendix E: RECENT, NEW and OLD are gone from IMAP4rev2's search-key (§9).
    case "RECENT": return p.rev2 ? fail("RECENT is not a search key in IMAP4rev2") : { type: "recent" };
    case "NEW": return p.rev2 ? fail("NEW is not a search key in IMAP4rev2") : { type: "and", keys: [{ type: "recent" }, { type: "flag", flag: "\\Seen", set: false }] };
    case "OLD": return p.rev2 ? fail("OLD is not a search key in IMAP4rev2") : { type: "not", key: { type: "recent" } };
    case "KEYWORD":
    case "UNKEYWORD":
      p.sp();
      return { type: "flag", flag: p.atom(), set: name === "KEYWORD" };
    case "HEADER": {
      p.sp();
      const field = p.astring();
      if (!/^[\x21-\x39\x3b-\x7e]+$/.test(field)) fail("Invalid header field name");
      p.sp();
      return { type: "header", field, value: searchString(p) };
    }
    case "BODY":
    case "TEXT":
      p.sp();
      return { type: name === "BODY" ? "body" : "text", value: searchString(p) };
    case "LARGER":
    case "SMALLER":
      p.sp();
      return { type: "size", op: name === "LARGER" ? "larger" : "smaller", size: p.number(MAX_NUMBER64) };
    case "UID":
      p.sp();
      return { type: "uid", set: p.sequenceSet() };
    case "MODSEQ": {
      // RFC 7162 §3.1.5: "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer.
      p.sp();
      if (p.peekIs('"')) {
        p.quoted();
        p.sp();
        if (!["PRIV", "SHARED", "ALL"].includes(p.atom().toUpperCase())) fail("Invalid MODSEQ entry type");
        p.sp();
      }
      return { type: "modseq", modseq: p.number(MAX_NUMBER64) };
    }
    default:
      return fail("Unknown search key");
  }
}

/**
 * OR and AND are flattened in place, the larger operand list absorbing the smaller, so long
 * chains cost O(n log n), not O(n²). Operand order is therefore not kept (both commute); the
 * nodes are fresh from this parse, so mutating them is safe.
 */
function absorb(into: SearchKey[], from: readonly SearchKey[]): void {
  for (const k of from) into.push(k);
}

function orKey(a: SearchKey, b: SearchKey): SearchKey {
  const aKeys = a.type === "or" ? a.keys : [a];
  const bKeys = b.type === "or" ? b.keys : [b];
  if (a.type === "or" && aKeys.length >= bKeys.length) {
    absorb(a.keys, bKeys);
    return a;
  }
  if (b.type === "or") {
    absorb(b.keys, aKeys);
    return b;
  }
  return { type: "or", keys: [a, b] };
}

function andKey(keys: readonly SearchKey[]): SearchKey {
  let base: SearchKey | null = null;
  for (const k of keys) if (k.type === "and" && (base?.type !== "and" || k.keys.length > base.keys.length)) base = k;
  const out = base?.type === "and" ? base.keys : [];
  for (const k of keys) {
    if (k === base) continue;
    if (k.type === "and") absorb(out, k.keys);
    else out.push(k);
  }
  return out.length === 1 && out[0] !== undefined ? out[0] : { type: "and", keys: out };
}

function notKey(k: SearchKey): SearchKey {
  return k.type === "not" ? k.key : { type: "not", key: k };
}

function depthOf(root: SearchKey): number {
  let max = 0;
  const stack: Array<[SearchKey, number]> = [[root, 1]];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    const [k, d] = e;
    max = Math.max(max, d);
    if (k.type === "not") stack.push([k.key, d + 1]);
    else if (k.type === "or" || k.type === "and") for (const c of k.keys) stack.push([c, d + 1]);
  }
  return max;
}

type Frame = { op: "group" | "top"; keys: SearchKey[] } | { op: "or" | "not"; keys: SearchKey[] };

/** search-key *(SP search-key) up to the end of the command, as one key (an AND of several). */
function readSearchKeys(p: ArgParser): SearchKey {
  const stack: Frame[] = [{ op: "top", keys: [] }];
  let needSp = false;
  for (;;) {
    const top = stack.at(-1);
    if (top === undefined) throw new Error("search: empty stack");
    if (top.op === "group" && p.peekIs(")")) {
      if (top.keys.length === 0) fail("Empty search group");
      p.expect(")");
      stack.pop();
      complete(stack, andKey(top.keys));
      needSp = true;
      continue;
    }
    if (top.op === "top" && top.keys.length > 0 && (p.atEnd() || p.peekIs(")"))) {
      if (p.peekIs(")")) fail('Unbalanced ")"');
      break;
    }
    if (needSp) {
      if (p.atEnd()) fail(top.op === "group" ? 'Missing ")"' : "Missing search key");
      p.sp();
      if (top.op === "top" && p.atEnd()) break; // trailing spaces
    }
    if (p.accept("(")) {
      stack.push({ op: "group", keys: [] });
      needSp = false;
      continue;
    }
    const b = p.peek();
    let key: SearchKey;
    if ((b >= 0x30 && b <= 0x39) || b === 0x2a || b === 0x24) {
      key = { type: "seq", set: p.sequenceSet() };
    } else {
      const name = p.keyword("search key");
      if (name === "NOT" || name === "OR") {
        stack.push({ op: name === "NOT" ? "not" : "or", keys: [] });
        needSp = true;
        continue;
      }
      key = leafKey(p, name);
    }
    complete(stack, key);
    needSp = true;
  }
  const root = stack[0];
  if (root === undefined) throw new Error("search: lost the top frame");
  const key = andKey(root.keys);
  if (depthOf(key) > p.maxDepth) fail("Search keys nested too deeply");
  return key;
}

/** Hands a finished key to the frames, folding every NOT/OR it completes. */
function complete(stack: Frame[], key: SearchKey): void {
  let k = key;
  for (;;) {
    const top = stack.at(-1);
    if (top === undefined) throw new Error("search: empty stack");
    top.keys.push(k);
    if (top.op === "not") k = notKey(k);
    else if (top.op === "or" && top.keys.length === 2 && top.keys[0] !== undefined) k = orKey(top.keys[0], k);
    else return;
    stack.pop();
  }
}

/**
 * A charset argument: US-ASCII or UTF-8, else NO [BADCHARSET] (RFC 9051 §6.4.4); once UTF8=ACCEPT
 * is enabled only UTF-8, else BAD (RFC 6855 §3 and its erratum 4029: a label that conflicts with
 * UTF-8; SEARCH's "CHARSET UTF-8" conflicts with nothing and is still taken).
 */
function readCharset(p: ArgParser): "US-ASCII" | "UTF-8" {
  const name = p.astring().toUpperCase();
  if (p.utf8 && name !== "UTF-8") fail("Only UTF-8 may be named once UTF8=ACCEPT is enabled");
  if (name !== "US-ASCII" && name !== "UTF-8") fail("Unsupported charset", { status: "NO", code: "BADCHARSET (US-ASCII UTF-8)" });
  return name;
}

/** SORT's and THREAD's `SP charset SP search-key *(SP search-key)` through end() (RFC 5256 §4, the charset is required). */
export function readCharsetAndKeys(p: ArgParser): SearchKey {
  p.sp();
  readCharset(p);
  p.sp();
  const key = readSearchKeys(p);
  p.end();
  return key;
}

/**
 * search-return-opts (RFC 4731 §3, RFC 9051 §6.4.4): `RETURN (...)` and a space, or nothing (null).
 * `RETURN ()` means ALL; SAVE only with SEARCHRES (RFC 5182).
 */
export function readReturnOptions(p: ArgParser): Set<ReturnOption> | null {
  if (p.peekAtom() !== "RETURN") return null;
  p.atom();
  p.sp();
  const names = p.list((q) => q.keyword("return option"), { allowEmpty: true });
  const returnOptions = new Set<ReturnOption>();
  for (const n of names) {
    if (!RETURN_OPTIONS.has(n) || (n === "SAVE" && !p.searchRes)) fail("Unknown RETURN option");
    returnOptions.add(n as ReturnOption);
  }
  if (returnOptions.size === 0) returnOptions.add("ALL");
  p.sp();
  return returnOptions;
}

/**
 * The rest of a SEARCH command after "SEARCH": [RETURN (...)] [CHARSET x] keys, through end()
 * (`esearch: false`: the RETURN options were read already, or are not wanted).
 * CHARSET other than US-ASCII / UTF-8 → ImapParseError status NO, code BADCHARSET.
 */
export function readSearchProgram(p: ArgParser, opts: { esearch?: boolean } = {}): SearchProgram {
  const returnOptions = opts.esearch === false ? null : readReturnOptions(p);
  let charset: SearchProgram["charset"] = null;
  if (p.peekAtom() === "CHARSET") {
    p.atom();
    p.sp();
    charset = readCharset(p);
    p.sp();
  }
  const key = readSearchKeys(p);
  p.end();
  return { charset, returnOptions, key };
}
