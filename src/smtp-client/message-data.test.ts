import { test } from "node:test";
import assert from "node:assert/strict";
import { dataChunks, has8bit, messageSize } from "./message-data.ts";

function wire(message: string, chunkSize?: number): string {
  return Buffer.concat([...dataChunks(Buffer.from(message, "latin1"), chunkSize)]).toString("latin1");
}

test("dot-stuffing: a line '.' and a line '..' survive, the terminator is added", () => {
  assert.equal(wire("a\r\n.\r\n..\r\nb\r\n"), "a\r\n..\r\n...\r\nb\r\n.\r\n");
  assert.equal(wire(".first\r\nx.y\r\n"), "..first\r\nx.y\r\n.\r\n");
});

test("bare LF and bare CR become CRLF; a missing final line end is added", () => {
  assert.equal(wire("a\nb\rc\r\n.d"), "a\r\nb\r\nc\r\n..d\r\n.\r\n");
  assert.equal(wire("x\r"), "x\r\n.\r\n");
  assert.equal(wire(""), ".\r\n");
  assert.equal(wire("\n.\n"), "\r\n..\r\n.\r\n");
});

test("chunk boundaries (CR at the end of a chunk, dot after it) change nothing", () => {
  const msg = "ab\r\n.c\rd\n.\r\n..\n" + "z".repeat(37) + "\r";
  const whole = wire(msg);
  for (const size of [1, 2, 3, 4, 5, 7, 16]) assert.equal(wire(msg, size), whole, `chunk size ${size}`);
});

test("SIZE counts CRLF line ends but not dot-stuffing or the terminator", () => {
  for (const msg of ["a\r\n.\r\n", "a\nb\rc", "", "x\r", ".\n..\n"]) {
    const onWire = wire(msg);
    const stuffedDots = (onWire.match(/(^|\r\n)\./g) ?? []).length - 1; // minus the terminator's dot
    assert.equal(messageSize(Buffer.from(msg, "latin1")), onWire.length - 3 - stuffedDots, JSON.stringify(msg));
  }
});

test("8-bit detection", () => {
  assert.equal(has8bit(Buffer.from("plain ascii\r\n")), false);
  assert.equal(has8bit(Buffer.from("Grüße\r\n")), true);
});
