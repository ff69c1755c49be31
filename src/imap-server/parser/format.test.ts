import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatString, formatAstring, formatNstring, formatFlagList, formatDateTime, formatDate, parseDateTime, parseDate, literalPrefix,
  MAX_QUOTED,
} from "./format.ts";
import { ArgParser } from "./parse.ts";
import { ImapParseError } from "./errors.ts";

test("strings: quoted with escapes, literal for CR/LF, 8-bit (unless UTF-8) and long values", () => {
  assert.equal(formatString('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
  assert.equal(formatString("a\r\nb"), "{4}\r\na\r\nb");
  assert.equal(formatString("Entwürfe"), "{9}\r\nEntwürfe");
  assert.equal(formatString("Entwürfe", { utf8: true }), '"Entwürfe"');
  assert.equal(formatString("x".repeat(2000)).startsWith("{2000}\r\n"), true);
  assert.equal(formatString(""), '""');
});

// The one set of string rules: where the two formatters this replaces (mime's imapString for
// ENVELOPE/BODYSTRUCTURE and this one) differed, each case is decided here once.
test("strings: NUL is removed (RFC 9051 §9: no string may carry it), never sent in a literal", () => {
  assert.equal(formatString("nul\0byte"), '"nulbyte"');
  assert.equal(formatString("nul\0\n"), "{4}\r\nnul\n");
  assert.equal(formatString("\0"), '""');
  assert.equal(formatNstring("a\0b", { utf8: true }), '"ab"');
  assert.equal(formatAstring("a\0b"), '"ab"');
});

test("strings: quoted up to MAX_QUOTED bytes, then a literal, 8-bit counted in UTF-8 bytes", () => {
  assert.equal(MAX_QUOTED, 1024);
  assert.equal(formatString("x".repeat(1024)), `"${"x".repeat(1024)}"`);
  assert.equal(formatString("x".repeat(1025)), `{1025}\r\n${"x".repeat(1025)}`);
  assert.equal(formatString("ü".repeat(512), { utf8: true }), `"${"ü".repeat(512)}"`);
  assert.equal(formatString("ü".repeat(513), { utf8: true }), `{1026}\r\n${"ü".repeat(513)}`);
  assert.equal(formatString("abc", { maxQuoted: 2 }), "{3}\r\nabc");
});

test("strings: TEXT-CHARs quoted (tab, DEL), CR or LF alone make a literal, 8-bit only quoted for UTF-8", () => {
  assert.equal(formatString("tab\there\x7f"), '"tab\there\x7f"');
  assert.equal(formatString("a\rb"), "{3}\r\na\rb");
  assert.equal(formatString("a\nb", { utf8: true }), "{3}\r\na\nb");
  assert.equal(formatString("né"), "{3}\r\nné");
  assert.equal(formatString("日本"), "{6}\r\n日本");
  assert.equal(formatString("日本", { utf8: true }), '"日本"');
});

test("formatted strings parse back to the same value", () => {
  for (const s of ['a"b\\c', "line\r\nbreak", "ü", "", "NIL"]) {
    const wire = formatAstring(s);
    const p = wire.startsWith("{")
      ? new ArgParser({ tag: null, segments: [Buffer.alloc(0), Buffer.alloc(0)], literals: [{ data: Buffer.from(s), binary: false, synchronizing: true }], size: 0 })
      : new ArgParser(wire);
    assert.equal(p.astring(), s, wire);
  }
});

test("astring: atom when safe, never a bare NIL; nstring NIL", () => {
  assert.equal(formatAstring("INBOX"), "INBOX");
  assert.equal(formatAstring("Sent Items"), '"Sent Items"');
  assert.equal(formatAstring("nil"), '"nil"');
  assert.equal(formatAstring(""), '""');
  assert.equal(formatAstring("a]b"), "a]b");
  assert.equal(formatAstring("a%b"), '"a%b"');
  assert.equal(formatNstring(null), "NIL");
  assert.equal(formatNstring("x"), '"x"');
  assert.equal(literalPrefix(3, true), "~{3}\r\n");
});

test("flag lists", () => {
  assert.equal(formatFlagList(["\\Seen", "$Forwarded"]), "(\\Seen $Forwarded)");
  assert.equal(formatFlagList(new Set<string>()), "()");
});

test("date-time: RFC 9051 format with zone, and parsed back", () => {
  const d = new Date(Date.UTC(2026, 10, 23, 15, 2, 5));
  assert.equal(formatDateTime(d), '"23-Nov-2026 15:02:05 +0000"');
  assert.equal(formatDateTime(d, 120), '"23-Nov-2026 17:02:05 +0200"');
  assert.equal(formatDateTime(d, -330), '"23-Nov-2026 09:32:05 -0530"');
  assert.equal(formatDateTime(new Date(Date.UTC(2026, 0, 5, 0, 0, 0))), '"05-Jan-2026 00:00:00 +0000"');
  for (const [text, offset] of [['"23-Nov-2026 17:02:05 +0200"', 120], ["23-Nov-2026 09:32:05 -0530", -330]] as const) {
    const parsed = parseDateTime(text);
    assert.equal(parsed.date.getTime(), d.getTime());
    assert.equal(parsed.offsetMinutes, offset);
    assert.equal(formatDateTime(parsed.date, parsed.offsetMinutes).replace(/"/g, ""), text.replace(/"/g, ""));
  }
  assert.equal(parseDateTime(" 1-jan-0050 00:00:00 +0000").date.getUTCFullYear(), 50);
});

test("invalid date-times and dates", () => {
  for (const bad of ["23-Nov-2026", "31-Apr-2026 10:00:00 +0000", "23-Nov-2026 24:00:00 +0000", "23-Xyz-2026 10:00:00 +0000", "23-Nov-2026 10:00:00 +0060", "23-Nov-2026 10:00:00 0000", "23-Nov-26 10:00:00 +0000"]) {
    assert.throws(() => parseDateTime(bad), ImapParseError, bad);
  }
  assert.deepEqual(parseDate("29-Feb-2000"), { year: 2000, month: 2, day: 29 });
  for (const bad of ["29-Feb-1900", "0-Jan-2026", "1-Jan-26", "001-Jan-2026", "1 Jan 2026"]) assert.throws(() => parseDate(bad), ImapParseError, bad);
  assert.equal(formatDate({ year: 2026, month: 1, day: 1 }), "1-Jan-2026");
});
