/**
 * The message a reply, a forward or a reopened draft starts from, read from the account's own
 * folder (another account's message is as absent as a missing one): its addresses and subject
 * decoded (RFC 2047), its text for quoting, and its attachments with their part numbers (RFC 9051
 * §6.4.5) so the form can carry them by reference instead of uploading them again.
 */
import { isAscii } from "node:buffer";
import sanitizeHtml from "sanitize-html";
import { decodeCharset, decodeEncodedWords, decodeTransfer, envelope, extractBinary, paramValue, parseMime, type ImapAddress, type MimePart, type MimeParam } from "../mime/index.ts";
import { messageRows, type MailboxRow } from "../store/index.ts";
import type { WebDeps } from "./deps.ts";
import { ownedFolder } from "./mail-common.ts";
import type { Mailbox, OriginalHeaders } from "./mail-compose.ts";

/** Hostile mail stays cheap to look into: the parser keeps at most this much structure. */
const MIME_LIMITS = { maxDepth: 20, maxParts: 500, maxHeaderFields: 2000 };

interface Attachment {
  /** The part number, "2" or "1.3". */
  section: string;
  filename: string;
  contentType: string;
  /** The encoded size: the decoded file is about this (base64: three quarters of it). */
  size: number;
}

export interface Original extends OriginalHeaders {
  box: MailboxRow;
  uid: number;
  flags: string;
  /** The Date field as written, and as a time when it can be read. */
  date: string | null;
  time: number | null;
  bcc: Mailbox[];
  /** The text to quote: the text/plain body, else the HTML one as text. */
  text: string;
  attachments: Attachment[];
  /** The draft's own note of the message it answers ("12.34 reply"), when it is a draft of ours. */
  origin: string | null;
  raw: Buffer;
  tree: MimePart;
}

/** A draft's note of the message it replies to or forwards; never in a message that is sent. */
export const ORIGIN_HEADER = "X-Sealpost-Origin";

/** The account's message `uid` in folder `box`, read and parsed; undefined when there is none. */
export async function readOriginal(deps: WebDeps, accountId: number, boxId: number, uid: number): Promise<Original | undefined> {
  const box = await ownedFolder(deps, accountId, boxId);
  if (box === undefined) return undefined;
  const [row] = await messageRows(deps.db, box.id, [uid]);
  if (row === undefined) return undefined;
  const raw = await deps.store.blobs.read(row.blob, row.size);
  const tree = parseMime(raw, MIME_LIMITS);
  const env = envelope(tree);
  const field = (name: string): string | null => tree.headers.find((h) => h.name.toLowerCase() === name)?.value ?? null;
  const date = env.date;
  const parsedTime = date === null ? NaN : Date.parse(date);
  const attachments: Attachment[] = [];
  const body = { text: null as string | null, html: null as string | null };
  walk(raw, tree, [], attachments, body);
  return {
    box,
    uid,
    flags: row.flags,
    from: mailboxes(env.from),
    replyTo: mailboxes(field("reply-to") === null ? null : env.replyTo),
    to: mailboxes(env.to),
    cc: mailboxes(env.cc),
    bcc: mailboxes(env.bcc),
    subject: env.subject === null ? "" : decodeEncodedWords(env.subject),
    messageId: env.messageId,
    inReplyTo: env.inReplyTo,
    references: field("references"),
    date,
    time: Number.isNaN(parsedTime) ? null : parsedTime,
    text: body.text ?? (body.html === null ? "" : htmlAsText(body.html)),
    attachments,
    origin: field(ORIGIN_HEADER.toLowerCase()),
    raw,
    tree,
  };
}

/** ENVELOPE addresses as mailboxes, names decoded; group markers left out. */
function mailboxes(list: ImapAddress[] | null): Mailbox[] {
  return (list ?? []).flatMap((a) => (a.mailbox === null || a.host === null ? [] : [{ name: a.name === null ? "" : decodeEncodedWords(a.name), address: `${a.mailbox}@${a.host}` }]));
}

/**
 * Visits the leaves in part-number order: the first text/plain (and text/html) that is not an
 * attachment is the body; every part that is an attachment, or has a file name, or is neither
 * text nor multipart, is listed. An embedded message (message/rfc822) is one attachment.
 */
function walk(raw: Buffer, part: MimePart, path: number[], out: Attachment[], body: { text: string | null; html: string | null }): void {
  const type = part.contentType.type.toLowerCase();
  if (type === "multipart" && !part.truncated) {
    part.children.forEach((c, i) => walk(raw, c, [...path, i + 1], out, body));
    return;
  }
  const section = (path.length === 0 ? [1] : path).join(".");
  const filename = partFilename(part);
  const attached = part.disposition?.type.toLowerCase() === "attachment" || filename !== null;
  const subtype = part.contentType.subtype.toLowerCase();
  if (!attached && type === "text" && (subtype === "plain" || subtype === "html")) {
    const key = subtype === "plain" ? "text" : "html";
    if (body[key] === null) {
      body[key] = partText(raw, part);
      return;
    }
  }
  if (!attached && type === "text") return; // a second body (the other alternative): not a file
  out.push({ section, filename: filename ?? `part-${section}`, contentType: `${type}/${subtype}`, size: part.size });
}

/** A part's body as text: its transfer encoding undone, its charset decoded (UTF-8 when unknown). */
function partText(raw: Buffer, part: MimePart): string {
  let bytes: Buffer;
  try {
    bytes = decodeTransfer(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding);
  } catch {
    bytes = raw.subarray(part.bodyStart, part.bodyEnd);
  }
  const charset = paramValue(part.contentType.params, "charset") ?? "us-ascii";
  if (isAscii(bytes)) return bytes.toString("latin1");
  return decodeCharset(bytes, charset) ?? bytes.toString("utf8");
}

/** HTML mail as plain text for quoting: no tags, entities resolved by sanitize-html's parser. */
function htmlAsText(h: string): string {
  const text = sanitizeHtml(h.replace(/<br\s*\/?>|<\/(p|div|tr|li|h[1-6])>/gi, "\n"), { allowedTags: [], allowedAttributes: {}, nonTextTags: ["style", "script", "textarea", "option", "title", "head"] });
  return text.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_m, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", nbsp: " " })[e] ?? "").replace(/\n{3,}/g, "\n\n").trim();
}

/**
 * A part's file name: Content-Disposition's filename, else Content-Type's name; RFC 2231 §3-§4
 * continuations and charset ("filename*0*=utf-8''…") joined and decoded, RFC 2047 words decoded
 * (what many mail programs write instead); path separators and control characters removed.
 */
function partFilename(part: MimePart): string | null {
  const name = rfc2231(part.disposition?.params ?? [], "filename") ?? rfc2231(part.contentType.params, "name");
  if (name === null) return null;
  const clean = decodeEncodedWords(name).replace(/[\x00-\x1f\x7f/\\]/g, "_").trim().slice(0, 255);
  return clean === "" ? null : clean;
}

function rfc2231(params: readonly MimeParam[], name: string): string | null {
  const plain = paramValue(params, name);
  const pieces: Array<{ n: number; value: string; encoded: boolean }> = [];
  const re = new RegExp(`^${name}\\*(?:(\\d{1,3})(\\*)?|)$`, "i");
  for (const p of params) {
    const m = re.exec(p.name);
    if (m === null) continue;
    // "name*" (one piece, encoded) or "name*N" / "name*N*".
    pieces.push(m[1] === undefined ? { n: 0, value: p.value, encoded: true } : { n: Number(m[1]), value: p.value, encoded: m[2] === "*" });
  }
  if (pieces.length === 0) return plain ?? null;
  pieces.sort((a, b) => a.n - b.n);
  let charset = "utf-8";
  const first = pieces[0];
  if (first?.encoded === true) {
    const q = /^([^']*)'[^']*'(.*)$/s.exec(first.value);
    if (q !== null) {
      charset = q[1] === "" ? "us-ascii" : (q[1] ?? "utf-8");
      first.value = q[2] ?? "";
    }
  }
  const bytes = Buffer.concat(pieces.map((p) => (p.encoded ? percentDecode(p.value) : Buffer.from(p.value, "utf8"))));
  return decodeCharset(bytes, charset) ?? bytes.toString("utf8");
}

function percentDecode(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s[i] === "%" ? s.slice(i + 1, i + 3) : "";
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(...Buffer.from(s[i] ?? "", "utf8"));
  }
  return Buffer.from(out);
}

/** A listed attachment's decoded bytes, with its name and type; undefined when the part is gone or cannot be decoded. */
export function attachmentContent(o: Original, section: string): { filename: string; contentType: string; content: Buffer } | undefined {
  const a = o.attachments.find((x) => x.section === section);
  if (a === undefined) return undefined;
  try {
    const content = extractBinary(o.raw, o.tree, section.split(".").map(Number));
    return content === null ? undefined : { filename: a.filename, contentType: a.contentType, content: Buffer.from(content) };
  } catch {
    return undefined; // an encoding nobody knows (UnknownCteError): the file cannot be carried
  }
}
