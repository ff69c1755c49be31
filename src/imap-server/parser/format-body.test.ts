/**
 * ENVELOPE, BODY and BODYSTRUCTURE as written for FETCH, compared with Dovecot's answers for the same
 * messages (test/support/mime-dovecot-reference.ts), and the one set of string rules they share with
 * every other response.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { dovecot } from "../../../test/support/mime-dovecot-reference.ts";
import { fixtures } from "../../../test/support/mime-fixtures.ts";
import fc from "fast-check";
import { assertLinear, fuzz } from "../../../test/support/fuzz.ts";
import { bodyStructure, envelope, parseMime } from "../../mime/index.ts";
import { formatBodyStructure, formatEnvelope } from "./format-body.ts";

/**
 * Where our ENVELOPE differs from Dovecot's, on purpose:
 * - quirks: "Cc: ,,  ," has no address at all (RFC 5322 §4.4 obs-addr-list: empty elements are ignored);
 *   Dovecot reports three MISSING_MAILBOX entries. Dovecot also sends the trimmed Subject as a literal
 *   where a quoted string is equivalent.
 */
const envelopeDeviations: Record<string, (s: string) => string> = {
  quirks: (s) =>
    s
      .replace("{14}\r\ntrailing space", '"trailing space"')
      .replace(/\(\(NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN"\)(?:\(NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN"\)){2}\)/, "NIL"),
};

/**
 * Where our BODYSTRUCTURE differs from Dovecot's, on purpose:
 * - forward: "Content-Type: text" (no subtype) is invalid, so RFC 2045 §5.2 makes it text/plain;
 *   Dovecot reports the subtype as "".
 */
const bodyDeviations: Record<string, (s: string) => string> = {
  forward: (s) => s.replace('("text" "" ', '("text" "plain" '),
};

const env = (raw: Buffer): string => formatEnvelope(envelope(parseMime(raw)));
const bs = (raw: Buffer, extended: boolean): string => formatBodyStructure(bodyStructure(parseMime(raw), extended));

for (const [name, ref] of Object.entries(dovecot)) {
  test(`ENVELOPE of ${name} is Dovecot's`, () => {
    const raw = fixtures[name as keyof typeof fixtures];
    assert.equal(env(raw), (envelopeDeviations[name] ?? ((s: string) => s))(ref.envelope));
  });
  test(`BODYSTRUCTURE and BODY of ${name} are Dovecot's`, () => {
    const raw = fixtures[name as keyof typeof fixtures];
    const fix = bodyDeviations[name] ?? ((s: string) => s);
    assert.equal(bs(raw, true), fix(ref.bodystructure));
    assert.equal(bs(raw, false), fix(ref.body));
  });
}

test("bare-LF messages have the same envelope as their CRLF twins", () => {
  assert.equal(env(fixtures.plainLf), env(fixtures.plain));
  assert.equal(env(fixtures.mixedLf), env(fixtures.mixed));
});

test("an empty envelope is all NIL; 8-bit strings go out as literals counted in UTF-8 bytes", () => {
  assert.equal(env(Buffer.from("\r\nbody")), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  assert.match(env(fixtures.encoded), /\(\(\{13\}\r\nJörg Müller NIL "joerg" \{15\}\r\nmüller\.example\)/);
});

test("a value past MAX_QUOTED bytes goes out as a literal, as every string does (mime's copy quoted any length)", () => {
  const long = "x".repeat(1100);
  assert.match(env(Buffer.from(`Subject: ${long}\r\n\r\n`)), new RegExp(`^\\(NIL \\{1100\\}\r\n${long} NIL`));
  assert.match(env(Buffer.from(`Subject: ${"x".repeat(1024)}\r\n\r\n`)), /^\(NIL "x{1024}" NIL/);
});

test("NUL never reaches the client: removed from ENVELOPE strings, as from every string", () => {
  const raw = Buffer.from("Subject: nul\0byte\r\nFrom: A\0B <a@b.test>\r\n\r\nbody", "latin1");
  assert.match(env(raw), /^\(NIL "nulbyte" \(\("AB" NIL "a" "b\.test"\)\)/);
});

test("bare LF: sizes count the bytes as stored, lines the same", () => {
  // Dovecot's CRLF answers with each size less one byte per line break of that body.
  assert.equal(
    bs(fixtures.plainLf, true),
    '("text" "plain" ("charset" "UTF-8" "format" "flowed") NIL NIL "7bit" 77 5 NIL NIL NIL NIL)',
  );
  const mixed = dovecot.mixed?.bodystructure ?? "";
  const expected = mixed
    .replace('"7bit" 50 1', '"7bit" 49 1')
    .replace('"base64" 110', '"base64" 109')
    .replace('"7bit" 371', '"7bit" 353')
    .replace('"7bit" 34 1', '"7bit" 33 1');
  assert.notEqual(expected, mixed);
  assert.equal(bs(fixtures.mixedLf, true), expected);
});

test("a multipart without body parts reports one empty text/plain part", () => {
  assert.equal(
    bs(fixtures.noBoundary, true),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" NIL NIL NIL NIL)',
  );
  assert.equal(bs(fixtures.noBoundary, false), '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) "mixed")');
});

test("parts past the limits are opaque application/octet-stream leaves", () => {
  const tree = parseMime(fixtures.mixed, { maxDepth: 1 });
  assert.match(
    formatBodyStructure(bodyStructure(tree, true)),
    /\("application" "octet-stream" NIL NIL NIL "7bit" 371 NIL \("inline" NIL\) NIL NIL\) "mixed"/,
  );
  const flat = parseMime(fixtures.alternative, { maxDepth: 0 });
  assert.equal(bs(fixtures.alternative, false).startsWith("(("), true);
  assert.equal(formatBodyStructure(bodyStructure(flat, false)), '("application" "octet-stream" NIL NIL NIL "7bit" 444)');
});

test("odd parameter values go out as quoted strings with escapes, or literals", () => {
  const raw = Buffer.from(
    'Content-Type: text/plain; name="a \\"b\\" \\\\c"; title="caf\u00e9"\r\nContent-Description: two\r\n\tlines\r\n\r\nx',
  );
  assert.equal(
    bs(raw, false),
    '("text" "plain" ("name" "a \\"b\\" \\\\c" "title" {5}\r\ncafé "charset" "us-ascii") NIL "two\tlines" "7bit" 1 0)',
  );
});

test("time is linear in the number of addresses and parameters", (t) => {
  const flat = (s: string): Buffer => Buffer.from(s, "latin1");
  t.diagnostic(assertLinear((n) => envelope(parseMime(flat(`To: ${"a@b.c, ".repeat(n)}\r\n\r\n`))), formatEnvelope, { name: "long address list", n0: 512, maxN: 1 << 17 }));
  const params = (n: number): ReturnType<typeof bodyStructure> => bodyStructure(parseMime(flat(`Content-Type: text/plain${"; a=b".repeat(n)}\r\n\r\n`)), true);
  t.diagnostic(assertLinear(params, formatBodyStructure, { name: "many parameters", n0: 512, maxN: 1 << 17 }));
});

test("any bytes: ENVELOPE and BODYSTRUCTURE are written without throwing, and never carry NUL", (t) => {
  const tokens = ["From: ", "Subject: ", "To: a@b, ", "Content-Type: multipart/mixed; boundary=b", "\r\n", "\r\n\r\n", "--b\r\n",
    "\0", "\xff", "ü", '"', "\\", "=?utf-8?q?x?="];
  const message = fc.array(fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 4 })), { maxLength: 30 }).map((p) => Buffer.from(p.join(""), "latin1"));
  fuzz(t, fc.property(message, (raw) => {
    const tree = parseMime(raw);
    for (const s of [formatEnvelope(envelope(tree)), formatBodyStructure(bodyStructure(tree, true))]) assert.ok(!s.includes("\0"), JSON.stringify(s));
  }), 0.5);
});
