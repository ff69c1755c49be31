/**
 * FETCH data items (RFC 9051 §6.4.5, RFC 3501 §6.4.5, BINARY from RFC 3516) as a typed AST.
 *
 * fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
 *             "BODY" ["STRUCTURE"] / "UID" / "BODY" section [partial] /
 *             "BODY.PEEK" section [partial] / "BINARY" [".PEEK"] section-binary [partial] /
 *             "BINARY.SIZE" section-binary
 */
import type { ArgParser } from "./parse.ts";
import { ImapParseError } from "./errors.ts";
import { formatAstring } from "./format.ts";

type SectionText = "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME";

/** section-spec: part numbers (empty: the whole message) and what of that part. */
export interface Section {
  part: number[];
  /** null: the whole part (BODY[] / BODY[1.2]). */
  text: SectionText | null;
  /** Field names as the client sent them, for HEADER.FIELDS and HEADER.FIELDS.NOT. */
  fields: string[];
}

/** `<origin.length>`; the response names only the origin (RFC 9051 §7.5.2). */
interface FetchPartial {
  offset: number;
  length: number;
}

type SimpleFetchAtt =
  | "ENVELOPE" | "FLAGS" | "INTERNALDATE" | "RFC822" | "RFC822.HEADER" | "RFC822.SIZE" | "RFC822.TEXT"
  | "BODY" | "BODYSTRUCTURE" | "UID"
  /** RFC 7162 §3.1.4: the message's modification sequence. */
  | "MODSEQ";

export type FetchAtt =
  | { type: SimpleFetchAtt }
  /** BODY[...] and BODY.PEEK[...]; without peek it sets \Seen. */
  | { type: "BODY[]"; peek: boolean; section: Section; partial: FetchPartial | null }
  /** BINARY[...] and BINARY.PEEK[...] (RFC 3516): the part with its transfer encoding undone. */
  | { type: "BINARY[]"; peek: boolean; part: number[]; partial: FetchPartial | null }
  | { type: "BINARY.SIZE"; part: number[] };

export interface FetchItems {
  /** ALL, FAST or FULL when a macro was given; `items` holds its expansion. */
  macro: "ALL" | "FAST" | "FULL" | null;
  items: FetchAtt[];
}

const SIMPLE = new Set<string>([
  "ENVELOPE", "FLAGS", "INTERNALDATE", "RFC822", "RFC822.HEADER", "RFC822.SIZE", "RFC822.TEXT", "BODY", "BODYSTRUCTURE", "UID",
  "MODSEQ",
]);
const MACROS: Record<string, SimpleFetchAtt[]> = {
  ALL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
  FAST: ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
  FULL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
};
/** 9051 number64 / nz-number64 for partial; kept within safe integers. */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
const MAX_PARTS = 100;

function fail(message: string): never {
  throw new ImapParseError(message);
}

/** section-part = nz-number *("." nz-number); stops before a "." that is followed by a letter. */
function readPart(p: ArgParser): number[] {
  const part: number[] = [];
  while (p.peek() >= 0x30 && p.peek() <= 0x39) {
    if (part.length >= MAX_PARTS) fail("Section part nested too deeply");
    part.push(p.nzNumber());
    if (!p.accept(".")) break;
    const b = p.peek() | 0x20;
    if (b >= 0x61 && b <= 0x7a) return part; // "." section-text follows
    if (!(p.peek() >= 0x30 && p.peek() <= 0x39)) fail("Invalid section");
  }
  return part;
}

/** header-fld-name = astring: printable ASCII without ":" (RFC 5322 §3.6.8). */
function fieldName(p: ArgParser): string {
  const name = p.astring();
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) fail("Invalid header field name");
  return name;
}

/** section = "[" [section-spec] "]" */
function readSection(p: ArgParser): Section {
  p.expect("[");
  const section: Section = { part: readPart(p), text: null, fields: [] };
  if (p.accept("]")) return section;
  const text = p.keyword("section");
  switch (text) {
    case "HEADER":
    case "TEXT":
      section.text = text;
      break;
    case "MIME":
      if (section.part.length === 0) fail("MIME needs a part number");
      section.text = text;
      break;
    case "HEADER.FIELDS":
    case "HEADER.FIELDS.NOT":
      section.text = text;
      p.sp();
      section.fields = p.list(fieldName);
      break;
    default:
      fail("Invalid section");
  }
  p.expect("]");
  return section;
}

/** section-binary = "[" [section-part] "]" */
function readBinarySection(p: ArgParser): number[] {
  p.expect("[");
  const part = readPart(p);
  p.expect("]");
  return part;
}

/** partial = "<" number64 "." nz-number64 ">" */
function readPartial(p: ArgParser): FetchPartial | null {
  if (!p.accept("<")) return null;
  const offset = p.number(MAX_OFFSET);
  p.expect(".");
  const length = p.nzNumber(MAX_OFFSET);
  p.expect(">");
  return { offset, length };
}

/** One fetch-att. */
function readFetchAtt(p: ArgParser): FetchAtt {
  const name = p.keyword("FETCH item");
  if (p.peekIs("[")) {
    switch (name) {
      case "BODY":
      case "BODY.PEEK": {
        const section = readSection(p);
        return { type: "BODY[]", peek: name === "BODY.PEEK", section, partial: readPartial(p) };
      }
      case "BINARY":
      case "BINARY.PEEK": {
        const part = readBinarySection(p);
        return { type: "BINARY[]", peek: name === "BINARY.PEEK", part, partial: readPartial(p) };
      }
      case "BINARY.SIZE":
        return { type: "BINARY.SIZE", part: readBinarySection(p) };
      default:
        fail("Unknown FETCH item");
    }
  }
  if (!SIMPLE.has(name)) fail(name === "BODY.PEEK" || name.startsWith("BINARY") ? "Missing section" : "Unknown FETCH item");
  return { type: name as SimpleFetchAtt };
}

/** FETCH items: "ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")". */
export function readFetchItems(p: ArgParser): FetchItems {
  if (p.peekIs("(")) return { macro: null, items: p.list(readFetchAtt) };
  const macro = p.peekAtom();
  const expansion = MACROS[macro];
  if (expansion !== undefined) {
    p.keyword();
    return { macro: macro as FetchItems["macro"], items: expansion.map((type) => ({ type })) };
  }
  return { macro: null, items: [readFetchAtt(p)] };
}

function formatPart(part: readonly number[]): string {
  return part.join(".");
}

/** The section-spec text, e.g. `1.2.HEADER.FIELDS (From To)` (field names echoed as sent, quoted if needed). */
function formatSection(section: Section): string {
  const parts: string[] = [];
  if (section.part.length > 0) parts.push(formatPart(section.part));
  if (section.text !== null) parts.push(section.text);
  let spec = parts.join(".");
  if (section.fields.length > 0) spec += ` (${section.fields.map((f) => formatAstring(f)).join(" ")})`;
  return spec;
}

/**
 * The item's name in the FETCH response (RFC 9051 §7.5.2): `.PEEK` dropped, partial reduced to
 * its origin, e.g. `BODY[HEADER.FIELDS (From To)]`, `BODY[]<0>`, `BINARY.SIZE[1]`.
 */
export function fetchResponseName(att: FetchAtt): string {
  switch (att.type) {
    case "BODY[]":
      return `BODY[${formatSection(att.section)}]${att.partial === null ? "" : `<${att.partial.offset}>`}`;
    case "BINARY[]":
      return `BINARY[${formatPart(att.part)}]${att.partial === null ? "" : `<${att.partial.offset}>`}`;
    case "BINARY.SIZE":
      return `BINARY.SIZE[${formatPart(att.part)}]`;
    default:
      return att.type;
  }
}
