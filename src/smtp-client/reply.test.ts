import { test } from "node:test";
import assert from "node:assert/strict";
import { ReplyParser, ReplySyntaxError, parseExtensions, replyText } from "./reply.ts";

test("single and multi-line replies, split across chunks, CRLF or bare LF", () => {
  const p = new ReplyParser();
  assert.deepEqual(p.feed(Buffer.from("250-mx.example\r\n250-PIPE")), []);
  assert.equal(p.partial, true);
  const [ehlo, ok, bare] = p.feed(Buffer.from("LINING\r\n250 SIZE 1000\r\n250 2.1.0 Ok\r\n354\n"));
  assert.deepEqual(ehlo, { code: 250, lines: ["mx.example", "PIPELINING", "SIZE 1000"] });
  assert.equal(replyText(ehlo), "250-mx.example\n250-PIPELINING\n250 SIZE 1000");
  assert.deepEqual(ok, { code: 250, lines: ["2.1.0 Ok"] });
  assert.deepEqual(bare, { code: 354, lines: [""] });
  assert.equal(replyText(bare), "354");
  assert.equal(p.partial, false);
});

test("malformed replies are protocol errors", () => {
  for (const bad of ["hello\r\n", "25 short\r\n", "650 bad class\r\n", "199 nope\r\n", "250x\r\n", "250-a\r\n251 b\r\n"]) {
    assert.throws(() => new ReplyParser().feed(Buffer.from(bad)), ReplySyntaxError, bad);
  }
});

test("an absurdly long line or reply is refused before it is buffered whole", () => {
  assert.throws(() => new ReplyParser().feed(Buffer.alloc(5000, 0x41)), /longer than 4096/);
  assert.throws(() => new ReplyParser().feed(Buffer.from(`250 ${"x".repeat(5000)}\r\n`)), /longer than 4096/);
  const many = "250-line\r\n".repeat(1001);
  assert.throws(() => new ReplyParser().feed(Buffer.from(many)), /longer than 1000 lines/);
});

test("EHLO keywords are upper-cased with their parameters", () => {
  const [ehlo] = new ReplyParser().feed(Buffer.from("250-mx\r\n250-size 2000\r\n250-STARTTLS\r\n250-AUTH=LOGIN\r\n250 8BITMIME\r\n"));
  const ext = parseExtensions(ehlo!);
  assert.deepEqual([...ext], [["SIZE", "2000"], ["STARTTLS", ""], ["AUTH", "LOGIN"], ["8BITMIME", ""]]);
});
