import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeQuotedPrintable, decodeTransfer, decodeTransferChunks, UnknownCteError } from "./index.ts";

const qp = (s: string): string => decodeQuotedPrintable(Buffer.from(s, "latin1")).toString("latin1");

test("quoted-printable (RFC 2045 §6.7): escapes, soft breaks, transport padding, malformed input", () => {
  assert.equal(qp("caf=C3=A9"), "caf\xc3\xa9");
  assert.equal(qp("lower =e9 hex"), "lower \xe9 hex");
  assert.equal(qp("soft=\r\nbreak"), "softbreak");
  assert.equal(qp("soft= \t\r\nbreak"), "softbreak");
  assert.equal(qp("soft=\nbreak"), "softbreak");
  assert.equal(qp("padded   \r\nline"), "padded\r\nline");
  assert.equal(qp("keep=20\r\n"), "keep \r\n");
  assert.equal(qp("bad =ZZ and =4"), "bad =ZZ and =4");
  assert.equal(qp("end="), "end");
  assert.equal(qp("lf\nonly\n"), "lf\nonly\n");
  assert.equal(qp(""), "");
});

test("base64 ignores line breaks; identity encodings pass through; others are refused", () => {
  assert.equal(decodeTransfer(Buffer.from("aGVs\r\nbG8g\r\nd29y bGQ=\r\n"), "Base64").toString(), "hello world");
  const body = Buffer.from([0x00, 0xff, 0x0a]);
  for (const enc of ["7bit", "8BIT", "binary", ""]) assert.equal(decodeTransfer(body, enc), body);
  assert.throws(() => decodeTransfer(body, "x-gzip"), UnknownCteError);
});

test("decodeTransferChunks: the pieces, joined, are decodeTransfer's result for any cut", () => {
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));
  const b64 = Buffer.from(bytes.toString("base64").replace(/(.{76})/g, "$1\r\n"));
  const qpBody = Buffer.from("caf=C3=A9 soft=\r\nbreak\r\n".repeat(200) + "end=");
  for (const chunk of [1, 3, 4, 5, 64, 100_000]) {
    assert.deepEqual(Buffer.concat([...decodeTransferChunks(b64, "base64", chunk)]), bytes, `base64 in ${chunk}`);
    assert.deepEqual(Buffer.concat([...decodeTransferChunks(qpBody, "Quoted-Printable", chunk)]), decodeTransfer(qpBody, "quoted-printable"), `qp in ${chunk}`);
    assert.deepEqual(Buffer.concat([...decodeTransferChunks(bytes, "binary", chunk)]), bytes);
  }
  assert.throws(() => decodeTransferChunks(bytes, "x-uuencode"), UnknownCteError);
});
