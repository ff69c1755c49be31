/**
 * A message's header as SEARCH sees it (RFC 9051 §6.4.4): every field — not only the first 10,000
 * the MIME tree keeps, so a field hidden behind junk fields is still found — unfolded, RFC 2047
 * encoded-words decoded (RFC 2047 §4-§6), lower-cased. Built a slice of the header at a time: a
 * header of millions of lines costs time linear in its size and never holds the event loop.
 */
import { decodeHeaderText, fieldTexts, type MimePart } from "../../mime/index.ts";

/**
 * A message's header fields for SEARCH: "\nname:value" per field, names and values lower-cased,
 * values unfolded and RFC 2047-decoded. One flat string per message keeps the shared cache small
 * (thousands of messages per mailbox); a field lookup is a scan of a few hundred characters.
 */
export type HeaderIndex = string;

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/** Header bytes turned into text between two yields to the event loop. */
const SLICE = 64 * 1024;
const LF = 0x0a;

export function decodeCharset(bytes: Buffer, charset: string): string {
  const cs = charset.split("*")[0]?.trim().toLowerCase() ?? "";
  if (cs === "" || cs === "us-ascii" || cs === "utf-8" || cs === "utf8") return decodeHeaderText(bytes);
  try {
    return new TextDecoder(cs).decode(bytes);
  } catch {
    return decodeHeaderText(bytes);
  }
}

/** RFC 2047 §4-§6: decodes encoded-words; whitespace between two adjacent ones is dropped. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes("=?")) return value;
  const joined = value.replace(/(\?=)\s+(?==\?)/g, "$1");
  return joined.replace(ENCODED_WORD, (whole, charset: string, enc: string, text: string) => {
    let bytes: Buffer;
    if (enc.toLowerCase() === "b") {
      bytes = Buffer.from(text, "base64");
    } else {
      const s = text.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
      bytes = Buffer.from(s, "latin1");
    }
    return bytes.length === 0 && text !== "" ? whole : decodeCharset(bytes, charset);
  });
}

/** The header of a message (the root, or a message/rfc822 part's `message`) in slices of whole fields. */
function* slices(raw: Buffer, message: MimePart): Generator<[number, number]> {
  const end = message.headerEnd;
  const view = raw.subarray(0, end); // so that searches stop at the header's end
  for (let start = message.headerStart; start < end; ) {
    let cut = end;
    // The first line end past the slice size that no continuation line follows (RFC 5322 §2.2.3).
    for (let nl = view.indexOf(LF, start + SLICE); nl >= 0; nl = view.indexOf(LF, nl + 1)) {
      const next = view[nl + 1];
      if (next !== 0x20 && next !== 0x09) {
        cut = nl + 1;
        break;
      }
    }
    yield [start, cut];
    start = cut;
  }
}

/** Lets other work run between two slices. */
function pause(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function indexLine(name: string, value: string): string {
  return `${name}:${value.includes("=?") ? decodeEncodedWords(value).replace(/\n/g, " ") : value}`;
}

function textLine(name: string, value: string): string {
  return `${name}: ${decodeEncodedWords(value)}`;
}

function collect(raw: Buffer, [start, end]: [number, number], line: (name: string, value: string) => string, out: string[]): void {
  fieldTexts(raw, start, end, (name, value) => out.push(line(name, value)));
}

/** The header index of a small message, at once (see headerIndexOf for any message). */
export function headerIndex(raw: Buffer, message: MimePart): HeaderIndex {
  const lines: string[] = [""];
  for (const slice of slices(raw, message)) collect(raw, slice, indexLine, lines);
  return lines.length === 1 ? "" : lines.join("\n").toLowerCase();
}

/** The header index of a message, yielding to the event loop between slices of its header. */
export async function headerIndexOf(raw: Buffer, message: MimePart): Promise<HeaderIndex> {
  const lines: string[] = [""];
  let first = true;
  for (const slice of slices(raw, message)) {
    if (!first) await pause();
    first = false;
    collect(raw, slice, indexLine, lines);
  }
  return lines.length === 1 ? "" : lines.join("\n").toLowerCase();
}

/** Every header field as "name: value" lines, encoded-words decoded, lower-cased (TEXT), at once. */
export function headerText(raw: Buffer, message: MimePart): string {
  const lines: string[] = [];
  for (const slice of slices(raw, message)) collect(raw, slice, textLine, lines);
  return lines.join("\n").toLowerCase();
}

/** headerText, yielding to the event loop between slices of the header. */
export async function headerTextOf(raw: Buffer, message: MimePart): Promise<string> {
  const lines: string[] = [];
  let first = true;
  for (const slice of slices(raw, message)) {
    if (!first) await pause();
    first = false;
    collect(raw, slice, textLine, lines);
  }
  return lines.join("\n").toLowerCase();
}
