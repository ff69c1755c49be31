/**
 * Response formatting (RFC 9051 §4.3, §9): strings as atom, quoted or literal as their content
 * requires, flag lists, and IMAP dates — formatted for responses and parsed for APPEND and SEARCH.
 * The one set of string rules for every response, ENVELOPE and BODYSTRUCTURE included
 * (format-body.ts): mime builds the structures, the IMAP side writes them.
 */
import { ASTRING_CHAR } from "./chars.ts";
import { ImapParseError } from "./errors.ts";

interface StringFormatOptions {
  /** The client accepts UTF-8 in quoted strings (IMAP4rev2, RFC 6855 UTF8=ACCEPT). */
  utf8?: boolean;
  /** Longer strings go out as literals. Default MAX_QUOTED. */
  maxQuoted?: number;
}

/**
 * Strings longer than this (in UTF-8 bytes) go out as literals: their length is then known before
 * their content, and no client has to scan a long run of escapes. RFC 9051 sets no limit.
 */
export const MAX_QUOTED = 1024;

/** `{n}\r\n` (or `~{n}\r\n` for literal8, RFC 3516): write the n bytes right after it. */
export function literalPrefix(size: number, binary = false): string {
  return `${binary ? "~" : ""}{${size}}\r\n`;
}

/**
 * True when `value` (NUL-free) can go out as a quoted string: TEXT-CHARs only, that is no CR or LF
 * (RFC 9051 §9 QUOTED-CHAR); 8-bit only for a UTF-8 client (§9 quoted: UTF8-2/3/4 under IMAP4rev2
 * or UTF8=ACCEPT, RFC 6855 §3); at most maxQuoted bytes.
 */
function quotable(value: string, opts: StringFormatOptions): boolean {
  const max = opts.maxQuoted ?? MAX_QUOTED;
  if (value.length > max) return false;
  let eightBit = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) return false;
    if (c >= 0x80) {
      if (opts.utf8 !== true) return false;
      eightBit = true;
    }
  }
  return !eightBit || Buffer.byteLength(value) <= max;
}

/**
 * string = quoted / literal: quoted when it can be, else a literal whose `{n}` counts the UTF-8 bytes
 * of the content (write the result with Buffer.from(s, "utf8")). NUL is removed: RFC 9051 §9 allows
 * it in neither a quoted string nor a literal (CHAR8 excludes it), and the literal8 that may carry it
 * belongs to BINARY responses only (RFC 3516 §4.2), not to ENVELOPE, BODYSTRUCTURE or names.
 */
export function formatString(value: string, opts: StringFormatOptions = {}): string {
  const clean = value.includes("\0") ? value.replaceAll("\0", "") : value;
  if (quotable(clean, opts)) return `"${clean.replace(/[\\"]/g, "\\$&")}"`;
  return literalPrefix(Buffer.byteLength(clean)) + clean;
}

/** astring: a bare atom when safe (never "NIL", which clients would read as NIL), else a string. */
export function formatAstring(value: string, opts: StringFormatOptions = {}): string {
  if (value.length > 0 && value.length <= 256 && value.toUpperCase() !== "NIL") {
    let atom = true;
    for (let i = 0; i < value.length && atom; i++) atom = ASTRING_CHAR[value.charCodeAt(i)] === 1;
    if (atom) return value;
  }
  return formatString(value, opts);
}

/** nstring = string / NIL */
export function formatNstring(value: string | null, opts: StringFormatOptions = {}): string {
  return value === null ? "NIL" : formatString(value, opts);
}

/** flag-list = "(" [flag *(SP flag)] ")" */
export function formatFlagList(flags: Iterable<string>): string {
  return `(${Array.from(flags).join(" ")})`;
}

// --- dates ------------------------------------------------------------------------------------

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m.toUpperCase(), i + 1]));

/** A calendar date without time or zone (SEARCH BEFORE/ON/SINCE, RFC 9051 §6.4.4). */
export interface ImapDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export interface ParsedDateTime {
  date: Date;
  /** The zone the client gave, in minutes east of UTC (kept to echo INTERNALDATE as sent). */
  offsetMinutes: number;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function month(text: string): number {
  const m = MONTH_INDEX.get(text.toUpperCase());
  if (m === undefined) throw new ImapParseError("Invalid month in date");
  return m;
}

/**
 * date-time as sent in responses (RFC 9051 §9), quotes included: `"23-Nov-2026 15:02:05 +0000"`,
 * in the zone `offsetMinutes` east of UTC.
 */
export function formatDateTime(date: Date, offsetMinutes = 0): string {
  const t = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const zone = `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  const day = `${pad(t.getUTCDate())}-${MONTHS[t.getUTCMonth()] ?? "Jan"}-${pad(t.getUTCFullYear(), 4)}`;
  return `"${day} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${zone}"`;
}

/** date-text = date-day "-" date-month "-" date-year, e.g. `1-Jan-2026` (RFC 9051 §9). */
export function formatDate(d: ImapDate): string {
  return `${d.day}-${MONTHS[d.month - 1] ?? "Jan"}-${pad(d.year, 4)}`;
}

const DATE_TEXT = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/;
const DATE_TIME = /^ ?([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/;

/** Parses a SEARCH date-text (without quotes). */
export function parseDate(text: string): ImapDate {
  const m = DATE_TEXT.exec(text);
  if (m === null) throw new ImapParseError("Invalid date");
  const d = { day: Number(m[1]), month: month(m[2] ?? ""), year: Number(m[3]) };
  if (d.day < 1 || d.day > daysInMonth(d.year, d.month)) throw new ImapParseError("Invalid date");
  return d;
}

/**
 * Parses an APPEND date-time, the text inside the quotes (surrounding quotes are tolerated):
 * `23-Nov-2026 15:02:05 +0000`; date-day-fixed may be " 5" or "05" (or "5").
 */
export function parseDateTime(text: string): ParsedDateTime {
  const inner = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  const m = DATE_TIME.exec(inner);
  if (m === null) throw new ImapParseError("Invalid date-time");
  const [day, year, hh, mm, ss, zh, zm] = [m[1], m[3], m[4], m[5], m[6], m[8], m[9]].map(Number) as [
    number, number, number, number, number, number, number,
  ];
  const mon = month(m[2] ?? "");
  if (day < 1 || day > daysInMonth(year, mon) || hh > 23 || mm > 59 || ss > 60 || zm > 59) {
    throw new ImapParseError("Invalid date-time");
  }
  const offsetMinutes = (m[7] === "-" ? -1 : 1) * (zh * 60 + zm);
  const date = new Date(0);
  date.setUTCFullYear(year, mon - 1, day); // not Date.UTC, which maps years 0–99 to 1900–1999
  date.setUTCHours(hh, mm, Math.min(ss, 59)); // a leap second counts as :59
  return { date: new Date(date.getTime() - offsetMinutes * 60_000), offsetMinutes };
}
