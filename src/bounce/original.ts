/**
 * What a DSN keeps of the undelivered message: its header section (RFC 5322 §2.1: everything up to the
 * first empty line), returned as text/rfc822-headers (RFC 6522 §4 / RFC 3462), and its subject for the
 * human-readable part (RFC 2047 encoded-words decoded). The body is never included. Tolerant of bare
 * LF line endings. The header is read with mime's one scanner and decoder.
 */
import { decodeEncodedWords, fieldAt, fieldName, headerBounds, scanHeader, type HeaderField } from "../mime/index.ts";
import { clean } from "./text.ts";

/** The header section's lines, line breaks removed (a bare CR inside a line is kept). */
export function headerLines(original: Buffer): Buffer[] {
  const { headerEnd } = headerBounds(original);
  const lines: Buffer[] = [];
  for (let start = 0; start < headerEnd; ) {
    const lf = original.indexOf(0x0a, start);
    const end = lf === -1 || lf >= headerEnd ? headerEnd : lf;
    lines.push(original.subarray(start, end > start && original[end - 1] === 0x0d ? end - 1 : end));
    start = end + 1;
  }
  return lines;
}

/** The first Subject field, unfolded and decoded, cut to 100 characters; null when there is none or it is empty. */
export function subjectOf(original: Buffer): string | null {
  let subject: HeaderField | undefined;
  scanHeader(original, 0, original.length, (start, colon, end) => {
    if (fieldName(original, start, colon) !== "subject") return true;
    subject = fieldAt(original, start, colon, end);
    return false;
  });
  if (subject === undefined) return null;
  // The value as written, folding included: clean() turns line breaks and other controls into spaces.
  const s = clean(decodeEncodedWords(subject.rawValue), 100);
  return s === "" ? null : s;
}
