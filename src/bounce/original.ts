/**
 * What a DSN keeps of the undelivered message: its header section (RFC 5322 §2.1: everything up to the
 * first empty line), returned as text/rfc822-headers (RFC 6522 §4 / RFC 3462), and its subject for the
 * human-readable part (RFC 2047 encoded-words decoded). The body is never included. Tolerant of bare
 * LF line endings.
 */
import { isUtf8 } from "node:buffer";
import { clean } from "./text.ts";

/** The header section's lines, line breaks removed (a bare CR inside a line is kept). */
export function headerLines(original: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < original.length) {
    const lf = original.indexOf(0x0a, start);
    const end = lf === -1 ? original.length : lf;
    const lineEnd = end > start && original[end - 1] === 0x0d ? end - 1 : end;
    if (lineEnd === start) break; // the empty line that ends the header
    lines.push(original.subarray(start, lineEnd));
    if (lf === -1) break;
    start = lf + 1;
  }
  return lines;
}

/** The Subject field, unfolded and decoded, cut to 100 characters; null when there is none or it is empty. */
export function subjectOf(lines: readonly Buffer[]): string | null {
  let raw: Buffer[] | null = null;
  for (const line of lines) {
    if (raw !== null) {
      if (line[0] === 0x20 || line[0] === 0x09) {
        raw.push(line);
        continue;
      }
      break;
    }
    if (/^subject[ \t]*:/i.test(line.toString("latin1", 0, 20))) raw = [line.subarray(line.indexOf(0x3a) + 1)];
  }
  if (raw === null) return null;
  const bytes = Buffer.concat(raw);
  const text = isUtf8(bytes) ? bytes.toString("utf8") : bytes.toString("latin1");
  const s = clean(decodeEncodedWords(text), 100);
  return s === "" ? null : s;
}

const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

/** RFC 2047 §4-§6: decodes encoded-words, dropping whitespace between two adjacent ones; unknown charsets stay encoded. */
export function decodeEncodedWords(s: string): string {
  const joined = s.replace(/(\?=)[ \t\r\n]+(?==\?)/g, "$1");
  return joined.replace(ENCODED_WORD, (word, charset: string, enc: string, data: string) => {
    try {
      const bytes =
        enc.toUpperCase() === "B"
          ? Buffer.from(data, "base64")
          : Buffer.from(
              data.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
              "latin1",
            );
      return new TextDecoder(charset).decode(bytes);
    } catch {
      return word;
    }
  });
}
