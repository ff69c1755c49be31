import assert from "node:assert/strict";
import { test } from "node:test";
import { paramText, type MimeParam } from "./index.ts";

const p = (...pairs: Array<[string, string]>): MimeParam[] => pairs.map(([name, value]) => ({ name, value }));

test("paramText: RFC 2231 extended values and continuations, RFC 2047 words, plain values", () => {
  assert.equal(paramText(p(["filename*", "utf-8''Pr%C3%BCfbericht%20M%C3%A4rz.pdf"]), "filename"), "Prüfbericht März.pdf");
  assert.equal(paramText(p(["FILENAME*", "iso-8859-1'de'%E4%F6%FC.txt"]), "filename"), "äöü.txt");
  assert.equal(paramText(p(["filename*1", "teil.pdf"], ["filename*0*", "utf-8''Gr%C3%BC%C3%9Fe-"]), "filename"), "Grüße-teil.pdf");
  assert.equal(paramText(p(["filename*0", "a"], ["filename*2", "c"]), "filename"), "a", "stops at the first missing number");
  assert.equal(paramText(p(["filename", "=?utf-8?b?w6TDtsO8LnBkZg==?="]), "filename"), "äöü.pdf");
  assert.equal(paramText(p(["filename", "plain.txt"], ["filename*", "utf-8''ext.txt"]), "filename"), "ext.txt", "the extended value wins (RFC 2231 §4)");
  assert.equal(paramText(p(["filename*", "x-unknown''%E4"]), "filename"), "\xe4", "an unknown charset reads as Latin-1");
  assert.equal(paramText(p(["filename*", "utf-8''100%"]), "filename"), "100%", "a malformed escape stays");
  assert.equal(paramText(p(["name", "x"]), "filename"), undefined);
});
