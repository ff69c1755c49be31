import { test } from "node:test";
import assert from "node:assert/strict";
import { stuffMessage } from "./maildrop.ts";

const top = (raw: string, lines: number): string => stuffMessage(Buffer.from(raw), lines).toString();

test("TOP (RFC 1939 §7): the header, found by mime's scanner, then n body lines", () => {
  assert.equal(top("A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n", 1), "A: 1\r\nB: 2\r\n\r\nl1\r\n.\r\n");
  assert.equal(top("A: 1\r\n\r\nl1\r\n\r\nl3\r\n", 0), "A: 1\r\n\r\n.\r\n");
  assert.equal(top("A: 1\nB: 2\n\nl1\nl2\n", 1), "A: 1\nB: 2\n\nl1\n.\r\n", "bare LF line ends");
  assert.equal(top("\r\nbody\r\n\r\nmore\r\n", 0), "\r\n.\r\n", "an empty header: no body line is taken for it");
  assert.equal(top("A: 1\r\nB: 2\r\n", 0), "A: 1\r\nB: 2\r\n.\r\n", "no empty line: all of it is header");
});
