/**
 * Header block scanning: RFC 5322 §2.2 (header fields), §2.2.3 (folding and unfolding), RFC 2045 §3
 * (MIME header fields in body parts). Tolerant of bare LF line endings and of lines without a colon.
 */
import { isAscii, isUtf8 } from "node:buffer";

/** One header field as it appears in the message. */
export interface HeaderField {
  /** The field name as written, trailing whitespace before the colon removed (e.g. "Subject"). */
  name: string;
  /** The field body as written after the colon: folding (CRLF + WSP) preserved, final line break excluded. */
  rawValue: string;
  /** The field body unfolded (RFC 5322 §2.2.3), blanks after the colon and at the end removed (as Dovecot). */
  value: string;
  /** Absolute byte offset of the first byte of the field name. */
  start: number;
  /** Absolute byte offset just past the field's final line break (or the header's end if it has none). */
  end: number;
}

/** Where a header block ends and its body begins. */
export interface HeaderBlock {
  fields: HeaderField[];
  /** Offset of the blank line that ends the header (equals bodyStart when there is none). */
  headerEnd: number;
  /** Offset of the first body byte: just past the blank line. */
  bodyStart: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const LF_LF = Buffer.from("\n\n");
const LF_CRLF = Buffer.from("\n\r\n");

/**
 * Decodes header bytes to a string: UTF-8 when the bytes are valid UTF-8 (RFC 6532), otherwise Latin-1
 * so that every byte maps to one character and nothing is lost.
 */
export function decodeHeaderText(bytes: Buffer): string {
  if (isAscii(bytes) || !isUtf8(bytes)) return bytes.toString("latin1");
  return bytes.toString("utf8");
}

/** Unfolds a raw field body per RFC 5322 §2.2.3 and trims it the way IMAP servers report it. */
export function unfold(rawValue: string): string {
  // Blanks after the colon go; those of a continuation line stay ("Message-ID:\r\n   <x>" is "   <x>").
  let a = 0;
  while (a < rawValue.length && (rawValue[a] === " " || rawValue[a] === "\t")) a++;
  const s = rawValue.slice(a).replace(/[\r\n]+/g, "");
  let b = s.length;
  while (b > 0 && (s[b - 1] === " " || s[b - 1] === "\t")) b--; // not /[ \t]+$/: quadratic on long blank runs
  return s.slice(0, b);
}

/**
 * Visits the lines of a header block in raw[start, end): calls `onField(start, colon, end)` for each
 * field (continuation lines included; colon is -1 for a line without one) and returns where the header
 * ends. The header ends at the first empty line (RFC 5322 §2.1), or at `end`. When `onField` returns
 * false, no further fields are visited and the end of the header is found by a byte search alone, so
 * a caller that keeps a bounded number of fields pays no per-line cost for the rest.
 */
export function scanHeader(
  raw: Buffer,
  start: number,
  end: number,
  onField: (fieldStart: number, colon: number, fieldEnd: number) => boolean | void,
): { headerEnd: number; bodyStart: number } {
  raw = raw.subarray(0, end); // so that searches stop at `end`
  let pos = start;
  let fieldStart = -1;
  let colon = -1;
  let more = true;
  const flush = (fieldEnd: number): void => {
    if (fieldStart >= 0 && onField(fieldStart, colon, fieldEnd) === false) more = false;
    fieldStart = -1;
  };
  while (pos < end) {
    let nl = raw.indexOf(LF, pos);
    if (nl < 0 || nl >= end) nl = end;
    const lineEnd = nl < end ? nl + 1 : end;
    const first = raw[pos];
    // A blank line: "\n" or "\r\n" alone.
    if (first === LF || (first === CR && pos + 1 < end && raw[pos + 1] === LF)) {
      flush(pos);
      return { headerEnd: pos, bodyStart: lineEnd };
    }
    if ((first === SP || first === HT) && fieldStart >= 0) {
      // Continuation of the current field (RFC 5322 §2.2.3).
    } else {
      flush(pos);
      if (!more) return findHeaderEnd(raw, pos, end);
      fieldStart = pos;
      let c = pos; // search this line only: indexOf would run on to the end of the buffer
      while (c < nl && raw[c] !== COLON) c++;
      colon = c < nl ? c : -1;
    }
    pos = lineEnd;
  }
  flush(end);
  return { headerEnd: end, bodyStart: end };
}

/** The end of a header from `pos`, a line start inside it that is not blank: the first empty line after it. */
function findHeaderEnd(raw: Buffer, pos: number, end: number): { headerEnd: number; bodyStart: number } {
  const crlf = raw.indexOf(LF_CRLF, pos);
  const lf = raw.subarray(0, crlf < 0 ? end : crlf + 2).indexOf(LF_LF, pos);
  if (lf >= 0) return { headerEnd: lf + 1, bodyStart: lf + 2 };
  if (crlf >= 0) return { headerEnd: crlf + 1, bodyStart: crlf + 3 };
  return { headerEnd: end, bodyStart: end };
}

/** Parses the header block in raw[start, end), keeping at most `maxFields` fields. */
export function parseHeader(raw: Buffer, start: number, end: number, maxFields = 10_000): HeaderBlock {
  const fields: HeaderField[] = [];
  const { headerEnd, bodyStart } = scanHeader(raw, start, end, (fieldStart, colon, fieldEnd) => {
    if (fields.length >= maxFields) return false;
    fields.push(makeField(raw, fieldStart, colon, fieldEnd));
    return fields.length < maxFields;
  });
  return { fields, headerEnd, bodyStart };
}

/**
 * Every field of the header block in raw[start, end) (its fields only: end is the header's end, not
 * its body's start) as text: `fn(name, value)` with the name and value as HeaderField has them —
 * the value unfolded, its CRs and LFs dropped and its blanks trimmed — however many fields there
 * are. For searching, where every field counts but no offsets do: the block is decoded once
 * (RFC 6532 UTF-8 if all of it is valid UTF-8, else Latin-1) and continuation lines are joined by
 * one native pass (RFC 5322 §2.2.3), so a field costs a few string operations, not a HeaderField.
 */
export function fieldTexts(raw: Buffer, start: number, end: number, fn: (name: string, value: string) => void): void {
  const lines = decodeHeaderText(raw.subarray(start, end)).replace(/\n(?=[ \t])/g, "").split("\n");
  if (lines.at(-1) === "") lines.pop(); // after the last field's LF
  for (let line of lines) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.includes("\r")) line = line.replace(/\r/g, ""); // a folded field's CRs
    const colon = line.indexOf(":");
    let nameEnd = colon < 0 ? line.length : colon;
    while (nameEnd > 0 && isBlank(line.charCodeAt(nameEnd - 1))) nameEnd--;
    let a = colon < 0 ? line.length : colon + 1;
    while (a < line.length && isBlank(line.charCodeAt(a))) a++;
    let b = line.length;
    while (b > a && isBlank(line.charCodeAt(b - 1))) b--;
    fn(line.slice(0, nameEnd), line.slice(a, b));
  }
}

function isBlank(c: number): boolean {
  return c === SP || c === HT;
}

function makeField(raw: Buffer, start: number, colon: number, end: number): HeaderField {
  let valueEnd = end;
  if (valueEnd > start && raw[valueEnd - 1] === LF) valueEnd--;
  if (valueEnd > start && raw[valueEnd - 1] === CR) valueEnd--;
  let nameEnd = colon >= 0 ? colon : valueEnd;
  while (nameEnd > start && (raw[nameEnd - 1] === SP || raw[nameEnd - 1] === HT)) nameEnd--;
  const name = raw.toString("latin1", start, nameEnd);
  const rawValue = colon >= 0 ? decodeHeaderText(raw.subarray(colon + 1, valueEnd)) : "";
  return { name, rawValue, value: unfold(rawValue), start, end };
}

/** The first field named `name` (case-insensitive), or undefined. */
export function findField(fields: readonly HeaderField[], name: string): HeaderField | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower);
}

/** Every field named `name` (case-insensitive), in order. */
export function findFields(fields: readonly HeaderField[], name: string): HeaderField[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower);
}
