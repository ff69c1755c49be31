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
interface HeaderBlock {
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
function unfold(rawValue: string): string {
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
  const r = scanFields(raw, start, end, onField);
  return "resumeAt" in r ? headerEndFrom(raw.subarray(0, end), r.resumeAt, end) : r;
}

/**
 * Every field of the header block in raw[start, end), however many, one HeaderField at a time (for
 * SEARCH, which sees every field: a caller that stops pulling between two fields can let other work
 * run, and one that goes on pays time linear in the header). Each field's value is decoded on its
 * own (decodeHeaderText), so one field's stray Latin-1 byte does not change how the others read.
 * The scan runs in batches of fields and resumes where the last one ended.
 */
export function* everyField(raw: Buffer, start: number, end: number): Generator<HeaderField, void> {
  for (let pos = start; ; ) {
    const batch: HeaderField[] = [];
    const r = scanFields(raw, pos, end, (fieldStart, colon, fieldEnd) => {
      batch.push(fieldAt(raw, fieldStart, colon, fieldEnd));
      return batch.length < FIELD_BATCH;
    });
    yield* batch;
    if (!("resumeAt" in r)) return;
    pos = r.resumeAt;
  }
}

/** Fields everyField makes per scan. */
const FIELD_BATCH = 256;

/**
 * The one scanner of header lines (a callback, not a generator: it runs for every message parsed).
 * Calls onField for each field of raw[start, end); when onField says stop, returns the start of the
 * line after that field (a field's first line: the scan can resume there), else where the header
 * ends — the first empty line (RFC 5322 §2.1), or `end`.
 */
function scanFields(
  raw: Buffer,
  start: number,
  end: number,
  onField: (fieldStart: number, colon: number, fieldEnd: number) => boolean | void,
): { headerEnd: number; bodyStart: number } | { resumeAt: number } {
  raw = raw.subarray(0, end); // so that searches stop at `end`
  let pos = start;
  let fieldStart = -1;
  let colon = -1;
  while (pos < end) {
    let nl = raw.indexOf(LF, pos);
    if (nl < 0) nl = end;
    const blank = blankLineEnd(raw, pos, end);
    if (blank >= 0) {
      if (fieldStart >= 0) onField(fieldStart, colon, pos);
      return { headerEnd: pos, bodyStart: blank };
    }
    const first = raw[pos];
    if ((first === SP || first === HT) && fieldStart >= 0) {
      // Continuation of the current field (RFC 5322 §2.2.3).
    } else {
      if (fieldStart >= 0 && onField(fieldStart, colon, pos) === false) return { resumeAt: pos };
      fieldStart = pos;
      let c = pos; // search this line only: indexOf would run on to the end of the buffer
      while (c < nl && raw[c] !== COLON) c++;
      colon = c < nl ? c : -1;
    }
    pos = nl < end ? nl + 1 : end;
  }
  if (fieldStart >= 0) onField(fieldStart, colon, end);
  return { headerEnd: end, bodyStart: end };
}

/** Just past the line at `pos` if it is blank ("\n" or "\r\n" alone), else -1. */
function blankLineEnd(raw: Buffer, pos: number, end: number): number {
  if (raw[pos] === LF) return pos + 1;
  if (raw[pos] === CR && pos + 1 < end && raw[pos + 1] === LF) return pos + 2;
  return -1;
}

/** The end of a header from `pos`, a line start inside it (or its end), after a field: the first empty line from there. */
function headerEndFrom(raw: Buffer, pos: number, end: number): { headerEnd: number; bodyStart: number } {
  if (pos >= end) return { headerEnd: end, bodyStart: end };
  const blank = blankLineEnd(raw, pos, end);
  if (blank >= 0) return { headerEnd: pos, bodyStart: blank };
  const crlf = raw.indexOf(LF_CRLF, pos);
  const lf = raw.subarray(0, crlf < 0 ? end : crlf + 2).indexOf(LF_LF, pos);
  if (lf >= 0) return { headerEnd: lf + 1, bodyStart: lf + 2 };
  if (crlf >= 0) return { headerEnd: crlf + 1, bodyStart: crlf + 3 };
  return { headerEnd: end, bodyStart: end };
}

/**
 * Where the header block in raw[start, end) ends and its body begins (RFC 5322 §2.1: at the first
 * empty line, or `end`), found by byte searches after the first field: no per-line work.
 */
export function headerBounds(raw: Buffer, start = 0, end = raw.length): { headerEnd: number; bodyStart: number } {
  return scanHeader(raw, start, end, () => false);
}

/**
 * The name of the field scanHeader reported at `start` with its colon at `colon`, lower-cased (ASCII),
 * blanks before the colon removed (RFC 5322 §4.5.3 obsolete syntax); null for a line without a colon.
 */
export function fieldName(raw: Buffer, start: number, colon: number): string | null {
  if (colon < 0) return null;
  let nameEnd = colon;
  while (nameEnd > start && (raw[nameEnd - 1] === SP || raw[nameEnd - 1] === HT)) nameEnd--;
  return raw.toString("latin1", start, nameEnd).toLowerCase();
}

/** Parses the header block in raw[start, end), keeping at most `maxFields` fields. */
export function parseHeader(raw: Buffer, start: number, end: number, maxFields = 10_000): HeaderBlock {
  const fields: HeaderField[] = [];
  const { headerEnd, bodyStart } = scanHeader(raw, start, end, (fieldStart, colon, fieldEnd) => {
    if (fields.length >= maxFields) return false;
    fields.push(fieldAt(raw, fieldStart, colon, fieldEnd));
    return fields.length < maxFields;
  });
  return { fields, headerEnd, bodyStart };
}

/** The field scanHeader reported as (start, colon, end), as a HeaderField. */
export function fieldAt(raw: Buffer, start: number, colon: number, end: number): HeaderField {
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

/**
 * raw without the header fields `drop` picks (called with each field as scanHeader reports it): one
 * pass of the scanner, raw itself when none is picked, else one copy; the body is never looked at.
 */
export function withoutFields(raw: Buffer, drop: (fieldStart: number, colon: number, fieldEnd: number) => boolean): Buffer {
  const cut: Array<[number, number]> = [];
  scanHeader(raw, 0, raw.length, (start, colon, end) => {
    if (drop(start, colon, end)) cut.push([start, end]);
  });
  if (cut.length === 0) return raw;
  const kept: Buffer[] = [];
  let at = 0;
  for (const [start, end] of cut) {
    kept.push(raw.subarray(at, start));
    at = end;
  }
  kept.push(raw.subarray(at));
  return Buffer.concat(kept);
}

/**
 * The first `max` bytes of a message held in parts (as SMTP read it), in one buffer, where its
 * header section is looked at: a copy only when the first part is shorter.
 */
export function messageHead(parts: readonly Buffer[], max: number): Buffer {
  const first = parts[0];
  if (first !== undefined && first.length >= max) return first.subarray(0, max);
  let bytes = 0;
  let n = 0;
  while (n < parts.length && bytes < max) bytes += parts[n++]?.length ?? 0;
  return Buffer.concat(parts.slice(0, n)).subarray(0, max);
}
