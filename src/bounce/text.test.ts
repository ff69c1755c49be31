import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeQuotedPrintable } from "../mime/index.ts";
import { headerLines, subjectOf } from "./original.ts";
import { ascii, clean, fold, humanDate, is7bit, quotedPrintable, rfc5322Date, wrap } from "./text.ts";

test("quoted-printable round-trips through the repo's decoder; encoded lines stay within 76", () => {
  const lines = [
    Buffer.from("plain line"),
    Buffer.from("trailing blank "),
    Buffer.from("tab\tend\t"),
    Buffer.from("a=b and caf\u00e9 for M\u00e4rz", "utf8"),
    Buffer.from("x".repeat(300)),
    Buffer.from([0x00, 0x0d, 0xff, 0x3d]),
    Buffer.from(""),
  ];
  const encoded = quotedPrintable(lines);
  for (const l of encoded) {
    assert.ok(l.length <= 76, `${l.length}: ${l}`);
    assert.doesNotMatch(l, /[^\x21-\x7e \t]/);
    assert.doesNotMatch(l, /[ \t]$/, "no trailing blank (RFC 2045 §6.7 rule 3)");
  }
  const decoded = decodeQuotedPrintable(Buffer.from(encoded.join("\r\n"), "latin1"));
  assert.deepEqual(decoded, Buffer.from(lines.map((b) => b.toString("latin1")).join("\r\n"), "latin1"));
});

test("fold keeps words whole, starts continuation lines with a space, never folds after the name", () => {
  assert.deepEqual(fold("Status", "5.1.1"), ["Status: 5.1.1"]);
  const lines = fold("Diagnostic-Code", `smtp; ${"word ".repeat(40).trim()}`);
  assert.ok(lines.length > 1);
  for (const [i, l] of lines.entries()) {
    assert.ok(l.length <= 78, l);
    if (i > 0) assert.match(l, /^ \S/);
  }
  assert.equal(lines.join("").replace(/^Diagnostic-Code: /, ""), `smtp; ${"word ".repeat(40).trim()}`);
  const long = fold("X", "z".repeat(2000));
  assert.deepEqual(long.map((l) => l.length), [903, 901, 201]);
  assert.deepEqual(fold("Name", "a".repeat(100)), [`Name: ${"a".repeat(100)}`], "a long first word stays after the name");
});

test("wrap breaks at spaces within the width and indents every line", () => {
  assert.deepEqual(wrap("one two three four", 9, "  "), ["  one two", "  three", "  four"]);
  assert.deepEqual(wrap("averyveryverylongword short", 10), ["averyveryverylongword", "short"]);
  assert.deepEqual(wrap("   "), []);
});

test("clean and ascii make outside text one safe line", () => {
  assert.equal(clean("a\r\nb\t\tc\u0000d\u2028e"), "a b c d e");
  assert.equal(clean("x".repeat(20), 10), `${"x".repeat(9)}…`);
  assert.equal(ascii("f\u00fcr\r\nyou", 100), "f?r you");
  assert.equal(ascii("y".repeat(20), 10), `${"y".repeat(9)}...`);
});

test("dates: RFC 5322 for fields, a short form for people", () => {
  assert.equal(rfc5322Date(Date.UTC(2026, 0, 5, 7, 8, 9)), "Mon, 5 Jan 2026 07:08:09 +0000");
  assert.equal(humanDate(Date.UTC(2026, 0, 5, 7, 8, 9)), "5 Jan 2026, 07:08 UTC");
});

test("is7bit refuses 8-bit bytes, NUL, CR and lines of 998 octets", () => {
  assert.ok(is7bit([Buffer.from("fine"), Buffer.from("x".repeat(997))]));
  assert.ok(!is7bit([Buffer.from("x".repeat(998))]));
  assert.ok(!is7bit([Buffer.from([0x41, 0x80])]));
  assert.ok(!is7bit([Buffer.from([0x41, 0x00])]));
  assert.ok(!is7bit([Buffer.from("a\rb")]));
  assert.ok(!is7bit([Buffer.from("x".repeat(79))], 78));
});

test("the original's header lines end at the first empty line (mime's scanner), bare LF too", () => {
  const lines = headerLines(Buffer.from("From: a@b\r\nSubject: x\r\n y\r\nTo: c@d\r\n\r\nSubject: not me"));
  assert.deepEqual(lines.map(String), ["From: a@b", "Subject: x", " y", "To: c@d"]);
  assert.deepEqual(headerLines(Buffer.from("A: 1\nB: 2\n\nC: 3\n")).map(String), ["A: 1", "B: 2"]);
  assert.deepEqual(headerLines(Buffer.from("A: 1\r\nB: x\ry\r\n")).map(String), ["A: 1", "B: x\ry"], "no empty line: all of it");
  assert.deepEqual(headerLines(Buffer.from("\r\nA: 1\r\n")), [], "an empty header");
});

test("the original's subject is unfolded and RFC 2047-decoded for the text", () => {
  const original = Buffer.from("From: a@b\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n =?iso-8859-1?q?_aus_K=F6ln?=\r\nTo: c@d\r\n\r\nSubject: not me");
  assert.equal(subjectOf(original), "Grüße aus Köln");
  assert.equal(subjectOf(Buffer.from("From: a@b\r\n\r\nSubject: body")), null);
  assert.equal(subjectOf(Buffer.from("Subject:   \r\n\r\n")), null);
  assert.equal(subjectOf(Buffer.from("SUBJECT : =?x-unknown?q?abc?= plain\r\n\r\n")), "=?x-unknown?q?abc?= plain");
  assert.equal(subjectOf(Buffer.from("Subject: line\r\n\tbreak\x07bell\r\n")), "line break bell");
  assert.equal(subjectOf(Buffer.from("Subject: Gr\xfc\xdfe\r\n", "latin1")), "Grüße", "8-bit, not UTF-8: Latin-1");
});
