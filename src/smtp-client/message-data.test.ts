import { test } from "node:test";
import assert from "node:assert/strict";
import { dataChunks, has8bit, isWireReady, messageSize, stuffedChunks } from "./message-data.ts";

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

test("a message already in wire form is sent as it is (no copy); anything else takes the octet-by-octet path", () => {
  const clean = ["a\r\n", "Subject: x\r\n\r\nbody\r\nx.y\r\n", "\r\n", "a.\r\n\r\n"];
  const dirty = ["", "a", "a\n", "a\r", ".a\r\n", "a\r\n.b\r\n", "a\rb\r\n", "a\nb\r\n", "a\r\n\r", "a\r\r\n", "\n", "a\r\n."];
  for (const m of clean) assert.equal(isWireReady(Buffer.from(m, "latin1")), true, JSON.stringify(m));
  for (const m of dirty) assert.equal(isWireReady(Buffer.from(m, "latin1")), false, JSON.stringify(m));
  for (const m of [...clean, ...dirty]) {
    const buf = Buffer.from(m, "latin1");
    for (const size of [1, 2, 3, 64 * 1024]) {
      const fast = Buffer.concat([...dataChunks(buf, size)]).toString("latin1");
      const slow = Buffer.concat([...stuffedChunks(buf, size)]).toString("latin1");
      assert.equal(fast, slow, `${JSON.stringify(m)} in chunks of ${size}`);
    }
    assert.equal(messageSize(buf), Buffer.concat([...stuffedChunks(buf)]).length - 3 - slowDots(buf), JSON.stringify(m));
  }
  const big = Buffer.from("Subject: t\r\n\r\n" + "line\r\n".repeat(1000), "latin1");
  const [firstChunk] = dataChunks(big, 1024);
  assert.equal(firstChunk?.buffer, big.buffer, "a view of the message, not a copy");
});

/** Dots added by stuffing (lines starting with "." on the wire, minus the terminator). */
function slowDots(buf: Buffer): number {
  const wire = Buffer.concat([...stuffedChunks(buf)]).toString("latin1");
  return (wire.match(/(^|\r\n)\./g) ?? []).length - 1;
}
