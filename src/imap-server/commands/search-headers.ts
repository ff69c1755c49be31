/**
 * A message's header as SEARCH sees it (RFC 9051 §6.4.4): every field — not only the first 10,000
 * the MIME tree keeps, so a field hidden behind junk fields is still found — unfolded, RFC 2047
 * encoded-words decoded (mime's decodeEncodedWords), lower-cased. Built from mime's one header
 * scanner (everyField), pausing after each slice of the header: a header of millions of lines costs time
 * linear in its size and never holds the event loop.
 */
import { decodeEncodedWords, everyField, type HeaderField, type MimePart } from "../../mime/index.ts";

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

function indexLine(f: HeaderField): string {
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
