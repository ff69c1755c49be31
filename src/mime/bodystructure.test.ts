/**
 * BODY and BODYSTRUCTURE as structures. How they are written, compared with Dovecot's answers, is
 * tested where they are written: src/imap-server/parser/format-body.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixtures } from "../../test/support/mime-fixtures.ts";
import { bodyStructure, parseMime, type ImapBodyStructure, type ImapSinglePart } from "./index.ts";

function single(b: ImapBodyStructure | undefined): ImapSinglePart {
  if (b?.kind !== "single") throw new assert.AssertionError({ message: `not a single part: ${JSON.stringify(b)}` });
  return b;
}

test("a text part: its parameters, size and lines; BODY has no extension data, BODYSTRUCTURE all of it", () => {
  const body = single(bodyStructure(parseMime(fixtures.plain), false));
  assert.deepEqual([body.type, body.subtype, body.encoding, body.size, body.lines], ["text", "plain", "7bit", 82, 5]);
  assert.deepEqual(body.params, [{ name: "charset", value: "UTF-8" }, { name: "format", value: "flowed" }]);
  assert.equal(body.extension, null);
  const full = single(bodyStructure(parseMime(fixtures.plain), true));
  assert.deepEqual(full.extension, { md5: null, disposition: null, language: null, location: null });
});

test("text without a charset gets charset us-ascii (RFC 2045 §5.2)", () => {
  const b = single(bodyStructure(parseMime(Buffer.from("Content-Type: text/plain; x=y\r\n\r\nbody")), false));
  assert.deepEqual(b.params, [{ name: "x", value: "y" }, { name: "charset", value: "us-ascii" }]);
});

test("a multipart without body parts reports one empty text/plain part", () => {
  const b = bodyStructure(parseMime(fixtures.noBoundary), true);
  assert.equal(b.kind, "multipart");
  const only = single(b.kind === "multipart" ? b.children[0] : undefined);
  assert.deepEqual([only.type, only.subtype, only.size, only.lines], ["text", "plain", 0, 0]);
});

test("parts past the limits are opaque application/octet-stream leaves", () => {
  const flat = single(bodyStructure(parseMime(fixtures.alternative, { maxDepth: 0 }), false));
  assert.deepEqual([flat.type, flat.subtype, flat.params, flat.size], ["application", "octet-stream", null, 444]);
});

test("an attached message carries its envelope and body", () => {
  const b = bodyStructure(parseMime(fixtures.forward), false);
  assert.equal(b.kind, "multipart");
  const attached = b.kind === "multipart" ? b.children.map(single).find((c) => c.envelope !== null) : undefined;
  assert.ok(attached !== undefined);
  assert.equal(attached.type.toLowerCase(), "message");
  assert.notEqual(attached.body, null);
  assert.equal(typeof attached.lines, "number");
});
