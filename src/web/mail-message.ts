/**
 * A message as the webmail shows it (issue 14): the header fields a person reads, the body part to
 * show (RFC 2046 §5.1.4: of a multipart/alternative the richest form the reader can show, HTML,
 * with the plain text as the other choice), the inline images an HTML body names by Content-ID
 * (RFC 2392), and the attachments with their decoded names (RFC 2231, RFC 2047) and IMAP section
 * numbers (RFC 9051 §6.4.5), which is how the download names a part. Best effort on broken MIME:
 * parseMime never throws, and a part whose encoding cannot be undone is shown as written.
 */
import { decodeCharset, decodeEncodedWords, decodeHeaderText, decodeTransfer, decodeTransferChunks, isMultipart, paramText, paramValue, parseDateField, parseMime, parseSection, resolvePart, UnknownCteError, type MimePart } from "../mime/index.ts";

/** A header field is shown up to this many characters (a hostile one may be megabytes long). */
const HEADER_MAX = 2_000;
/** The text body is shown up to this many characters; the rest is in the download of the part. */
const TEXT_MAX = 1_000_000;
/** An inline image becomes a data: URL up to this size (decoded), all of a message's together up to TOTAL. */
const INLINE_MAX = 2 * 1024 * 1024;
const INLINE_TOTAL = 8 * 1024 * 1024;
/** Image types a browser shows from a data: URL without running anything (no SVG: it is a document). */
const INLINE_TYPES = new Set(["image/png", "image/gif", "image/jpeg", "image/webp"]);

interface Attachment {
  /** IMAP section number: "2", "1.3". */
  section: string;
  name: string;
  /** The declared media type, lower-cased ("application/pdf"). */
  type: string;
  /** About the decoded size in bytes (base64 estimated from its length). */
  size: number;
}

export interface MessageView {
  /** The MIME tree (partAt looks up a download's part in it). */
  root: MimePart;
  from: string;
  to: string;
  cc: string;
  subject: string;
  /** The Date field as milliseconds, or null when it is missing or unreadable (then `dateText`). */
  date: number | null;
  dateText: string;
  text: MimePart | null;
  html: MimePart | null;
  attachments: Attachment[];
  /** Images with a Content-ID, by the id without its angle brackets, lower-cased. */
  inline: Map<string, MimePart>;
}

/** A header field's text for a person: unfolded, RFC 2047 decoded, control characters out, bounded. */
function fieldText(part: MimePart, name: string): string {
  const lower = name.toLowerCase();
  const values = part.headers.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
  const raw = values.join(", ");
  // Decode a bounded prefix only: decoding is linear, but a person reads two thousand characters at most.
  return clip(decodeEncodedWords(raw.slice(0, HEADER_MAX * 4)).replace(/[\x00-\x1f\x7f]+/g, " "), HEADER_MAX);
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

const lowerType = (p: MimePart): string => `${p.contentType.type}/${p.contentType.subtype}`.toLowerCase();
const isAttachmentDisposition = (p: MimePart): boolean => p.disposition?.type.toLowerCase() === "attachment";

/** The name a part declares: Content-Disposition filename, else Content-Type name (RFC 2183 §2.3; RFC 2046 §4.5.1's old habit). */
function declaredName(p: MimePart): string | undefined {
  return (p.disposition !== null ? paramText(p.disposition.params, "filename") : undefined) ?? paramText(p.contentType.params, "name");
}

/**
 * A file name safe to offer: no path (a name is not a place to write to), no control characters, no
 * leading dots, bounded; `fallback` when nothing is left.
 */
export function safeFileName(name: string | undefined, fallback: string): string {
  const base = (name ?? "").split(/[/\\]/).pop() ?? "";
  // Control characters go; so do leading dots (no hidden or "..", files).
  const clean = base.replace(/[\x00-\x1f\x7f-\x9f]+/g, " ").replace(/^[\s.]+/, "").trim();
  return clean === "" ? fallback : clip(clean, 200).replace(/…$/, "");
}

/** About the decoded size of a part: base64 carries 57 bytes in 78 (76 characters and CRLF). */
function decodedSize(p: MimePart): number {
  return p.encoding.toLowerCase() === "base64" ? Math.floor((p.size * 57) / 78) : p.size;
}

/** Reads the message's tree into what the page shows. */
export function messageView(raw: Buffer): MessageView {
  const root = parseMime(raw);
  const dateText = fieldText(root, "date");
  const ms = dateText === "" ? null : parseDateField(dateText);
  const view: MessageView = {
    root,
    from: fieldText(root, "from"),
    to: fieldText(root, "to"),
    cc: fieldText(root, "cc"),
    subject: fieldText(root, "subject"),
    date: ms,
    dateText,
    text: null,
    html: null,
    attachments: [],
    inline: new Map(),
  };
  const images: Array<{ part: MimePart; section: string }> = [];
  // Depth first, in order: the first text/plain and the first text/html that are not attachments are the body.
  const visit = (part: MimePart, section: string): void => {
    if (isMultipart(part) && !part.truncated) {
      part.children.forEach((child, i) => visit(child, section === "" ? String(i + 1) : `${section}.${i + 1}`));
      return;
    }
    const at = section === "" ? "1" : section;
    const type = lowerType(part);
    const named = declaredName(part);
    if (!isAttachmentDisposition(part) && named === undefined) {
      if (type === "text/plain" && view.text === null) return void (view.text = part);
      if (type === "text/html" && view.html === null) return void (view.html = part);
    }
    if (part.id !== null && !isAttachmentDisposition(part) && part.contentType.type.toLowerCase() === "image") {
      view.inline.set(contentId(part.id), part);
      images.push({ part, section: at });
      return;
    }
    const fallback = type === "message/rfc822" ? `message-${at}.eml` : `part-${at}`;
    view.attachments.push({ section: at, name: safeFileName(named, fallback), type, size: decodedSize(part) });
  };
  visit(root, "");
  // Inline images the HTML body shows are not attachments; without an HTML body they are.
  if (view.html === null) {
    for (const { part, section } of images) view.attachments.push({ section, name: safeFileName(declaredName(part), `image-${section}`), type: lowerType(part), size: decodedSize(part) });
    view.inline.clear();
  }
  return view;
}

/** A Content-ID or cid: URL's id for comparison: angle brackets off, %XX undone (RFC 2392 §2), lower case. */
function contentId(value: string): string {
  let v = value.trim();
  if (v.startsWith("<") && v.endsWith(">")) v = v.slice(1, -1);
  try {
    v = decodeURIComponent(v);
  } catch {
    // A malformed escape: compare as written.
  }
  return v.toLowerCase();
}

/** A part's body with its transfer encoding undone; as written when the encoding is unknown (best effort). */
export function partBytes(raw: Buffer, part: MimePart): Buffer {
  const body = raw.subarray(part.bodyStart, part.bodyEnd);
  try {
    return decodeTransfer(body, part.encoding);
  } catch (e) {
    if (e instanceof UnknownCteError) return body;
    throw e;
  }
}

/** The same in pieces, for a download (decodeTransferChunks). */
export function partChunks(raw: Buffer, part: MimePart): Iterable<Buffer> {
  const body = raw.subarray(part.bodyStart, part.bodyEnd);
  try {
    return decodeTransferChunks(body, part.encoding);
  } catch (e) {
    if (e instanceof UnknownCteError) return [body];
    throw e;
  }
}

/** A text part as a string: transfer encoding and charset undone (an unknown charset reads as UTF-8 or Latin-1). */
export function partText(raw: Buffer, part: MimePart, max = TEXT_MAX): { text: string; cut: boolean } {
  const bytes = partBytes(raw, part);
  const charset = paramValue(part.contentType.params, "charset") ?? "";
  const text = decodeCharset(bytes, charset) ?? decodeHeaderText(bytes);
  return text.length > max ? { text: text.slice(0, max), cut: true } : { text, cut: false };
}

/**
 * The inline images' data: URLs, for the sanitiser's cid: references: only the types a browser
 * shows as a picture, each and all of them bounded; null for any other id.
 */
export function inlineImages(raw: Buffer, view: MessageView): (cid: string) => string | null {
  const made = new Map<string, string | null>();
  let total = 0;
  return (cid) => {
    const id = contentId(cid);
    const known = made.get(id);
    if (known !== undefined) return known;
    const part = view.inline.get(id);
    let url: string | null = null;
    if (part !== undefined && INLINE_TYPES.has(lowerType(part)) && decodedSize(part) <= INLINE_MAX && total + decodedSize(part) <= INLINE_TOTAL) {
      const bytes = partBytes(raw, part);
      total += bytes.length;
      url = `data:${lowerType(part)};base64,${bytes.toString("base64")}`;
    }
    made.set(id, url);
    return url;
  };
}

/** Types a browser shows or runs from a download are sent as application/octet-stream; these few as themselves. */
const SAFE_DOWNLOAD = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "text/plain",
  "text/csv",
  "application/zip",
  "application/gzip",
  "audio/mpeg",
  "video/mp4",
  "application/msword",
  "application/vnd.ms-excel",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/vnd.oasis.opendocument.text",
  "application/vnd.oasis.opendocument.spreadsheet",
]);

/** The Content-Type a download is sent with: its own when harmless, else application/octet-stream (HTML, SVG, XML, JS, PDF…). */
export function downloadType(type: string): string {
  return SAFE_DOWNLOAD.has(type) ? type : "application/octet-stream";
}

/**
 * Content-Disposition for a download (RFC 6266 §4.1, §4.3): `attachment`, an ASCII `filename` for old
 * browsers (quotes, backslashes, controls and non-ASCII replaced) and `filename*` with the UTF-8 name
 * percent-encoded (RFC 8187), so no name can end the value or the header.
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const ext = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${ext}`;
}

/**
 * The leaf part at an IMAP section number ("2", "1.3"; RFC 9051 §6.4.5, the mime room's resolver),
 * as messageView numbered it; null for a missing or multipart one, or anything but part numbers.
 */
export function partAt(root: MimePart, section: string): MimePart | null {
  if (!/^[1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,49}$/.test(section)) return null;
  const spec = parseSection(section);
  if (spec === null || spec.text !== undefined) return null;
  const node = resolvePart(root, spec.part);
  return node === null || (isMultipart(node) && !node.truncated) ? null : node;
}
