import assert from "node:assert/strict";
import { test } from "node:test";
import { dovecot } from "../../test/support/mime-dovecot-reference.ts";
import { fixtures } from "../../test/support/mime-fixtures.ts";
import { bodyStructure, formatBodyStructure, imapList, imapNString, imapString, parseMime } from "./index.ts";

/**
 * Where we answer differently from Dovecot, on purpose:
 * - forward: "Content-Type: text" (no subtype) is invalid, so RFC 2045 §5.2 makes it text/plain;
 *   Dovecot reports the subtype as "".
 */
const deviations: Record<string, (s: string) => string> = {
  forward: (s) => s.replace('("text" "" ', '("text" "plain" '),
};

const bs = (raw: Buffer, extended: boolean): string => formatBodyStructure(bodyStructure(parseMime(raw), extended));

for (const [name, ref] of Object.entries(dovecot)) {
  test(`BODYSTRUCTURE and BODY of ${name} are Dovecot's`, () => {
    const raw = fixtures[name as keyof typeof fixtures];
    const fix = deviations[name] ?? ((s: string) => s);
    assert.equal(bs(raw, true), fix(ref.bodystructure));
    assert.equal(bs(raw, false), fix(ref.body));
  });
}

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

test("imapString: quoted when safe, literal for CR, LF and 8-bit; NIL for null", () => {
  assert.equal(imapString("plain"), '"plain"');
  assert.equal(imapString(""), '""');
  assert.equal(imapString('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
  assert.equal(imapString("a\r\nb"), "{4}\r\na\r\nb");
  assert.equal(imapString("tab\there"), '"tab\there"');
  assert.equal(imapString("né"), "{3}\r\nné");
  assert.equal(imapString("日本"), "{6}\r\n日本");
  assert.equal(imapString("nul\0byte"), '"nulbyte"');
  assert.equal(imapString("nul\0\n"), "{4}\r\nnul\n");
  assert.equal(imapNString(null), "NIL");
  assert.equal(imapNString("x"), '"x"');
  assert.equal(imapList([]), "NIL");
  assert.equal(imapList(['"a"', "NIL"]), '("a" NIL)');
});
