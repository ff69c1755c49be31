/**
 * A message's header as SEARCH sees it (RFC 9051 §6.4.4): every field — not only the first 10,000
 * the MIME tree keeps, so a field hidden behind junk fields is still found — unfolded, RFC 2047
 * encoded-words decoded (mime's decodeEncodedWords), lower-cased; the address fields FROM, TO, CC
 * and BCC search as their addresses (addressText). Built from mime's one header
 * scanner (everyField), pausing after each slice of the header: a header of millions of lines costs time
 * linear in its size and never holds the event loop.
 */
import { decodeEncodedWords, everyField, parseAddressList, type HeaderField, type MimePart } from "../../mime/index.ts";

/**
 * A message's header fields for SEARCH: "\nname:value" per field, names and values lower-cased,
 * values unfolded and RFC 2047-decoded. One flat string per message keeps the shared cache small
 * (thousands of messages per mailbox); a field lookup is a scan of a few hundred characters.
 */
export type HeaderIndex = string;

/** Header bytes turned into text between two yields to the event loop. */
const SLICE = 64 * 1024;

/** Lets other work run. */
function pause(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The fields SEARCH FROM, TO, CC and BCC match by address (RFC 3501 §6.4.4). */
const ADDRESS_FIELDS = new Set(["from", "to", "cc", "bcc"]);
/** mime's parseAddressList puts these where a part is missing; they are nothing a client searches for. */
const MISSING = new Set(["MISSING_MAILBOX", "MISSING_DOMAIN"]);

const decoded = (text: string): string => (text.includes("=?") ? decodeEncodedWords(text) : text).replace(/[\r\n\0]/g, " ");

/**
 * An address field as SEARCH matches it, as Dovecot does (it matches the field's addresses written
 * out again): each address as `name <mailbox@host>` (or `mailbox@host`), the display name with its
 * encoded-words decoded (RFC 2047), the local part without quotes, comments and folding whitespace
 * gone, and a group's name on its own — so a search string matches a display name, a mailbox, a
 * host or the whole address within one address, whatever the header's syntax (RFC 5322 §3.4).
 * Addresses are joined by NUL, which no search string holds, so a match never spans two of them.
 * Linear in the value: mime's parseAddressList is.
 */
export function addressText(value: string): string {
  const out: string[] = [];
  for (const a of parseAddressList(value)) {
    if (a.host === null) {
      if (a.mailbox !== null && !MISSING.has(a.mailbox)) out.push(decoded(a.mailbox)); // a group's name
      continue;
    }
    const mailbox = a.mailbox === null || MISSING.has(a.mailbox) ? "" : a.mailbox;
    const spec = MISSING.has(a.host) ? mailbox : `${mailbox}@${a.host}`;
    out.push(a.name !== null && a.name !== "" ? `${decoded(a.name)} <${spec}>` : spec);
  }
  return out.join("\0");
}

function indexLine(f: HeaderField): string {
  // Field names are matched lower-cased (headerIndexOf lower-cases the whole index).
  if (ADDRESS_FIELDS.has(f.name.toLowerCase())) return `${f.name}:${addressText(f.value)}`;
  return `${f.name}:${f.value.includes("=?") ? decodeEncodedWords(f.value).replace(/\n/g, " ") : f.value}`;
}

function textLine(f: HeaderField): string {
  return `${f.name}: ${decodeEncodedWords(f.value)}`;
}

/**
 * `line(field)` for every field of a message's header (the root's, or a message/rfc822 part's
 * `message`), in order, with a pause after each SLICE bytes of header.
 */
async function headerLines(raw: Buffer, message: MimePart, line: (f: HeaderField) => string): Promise<string[]> {
  const out: string[] = [];
  let pauseAt = message.headerStart + SLICE;
  for (const f of everyField(raw, message.headerStart, message.headerEnd)) {
    out.push(line(f));
    if (f.end >= pauseAt) {
      await pause();
      pauseAt = f.end + SLICE;
    }
  }
  return out;
}

/** The header index of a message, yielding to the event loop between slices of its header. */
export async function headerIndexOf(raw: Buffer, message: MimePart): Promise<HeaderIndex> {
  const lines = await headerLines(raw, message, indexLine);
  return lines.length === 0 ? "" : `\n${lines.join("\n").toLowerCase()}`;
}

/** Every header field as "name: value" lines, encoded-words decoded, lower-cased (TEXT), yielding between slices. */
export async function headerTextOf(raw: Buffer, message: MimePart): Promise<string> {
  return (await headerLines(raw, message, textLine)).join("\n").toLowerCase();
}

/**
 * headerTextOf at once, for bodyText, which reads an attached message's header (RFC 9051 §6.4.4
 * BODY) without pausing: the same fields, one loop.
 */
export function headerText(raw: Buffer, message: MimePart): string {
  const lines: string[] = [];
  for (const f of everyField(raw, message.headerStart, message.headerEnd)) lines.push(textLine(f));
  return lines.join("\n").toLowerCase();
}
