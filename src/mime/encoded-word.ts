/**
 * The one RFC 2047 decoder (§4 B and Q encodings, §5 where encoded-words occur, §6 how a reader
 * shows them), with the RFC 2231 §5 language suffix ("=?utf-8*en?q?...?=") ignored, and the one
 * charset decoder it and SEARCH's body text share. A hand-written scanner, no backtracking regex:
 * time is linear in the input, whatever it holds.
 *
 * What it decides where the RFC leaves room:
 * - An encoded-word whose charset is unknown, or whose encoded-text is not valid base64, is kept as
 *   it was written (§6.2: "display the encoded-word as ordinary text"; §6.3: a malformed one is not
 *   decoded). Guessing Latin-1 for an unknown charset would turn text in a charset we cannot read into
 *   wrong letters that look right; the word as written at least says what it is.
 * - UTF-8 and US-ASCII words (and SEARCH body text in them) whose bytes are not valid UTF-8 read as
 *   Latin-1 (decodeHeaderText): every byte stays one character, nothing turns into U+FFFD.
 * - Linear white space between two adjacent encoded-words is dropped (§6.2) only when both are
 *   decoded: next to a word kept as written it is ordinary text and stays.
 * - Encoded-words are recognised inside a run of text too ("abc=?utf-8?q?x?="), as mail readers do,
 *   though §5 asks senders to separate them by white space.
 * - In Q, "_" is a space (§4.2 (2)); an "=" not followed by two hex digits is kept as "=".
 */
import { TextDecoder } from "node:util";
import { decodeHeaderText } from "./header.ts";

const Q = 0x3f; // "?"
const EQ = 0x3d; // "="

/** Decoders by charset label, a few kept (a header names a handful of charsets; a flood of labels stays bounded). */
const decoders = new Map<string, TextDecoder | null>();
const MAX_DECODERS = 64;

function decoderFor(label: string): TextDecoder | null {
  let d = decoders.get(label);
  if (d !== undefined) return d;
  try {
    d = new TextDecoder(label);
  } catch {
    d = null; // RangeError: a label the WHATWG Encoding Standard does not know
  }
  if (decoders.size >= MAX_DECODERS) decoders.clear();
  decoders.set(label, d);
  return d;
}

/**
 * `bytes` in `charset` (an RFC 2047 / MIME charset name, any case, an RFC 2231 "*language" suffix
 * ignored) as text, or null when the charset is unknown. UTF-8, US-ASCII or none: decodeHeaderText
 * (UTF-8 when valid, else Latin-1).
 */
export function decodeCharset(bytes: Buffer, charset: string): string | null {
  const star = charset.indexOf("*");
  const cs = (star >= 0 ? charset.slice(0, star) : charset).trim().toLowerCase();
  if (cs === "" || cs === "us-ascii" || cs === "utf-8" || cs === "utf8") return decodeHeaderText(bytes);
  const d = decoderFor(cs);
  return d === null ? null : d.decode(bytes);
}

/** One parsed encoded-word: its end (just past "?=") and its text, or null when it is kept as written. */
interface Word {
  end: number;
  text: string | null;
}

/** True for the characters of an RFC 2047 §2 token and encoded-text we accept: printable US-ASCII but "?". */
function printable(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== Q;
}

/**
 * The encoded-word starting at `at` ("=?" there), or -(next) when there is none: `next` is where the
 * next "=?" may start. Every scan stops at the first "?" it meets, and no "=?" can start before it,
 * so a failed attempt never makes the caller look at the same characters again.
 */
function wordAt(s: string, at: number): Word | number {
  // "=?" charset ["*" language] "?" encoding "?" encoded-text "?="
  let i = at + 2;
  while (i < s.length && printable(s.charCodeAt(i))) i++;
  if (i === at + 2 || s.charCodeAt(i) !== Q) return -Math.max(i - 1, at + 1);
  const charset = s.slice(at + 2, i);
  const enc = s.charCodeAt(i + 1) | 0x20; // lower case
  if ((enc !== 0x62 && enc !== 0x71) || s.charCodeAt(i + 2) !== Q) return -(i - 1); // a charset ending in "=" may start one
  const textStart = i + 3;
  let j = textStart;
  while (j < s.length && printable(s.charCodeAt(j))) j++;
  if (s.charCodeAt(j) !== Q || s.charCodeAt(j + 1) !== EQ) return -Math.max(j - 1, at + 1);
  const bytes = charset.charCodeAt(0) === 0x2a ? null : enc === 0x62 ? base64(s, textStart, j) : quoted(s, textStart, j);
  return { end: j + 2, text: bytes === null ? null : decodeCharset(bytes, charset) };
}

/** RFC 2047 §4.1 (RFC 4648 §4): the base64 alphabet, "=" padding only at the end; missing padding is forgiven. */
function base64(s: string, start: number, end: number): Buffer | null {
  let stop = end;
  while (stop > start && end - stop < 2 && s.charCodeAt(stop - 1) === EQ) stop--;
  for (let i = start; i < stop; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (!ok) return null;
  }
  if ((stop - start) % 4 === 1) return null; // no whole byte in the last group
  return Buffer.from(s.slice(start, stop), "base64");
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** RFC 2047 §4.2: "=XX" is the byte XX, "_" is a space (2), everything else is itself. */
function quoted(s: string, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5f) {
      out[n++] = 0x20;
    } else if (c === EQ && i + 2 < end && hex(s.charCodeAt(i + 1)) >= 0 && hex(s.charCodeAt(i + 2)) >= 0) {
      out[n++] = hex(s.charCodeAt(i + 1)) * 16 + hex(s.charCodeAt(i + 2));
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

function isLwsp(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * Decodes the RFC 2047 encoded-words in a header field's text (unstructured text, a phrase, a
 * comment): see the module comment for what happens to unknown charsets, malformed words and the
 * white space between words.
 */
export function decodeEncodedWords(s: string): string {
  let at = s.indexOf("=?");
  if (at < 0) return s;
  const out: string[] = [];
  let copied = 0; // s[copied, …) is not in out yet
  let lastDecodedEnd = -1; // just past the last decoded word, when only white space has followed it
  while (at >= 0) {
    const w = wordAt(s, at);
    if (typeof w === "number") {
      at = s.indexOf("=?", -w);
      continue;
    }
    if (w.text === null) {
      lastDecodedEnd = -1;
    } else {
      // §6.2: white space between two decoded words is dropped.
      const gapOnly = lastDecodedEnd === copied && lastDecodedEnd >= 0 && allLwsp(s, copied, at);
      if (!gapOnly) out.push(s.slice(copied, at));
      out.push(w.text);
      copied = w.end;
      lastDecodedEnd = w.end;
    }
    at = s.indexOf("=?", w.end);
  }
  out.push(s.slice(copied));
  return out.join("");
}

function allLwsp(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isLwsp(s.charCodeAt(i))) return false;
  return true;
}

/**
 * RFC 2047 §2: an encoded-word is at most 75 characters, a line holding one at most 76. 39 octets
 * are 52 in base64, 64 with "=?UTF-8?B?" and "?=": room for a field name ("Subject: ") on the line.
 */
const WORD_OCTETS = 39;

/**
 * Unstructured header text as RFC 2047 encoded-words (§4.1 "B", UTF-8), one word per array item,
 * each cut at a character boundary: the caller folds between them (§6.2 drops that white space).
 * Printable US-ASCII text comes back as it is, in one item.
 */
export function encodeWords(text: string): string[] {
  if (/^[\x20-\x7e]*$/.test(text)) return [text];
  const words: string[] = [];
  let chunk = "";
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, "utf8") > WORD_OCTETS) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk !== "") words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, "utf8").toString("base64")}?=`);
}
