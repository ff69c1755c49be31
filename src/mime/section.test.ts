import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { dovecot } from "../../test/support/mime-dovecot-reference.ts";
import { fixtures } from "../../test/support/mime-fixtures.ts";
import {
  applyPartial,
  extractBinary,
  extractSection,
  parseMime,
  parseSection,
  UnknownCteError,
  type SectionSpec,
} from "./index.ts";

const digest = (b: Buffer): [number, string] => [b.length, createHash("sha256").update(b).digest("hex").slice(0, 12)];

/** BODY[key] as Dovecot's capture names it: "3.HEADER", "<5>" (BODY[]<5.10>), "TEXT<0>" (BODY[TEXT]<0.4>). */
function fetch(raw: Buffer, key: string): Buffer {
  const tree = parseMime(raw);
  const partial = /^(.*)<(\d+)>$/.exec(key);
  const spec = parseSection(partial ? (partial[1] ?? "") : key);
  assert.ok(spec, `section ${key} parses`);
  const whole = extractSection(raw, tree, spec) ?? Buffer.alloc(0); // Dovecot answers "" for a missing part
  if (!partial) return whole;
  return partial[2] === "5" ? applyPartial(whole, 5, 10) : applyPartial(whole, 0, 4);
}

for (const [name, ref] of Object.entries(dovecot)) {
  test(`BODY[section] of ${name}: ${Object.keys(ref.sections).length} sections as Dovecot answers them`, () => {
    const raw = fixtures[name as keyof typeof fixtures];
    for (const [key, expected] of Object.entries(ref.sections)) {
      assert.deepEqual(digest(fetch(raw, key)), expected, `BODY[${key}]`);
    }
  });

  test(`BINARY[part] of ${name} as Dovecot answers it`, () => {
    const raw = fixtures[name as keyof typeof fixtures];
    const tree = parseMime(raw);
    for (const [key, expected] of Object.entries(ref.binary)) {
      // BINARY[] of the whole message: Dovecot re-encodes it; we send the message as stored.
      if (key === "") continue;
      const part = key.split(".").map(Number);
      assert.deepEqual(digest(extractBinary(raw, tree, part) ?? Buffer.alloc(0)), expected, `BINARY[${key}]`);
    }
  });
}

test("bare-LF messages give the bytes of their CRLF twins with LF line ends", () => {
  for (const [lf, crlf] of [
    [fixtures.plainLf, fixtures.plain],
    [fixtures.mixedLf, fixtures.mixed],
  ] as const) {
    for (const key of Object.keys(dovecot.mixed?.sections ?? {})) {
      assert.equal(fetch(lf, key).toString(), fetch(crlf, key).toString().replace(/\r\n/g, "\n"), key);
    }
  }
});

test("sections read as they should", () => {
  const raw = fixtures.mixed;
  const get = (s: string): string | undefined => {
    const spec = parseSection(s);
    assert.ok(spec);
    return extractSection(raw, parseMime(raw), spec)?.toString();
  };
  assert.equal(get("3.1"), "Numbers look good.");
  assert.equal(get("3.1.MIME"), "Content-Type: text/plain\r\n\r\n");
  assert.equal(get("3.MIME"), "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n");
  assert.equal(
    get('HEADER.FIELDS (subject "In-Reply-To" x-none)'),
    "In-Reply-To: <prev-1@example.com>\r\nSubject: Re: quarterly report\r\n\r\n",
  );
  assert.equal(get("3.HEADER.FIELDS.NOT (Date From To Message-ID MIME-Version Content-Type)"), "Subject: quarterly report\r\n\r\n");
  assert.equal(get("HEADER.FIELDS (X-None)"), "\r\n");
  assert.equal(get("1.HEADER"), undefined); // not a message/rfc822 part
  assert.equal(get("9"), undefined);
  // A header without an ending line break still yields whole lines.
  const cut = Buffer.from("Subject: cut");
  assert.equal(
    extractSection(cut, parseMime(cut), { part: [], text: "HEADER.FIELDS", fields: ["subject"] })?.toString(),
    "Subject: cut\r\n\r\n",
  );
  const lf = fixtures.plainLf;
  assert.equal(extractSection(lf, parseMime(lf), { part: [], text: "HEADER.FIELDS", fields: ["to"] })?.toString(), "To: Bob <bob@example.net>\n\n");
});

test("parseSection: valid and invalid section texts", () => {
  const ok: Array<[string, SectionSpec]> = [
    ["", { part: [] }],
    ["1.2.3", { part: [1, 2, 3] }],
    ["header", { part: [], text: "HEADER" }],
    ["2.TEXT", { part: [2], text: "TEXT" }],
    ["4.1.MIME", { part: [4, 1], text: "MIME" }],
    ["HEADER.FIELDS (From To)", { part: [], text: "HEADER.FIELDS", fields: ["From", "To"] }],
    ['1.HEADER.FIELDS.NOT ("X-A" b)', { part: [1], text: "HEADER.FIELDS.NOT", fields: ["X-A", "b"] }],
  ];
  for (const [text, spec] of ok) assert.deepEqual(parseSection(text), spec, text);
  for (const bad of ["0", "1.0", "MIME", "1.", ".1", "HEADER.FIELDS", "HEADER.FIELDS ()", "TEXT.1", "1 TEXT", "HEADERX", "HEADER.FIELDS (a) x", "HEADER.FIELDS (a \"b)"]) {
    assert.equal(parseSection(bad), null, bad);
  }
});

test("applyPartial: <offset.length> clipped to the data", () => {
  const b = Buffer.from("0123456789");
  assert.equal(applyPartial(b, 2, 3).toString(), "234");
  assert.equal(applyPartial(b, 8, 100).toString(), "89");
  assert.equal(applyPartial(b, 10, 1).toString(), "");
  assert.equal(applyPartial(b, 50, 1).toString(), "");
  assert.equal(applyPartial(b, 4).toString(), "456789");
  assert.equal(applyPartial(b, 0, 0).toString(), "");
});

test("BINARY: base64 and quoted-printable decoded, unknown encodings refused", () => {
  const raw = fixtures.quirks;
  const tree = parseMime(raw);
  assert.equal(extractBinary(raw, tree, [1])?.toString(), "hello world\n");
  assert.equal(extractBinary(raw, tree, [5])?.toString(), "café soft=break");
  assert.equal(extractBinary(raw, tree, [9]), null);
  assert.throws(
    () => extractBinary(raw, tree, [4]),
    (e: unknown) => e instanceof UnknownCteError && e.code === "UNKNOWN-CTE" && e.encoding === "x-uuencode",
  );
  assert.equal(extractBinary(raw, tree, [])?.length, raw.length);
});
