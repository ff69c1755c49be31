/**
 * The MIME part tree of a message with exact byte offsets: RFC 2045 (MIME header fields and their
 * defaults, §5.2 and §6.1), RFC 2046 §5.1 (multipart bodies and boundaries), §5.1.5 (digest default),
 * §5.2.1 (message/rfc822), RFC 5322 §2.1 (header/body split). Tolerant of bare LF line endings.
 *
 * Hostile mail is bounded: past `maxDepth` nesting levels or `maxParts` parts, a part is kept as an
 * opaque leaf (`truncated: true`) and not looked into, so parsing costs O(maxDepth x size) at worst
 * and recursion never goes deeper than maxDepth.
 */
import { findField, parseHeader, type HeaderField } from "./header.ts";
import {
  paramValue,
  parseEncoding,
  parseLanguage,
  parseMimeValue,
  splitMediaType,
  type MimeParam,
} from "./params.ts";

interface ContentType {
  /** Media type as written ("text", "Multipart"); compare case-insensitively. */
  type: string;
  subtype: string;
  params: MimeParam[];
  /** True when there was no valid Content-Type field and the RFC 2045 §5.2 / RFC 2046 §5.1.5 default applies. */
  implicit: boolean;
}

interface Disposition {
  /** Disposition type as written ("attachment", "inline"). */
  type: string;
  params: MimeParam[];
}

export interface MimePart {
  /** Offset of the first header byte. */
  headerStart: number;
  /** Offset of the blank line ending the header (== bodyStart when the header has none). */
  headerEnd: number;
  /** Offset of the first body byte; the header as IMAP returns it (blank line included) is [headerStart, bodyStart). */
  bodyStart: number;
  /** Offset just past the body: before the line break that precedes the next boundary, or the region's end. */
  bodyEnd: number;
  headers: HeaderField[];
  contentType: ContentType;
  disposition: Disposition | null;
  /** Content-Transfer-Encoding as written ("7bit" when absent). */
  encoding: string;
  id: string | null;
  description: string | null;
  language: string[] | null;
  location: string | null;
  md5: string | null;
  /** Body parts of a multipart, preamble and epilogue excluded; empty for other parts. */
  children: MimePart[];
  /** For message/rfc822 (and message/global): the embedded message, whose own offsets are absolute. */
  message?: MimePart;
  /** Number of LF characters in the body (RFC 3501 body-fld-lines); counted for text/* and message/* only. */
  lineCount: number;
  /** Body size in octets, in its transfer encoding (RFC 3501 body-fld-octets). */
  size: number;
  /** True when a limit stopped the parser from looking into this part: report it as an opaque leaf. */
  truncated: boolean;
}

interface MimeLimits {
  /** Deepest nesting of multiparts and embedded messages looked into (default 50). */
  maxDepth?: number;
  /** Most parts created in the whole tree (default 5,000). */
  maxParts?: number;
  /** Most header fields kept per part in `headers` (default 10,000); extraction still sees them all. */
  maxHeaderFields?: number;
}

const DEFAULTS = { maxDepth: 50, maxParts: 5_000, maxHeaderFields: 10_000 };

interface Ctx {
  raw: Buffer;
  maxDepth: number;
  maxHeaderFields: number;
  partsLeft: number;
}

/** Parses a whole message into its MIME tree. Never throws on malformed input. */
export function parseMime(raw: Buffer, limits: MimeLimits = {}): MimePart {
  const ctx: Ctx = {
    raw,
    maxDepth: limits.maxDepth ?? DEFAULTS.maxDepth,
    maxHeaderFields: limits.maxHeaderFields ?? DEFAULTS.maxHeaderFields,
    partsLeft: (limits.maxParts ?? DEFAULTS.maxParts) - 1,
  };
  return parseEntity(ctx, 0, raw.length, 0, false);
}

/** True for multipart/* parts. */
export function isMultipart(part: MimePart): boolean {
  return part.contentType.type.toLowerCase() === "multipart";
}

/** True for message/rfc822 and message/global (RFC 6532 §3.7), the types that embed a message. */
export function isEmbeddedMessageType(ct: { type: string; subtype: string }): boolean {
  if (ct.type.toLowerCase() !== "message") return false;
  const sub = ct.subtype.toLowerCase();
  return sub === "rfc822" || sub === "global";
}

function parseEntity(ctx: Ctx, start: number, end: number, depth: number, inDigest: boolean): MimePart {
  const { raw } = ctx;
  const head = parseHeader(raw, start, end, ctx.maxHeaderFields);
  const part: MimePart = {
    headerStart: start,
    headerEnd: head.headerEnd,
    bodyStart: head.bodyStart,
    bodyEnd: end,
    headers: head.fields,
    contentType: contentTypeOf(head.fields, inDigest),
    disposition: null,
    encoding: "7bit",
    id: null,
    description: null,
    language: null,
    location: null,
    md5: null,
    children: [],
    lineCount: 0,
    size: end - head.bodyStart,
    truncated: false,
  };
  readMimeFields(part);
  const type = part.contentType.type.toLowerCase();
  if (type === "text" || type === "message") part.lineCount = countLf(raw, part.bodyStart, part.bodyEnd);

  const composite = type === "multipart" || isEmbeddedMessageType(part.contentType);
  if (!composite) return part;
  if (depth >= ctx.maxDepth || ctx.partsLeft <= 0) {
    part.truncated = true;
    return part;
  }
  if (type === "multipart") {
    const boundary = paramValue(part.contentType.params, "boundary");
    if (boundary !== undefined && boundary !== "") {
      const digest = part.contentType.subtype.toLowerCase() === "digest";
      // Past the part limit the rest is left unparsed, like an epilogue.
      const split = splitMultipart(raw, part.bodyStart, part.bodyEnd, boundary, ctx.partsLeft);
      for (const [s, e] of split.ranges) {
        ctx.partsLeft--;
        part.children.push(parseEntity(ctx, s, e, depth + 1, digest));
      }
      // A close delimiter line cut by the enclosing boundary keeps its line break (as Dovecot counts it).
      if (split.closeAtEnd) extendOverLineBreak(raw, part);
    }
  } else {
    ctx.partsLeft--;
    const message = parseEntity(ctx, part.bodyStart, part.bodyEnd, depth + 1, false);
    part.message = message;
    // Likewise a header that runs up to the enclosing boundary keeps its line break.
    if (message.bodyStart === part.bodyEnd && message.headerEnd > message.headerStart && raw[part.bodyEnd - 1] !== 0x0a) {
      extendOverLineBreak(raw, part);
      part.lineCount = countLf(raw, part.bodyStart, part.bodyEnd);
    }
  }
  return part;
}

/** Extends a part's body over the line break right after it (the one before the next boundary). */
function extendOverLineBreak(raw: Buffer, part: MimePart): void {
  const at = part.bodyEnd;
  const len = raw[at] === 0x0a ? 1 : raw[at] === 0x0d && raw[at + 1] === 0x0a ? 2 : 0;
  part.bodyEnd += len;
  part.size += len;
}

function contentTypeOf(fields: readonly HeaderField[], inDigest: boolean): ContentType {
  const field = findField(fields, "content-type");
  if (field !== undefined) {
    const v = parseMimeValue(field.value);
    const media = splitMediaType(v.main);
    if (media !== null) return { ...media, params: v.params, implicit: false };
  }
  // RFC 2046 §5.1.5: in a digest the default is message/rfc822; RFC 2045 §5.2 otherwise.
  if (inDigest) return { type: "message", subtype: "rfc822", params: [], implicit: true };
  return { type: "text", subtype: "plain", params: [{ name: "charset", value: "us-ascii" }], implicit: true };
}

function readMimeFields(part: MimePart): void {
  const get = (name: string): string | null => {
    const f = findField(part.headers, name);
    return f === undefined ? null : f.value;
  };
  const enc = get("content-transfer-encoding");
  if (enc !== null) part.encoding = parseEncoding(enc) || "7bit";
  const disp = get("content-disposition");
  if (disp !== null) {
    const v = parseMimeValue(disp);
    if (v.main !== "") part.disposition = { type: v.main, params: v.params };
  }
  part.id = get("content-id");
  part.description = get("content-description");
  const lang = get("content-language");
  if (lang !== null) {
    const tags = parseLanguage(lang);
    part.language = tags.length > 0 ? tags : null;
  }
  part.location = get("content-location");
  part.md5 = get("content-md5");
}

/** Counts LF bytes in raw[start, end). */
function countLf(raw: Buffer, start: number, end: number): number {
  const view = raw.subarray(0, end); // so that searches stop at `end`
  let n = 0;
  for (let i = view.indexOf(0x0a, start); i >= 0; i = view.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Splits a multipart body raw[start, end) at its boundary delimiter lines (RFC 2046 §5.1.1): returns
 * each body part's [start, end). A delimiter is "--boundary" at the start of a line followed by optional
 * whitespace and the line end; the close delimiter "--boundary--". The line break before a delimiter
 * belongs to it. Without a close delimiter the last part runs to `end`. At most `maxRanges` are returned;
 * `closeAtEnd` tells that the close delimiter line runs up to `end` without a line break of its own.
 */
function splitMultipart(
  raw: Buffer,
  start: number,
  end: number,
  boundary: string,
  maxRanges = Infinity,
): { ranges: Array<[number, number]>; closeAtEnd: boolean } {
  raw = raw.subarray(0, end); // so that searches stop at `end`
  const delim = Buffer.from("--" + boundary, "latin1");
  const ranges: Array<[number, number]> = [];
  const result = { ranges, closeAtEnd: false };
  let partStart = -1; // -1 while in the preamble
  let pos = start;
  while (pos < end) {
    const at = raw.indexOf(delim, pos);
    if (at < 0 || at + delim.length > end) break;
    // A delimiter only starts a line: past any other match, go on at the next line (never at
    // at + 1, which would compare the boundary again at every byte of a line full of it).
    const nextLine = (): number => {
      const nl = raw.indexOf(0x0a, at);
      return nl < 0 ? end : nl + 1;
    };
    if (at !== start && raw[at - 1] !== 0x0a) {
      pos = nextLine(); // not at a line start
      continue;
    }
    let i = at + delim.length;
    const close = i + 1 < end && raw[i] === 0x2d && raw[i + 1] === 0x2d;
    if (close) i += 2;
    while (i < end && (raw[i] === 0x20 || raw[i] === 0x09)) i++;
    const eol = i >= end || raw[i] === 0x0a || (raw[i] === 0x0d && (i + 1 >= end || raw[i + 1] === 0x0a));
    if (!eol && !close) {
      pos = nextLine(); // "--boundaryX": some other line
      continue;
    }
    if (partStart >= 0) {
      let partEnd = at;
      if (partEnd > partStart && raw[partEnd - 1] === 0x0a) partEnd--;
      if (partEnd > partStart && raw[partEnd - 1] === 0x0d) partEnd--;
      ranges.push([partStart, partEnd]);
      if (ranges.length >= maxRanges) return result;
    }
    if (close) {
      const nl = raw.indexOf(0x0a, i);
      result.closeAtEnd = nl < 0 || nl >= end;
      return result;
    }
    // The next part starts after this delimiter line.
    const nl = raw.indexOf(0x0a, i);
    partStart = nl < 0 || nl >= end ? end : nl + 1;
    pos = partStart;
  }
  if (partStart >= 0) ranges.push([partStart, end]);
  return result;
}
