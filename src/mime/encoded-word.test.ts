import { test } from "node:test";
import assert from "node:assert/strict";
import { assertLinear } from "../../test/support/fuzz.ts";
import { decodeCharset, decodeEncodedWords, encodeWords } from "./index.ts";

test("RFC 2047 §8: the examples of encoded-words and the white space between them", () => {
  const cases: Array<[string, string]> = [
    ["(=?ISO-8859-1?Q?a?=)", "(a)"],
    ["(=?ISO-8859-1?Q?a?= b)", "(a b)"],
    ["(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"],
    ["(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"],
    ["(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"],
    ["(=?ISO-8859-1?Q?a_b?=)", "(a b)"],
    ["(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"],
    ["=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"],
    ["=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>", "Keld Jørn Simonsen <keld@dkuug.dk>"],
    ["=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "André Pirard <PIRARD@vm1.ulg.ac.be>"],
    [
      "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
      "If you can read this you understand the example.",
    ],
    ["Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)", "Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n (םולש ןב ילטפנ)"],
  ];
  for (const [input, expected] of cases) assert.equal(decodeEncodedWords(input), expected, JSON.stringify(input));
});

test("B and Q in any case, UTF-8, empty words, text without words", () => {
  assert.equal(decodeEncodedWords("=?utf-8?b?R3LDvMOfZQ==?="), "Grüße");
  assert.equal(decodeEncodedWords("=?UTF-8?B?R3LDvMOfZQ?="), "Grüße", "missing padding is forgiven");
  assert.equal(decodeEncodedWords("=?UTF-8?Q?Summer_sale_=E2=80=93_30=25_off?="), "Summer sale – 30% off");
  assert.equal(decodeEncodedWords("=?utf-8?q??="), "");
  assert.equal(decodeEncodedWords("plain text"), "plain text");
  assert.equal(decodeEncodedWords(""), "");
  assert.equal(decodeEncodedWords("a =? b ?= c"), "a =? b ?= c");
  assert.equal(decodeEncodedWords("x=?utf-8?q?y?=z"), "xyz", "inside a run of text too");
});

test("RFC 2231 §5: a language suffix on the charset is ignored", () => {
  assert.equal(decodeEncodedWords("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");
  assert.equal(decodeEncodedWords("=?utf-8*de-DE?b?R3LDvMOfZQ==?="), "Grüße");
});

// The two decoders this one replaces differed here; each case is now decided one way.
test("an unknown charset keeps the word as written (RFC 2047 §6.2), white space beside it stays", () => {
  assert.equal(decodeEncodedWords("=?x-unknown?q?abc?= plain"), "=?x-unknown?q?abc?= plain");
  assert.equal(decodeEncodedWords("=?bogus-charset?Q?abc?="), "=?bogus-charset?Q?abc?=");
  assert.equal(decodeEncodedWords("=?utf-8?q?a?= =?x-unknown?q?b?= =?utf-8?q?c?="), "a =?x-unknown?q?b?= c");
  assert.equal(decodeEncodedWords("=?*en?q?abc?="), "=?*en?q?abc?=", "no charset at all");
});

test("malformed words are kept as written (RFC 2047 §6.3); a stray '=' in Q stays '='", () => {
  assert.equal(decodeEncodedWords("=?utf-8?b?####?="), "=?utf-8?b?####?=");
  assert.equal(decodeEncodedWords("=?utf-8?b?QUJD=QQ==?="), "=?utf-8?b?QUJD=QQ==?=", "padding inside");
  assert.equal(decodeEncodedWords("=?utf-8?b?Q?="), "=?utf-8?b?Q?=", "no whole byte");
  assert.equal(decodeEncodedWords("=?utf-8?x?abc?="), "=?utf-8?x?abc?=", "no such encoding");
  assert.equal(decodeEncodedWords("=?utf-8?q?a b?="), "=?utf-8?q?a b?=", "no space inside a word");
  assert.equal(decodeEncodedWords("=?utf-8?q?100=?= =?utf-8?q?=ZZ?="), "100==ZZ");
  assert.equal(decodeEncodedWords("=?utf-8?q?abc"), "=?utf-8?q?abc");
});

test("only white space between two decoded words is dropped", () => {
  assert.equal(decodeEncodedWords("=?utf-8?q?a?= - =?utf-8?q?b?="), "a - b");
  assert.equal(decodeEncodedWords("=?utf-8?q?a?=\t=?utf-8?q?b?="), "ab");
  assert.equal(decodeEncodedWords("Is it?= =?utf-8?q?yes?="), "Is it?= yes", "'?=' of plain text is not a word's end");
  assert.equal(decodeEncodedWords("a =?utf-8?q?b?= c"), "a b c");
});

test("a word that starts inside another candidate is found", () => {
  assert.equal(decodeEncodedWords("=?abc=?utf-8?q?x?="), "=?abcx");
  assert.equal(decodeEncodedWords("=?=?utf-8?q?x?="), "=?x");
  assert.equal(decodeEncodedWords("=?utf-8?q?a=?utf-8?q?b?="), "=?utf-8?q?ab");
});

test("UTF-8 words whose bytes are not UTF-8 read as Latin-1; other charsets through TextDecoder", () => {
  assert.equal(decodeEncodedWords("=?utf-8?q?K=F6ln?="), "Köln");
  assert.equal(decodeEncodedWords("=?us-ascii?q?K=C3=B6ln?="), "Köln");
  assert.equal(decodeEncodedWords("=?windows-1252?q?=80?="), "€");
  assert.equal(decodeEncodedWords("=?koi8-r?b?8NLJ18XU?="), "Привет");
  assert.equal(decodeCharset(Buffer.from([0xe9]), "iso-8859-1"), "é");
  assert.equal(decodeCharset(Buffer.from("é"), ""), "é");
  assert.equal(decodeCharset(Buffer.from("x"), "x-unknown"), null);
});

test("time is linear in the input, however the words are broken", (t) => {
  const flat = (s: string): string => Buffer.from(s, "latin1").toString("latin1");
  const cases: Array<[string, string]> = [
    ["many words", "=?utf-8?q?a?= "],
    ["many words, joined", "=?utf-8?b?QUJD?=\r\n "],
    ["unknown charsets", "=?x-unknown?q?a?= "],
    ["openers", "=?a"],
    ["unclosed words", "=?utf-8?q?abc "],
    ["question marks", "=?=?"],
    ["distinct bogus charsets", "=?x-%?q?a?="],
  ];
  for (const [name, unit] of cases) {
    let i = 0;
    const make = (n: number): string => flat(unit.includes("%") ? Array.from({ length: n }, () => unit.replace("%", String(i++))).join("") : unit.repeat(n));
    t.diagnostic(assertLinear(make, decodeEncodedWords, { name, n0: 1024, maxN: 1 << 19 }));
  }
  const long = (n: number): string => flat(`=?utf-8?q?${"a".repeat(n)}`);
  t.diagnostic(assertLinear(long, decodeEncodedWords, { name: "one long unclosed word", n0: 4096, maxN: 1 << 22 }));
});

test("encodeWords: ASCII as it is; other text as UTF-8 B-words of at most 64 characters, cut between characters, that decode back", () => {
  assert.deepEqual(encodeWords("Plain subject"), ["Plain subject"]);
  const text = "Bitte handeln: Alte Geräte funktionieren ab Sonntag, 31. Januar 2027 nicht mehr — 🙂 äöüß";
  const words = encodeWords(text);
  assert.ok(words.length > 1);
  for (const w of words) {
    assert.match(w, /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    assert.ok(w.length <= 64, w);
  }
  assert.equal(decodeEncodedWords(words.join("\r\n ")), text);
});
