import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { bodyHash, RelaxedBody } from "./relaxed-body.ts";

/** The relaxed body as a latin1 string, `raw` fed in slices of `slice` bytes. */
function relaxed(raw: Buffer, start = 0, slice = raw.length): string {
  const chunks: Buffer[] = [];
  const body = new RelaxedBody((c) => chunks.push(Buffer.from(c)));
  for (let at = start; at < raw.length; at += slice) body.feed(raw, at, Math.min(raw.length, at + slice));
  body.end();
  return Buffer.concat(chunks).toString("latin1");
}

/** The relaxed body as a latin1 string, `raw` fed as separate buffers (copies) of `size` bytes: a message's parts. */
function relaxedParts(raw: Buffer, size: number): string {
  const chunks: Buffer[] = [];
  const body = new RelaxedBody((c) => chunks.push(Buffer.from(c)));
  for (let at = 0; at < raw.length; at += size) {
    const part = Buffer.from(raw.subarray(at, at + size));
    body.feed(part, 0, part.length);
  }
  body.end();
  return Buffer.concat(chunks).toString("latin1");
}

test("RFC 6376 §3.4.5's example, relaxed: the body", () => {
  assert.equal(relaxed(Buffer.from("H: v\r\n\r\n C \r\nD \t E\r\n\r\n\r\n"), 8), " C\r\nD E\r\n");
});

test("relaxed body: empty stays empty, a missing last CRLF is added, bare LF is a line end, whitespace-only lines at the end go", () => {
  const body = (s: string): string => relaxed(Buffer.from(s, "latin1"));
  assert.equal(body(""), "");
  assert.equal(body("\r\n\r\n"), "");
  assert.equal(body("x"), "x\r\n");
  assert.equal(body("a\nb  \n"), "a\r\nb\r\n");
  assert.equal(body("a\r\n \t\r\n\t\r\n"), "a\r\n");
  assert.equal(body("caf\xe9\r\n"), "caf\xe9\r\n", "bytes stay as they are");
  assert.equal(body("a\rb \r\n"), "a\rb\r\n", "a lone CR is a byte like others");
  assert.equal(body(`${"x ".repeat(70_000)}\r\n`), `${"x ".repeat(69_999)}x\r\n`, "across the chunks");
});

/** RFC 6376 §3.4.4 word for word, by regular expressions: the reference the one-pass code is held to. */
function reference(s: string): string {
  const lines = s.replace(/(?<!\r)\n/g, "\r\n").split("\r\n").map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`;
}

test("relaxed body fed in slices or in separate buffers: a CRLF split between two is one line end, a CR that ends a buffer before another byte is a byte", () => {
  assert.equal(relaxed(Buffer.from("ab\r\ncd"), 0, 3), "ab\r\ncd\r\n");
  assert.equal(relaxed(Buffer.from("ab \r\ncd"), 0, 3), "ab\r\ncd\r\n");
  assert.equal(relaxedParts(Buffer.from("ab\r\ncd"), 3), "ab\r\ncd\r\n");
  assert.equal(relaxedParts(Buffer.from("ab \r\ncd"), 4), "ab\r\ncd\r\n");
  assert.equal(relaxedParts(Buffer.from("ab\rcd"), 3), "ab\rcd\r\n");
  assert.equal(relaxedParts(Buffer.from("ab\r\r\ncd"), 3), "ab\r\r\ncd\r\n");
  assert.equal(relaxedParts(Buffer.from("ab \r"), 4), "ab \r\r\n", "a CR that ends the body is a byte");
});

test("relaxed body: 5,000 random bodies of blanks, line ends, lone CRs, letters and long words come out as the RFC's rules say, fed whole, in slices and in separate buffers", () => {
  // A long word too: runs past 512 bytes go on uncopied, and must keep their place among the rest.
  const alphabet = [" ", "\t", "\r", "\n", "\r\n", "a", "b", "\xe9", "w".repeat(700)];
  // xorshift32: deterministic, and its low bits are as random as its high ones.
  let seed = 2463534242;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  for (let k = 0; k < 5000; k++) {
    let s = "";
    for (let len = next() % 40; len > 0; len--) s += alphabet[next() % alphabet.length];
    const raw = Buffer.from(s, "latin1");
    assert.equal(relaxed(raw), reference(s), JSON.stringify(s));
    const slice = 1 + (next() % 6);
    assert.equal(relaxed(raw, 0, slice), reference(s), `${JSON.stringify(s)} fed in slices of ${slice}`);
    assert.equal(relaxedParts(raw, slice), reference(s), `${JSON.stringify(s)} fed in buffers of ${slice}`);
  }
});

test("hostile bodies (a megabyte of blanks, of empty lines, of blanks before every line end) are canonicalized in one pass", () => {
  const mb = 1 << 20;
  assert.equal(relaxed(Buffer.from(`${" ".repeat(mb)}x`)), " x\r\n");
  assert.equal(relaxed(Buffer.from(`x${"\r\n".repeat(mb)}`)), "x\r\n");
  assert.equal(relaxed(Buffer.from(`${"\r\n".repeat(mb)}x`)), `${"\r\n".repeat(mb)}x\r\n`);
  assert.equal(relaxed(Buffer.from(" \t\r\n".repeat(mb))), "");
});

test("bodyHash: a body in parts hashes as the whole, from any start inside them", async () => {
  const whole = Buffer.from("Subject: x\r\n\r\nab \r\n\r\ncd\t\r\n\r\n");
  const expected = createHash("sha256").update("ab\r\n\r\ncd\r\n").digest("base64");
  for (let cut = 1; cut < whole.length; cut++) {
    assert.equal(await bodyHash([whole.subarray(0, cut), whole.subarray(cut)], 14), expected, `cut at ${cut}`);
  }
});
