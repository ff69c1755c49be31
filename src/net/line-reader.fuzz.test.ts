/**
 * Fuzzing the line reader as POP3 uses it (RFC 1939 commands, RFC 2449 §4 line lengths; POP3's
 * limit is 8192): any bytes, cut into any chunks, give the lines a reference splitter gives —
 * lines end at LF, a CR before it is dropped, a line past the limit is reported once and
 * dropped. The reader never holds more than the limit; time is linear in the input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assertLinear, fuzz } from "../../test/support/fuzz.ts";
import { LineReader, type LineEvent } from "./line-reader.ts";

const POP3_MAX_LINE = 8192;

function feed(wire: Buffer, sizes: readonly number[], maxLine: number): LineEvent[] {
  const r = new LineReader({ maxLine });
  const out: LineEvent[] = [];
  let off = 0;
  for (let i = 0; off < wire.length; i++) {
    const size = Math.max(1, sizes[i % Math.max(1, sizes.length)] ?? wire.length);
    r.push(wire.subarray(off, off + size));
    off += size;
    for (let ev = r.nextLine(); ev !== null; ev = r.nextLine()) out.push(ev);
    assert.ok(r.buffered <= maxLine, `the reader holds ${r.buffered} bytes (limit ${maxLine})`);
  }
  return out;
}

/** The reference: every complete line of `wire`, as the reader must report it. */
function reference(wire: Buffer, maxLine: number): LineEvent[] {
  const out: LineEvent[] = [];
  let start = 0;
  for (let nl = wire.indexOf(0x0a); nl >= 0; nl = wire.indexOf(0x0a, start)) {
    if (nl - start > maxLine) out.push({ kind: "line-too-long" });
    else out.push({ kind: "line", line: wire.toString("utf8", start, nl > start && wire[nl - 1] === 0x0d ? nl - 1 : nl) });
    start = nl + 1;
  }
  return out;
}

const wire = fc
  .array(fc.oneof(fc.constantFrom("\r\n", "\n", "\r", "USER a", "PASS b", "\xff\xfe", "x".repeat(30)), fc.string({ maxLength: 12 })), { maxLength: 60 })
  .map((parts) => Buffer.from(parts.join(""), "latin1"));
const chunks = fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 8 });

test("fuzz: any bytes in any chunks give the reference's lines; memory stays within the limit", (t) => {
  fuzz(
    t,
    fc.property(wire, chunks, fc.constantFrom(16, 64, POP3_MAX_LINE), (w, sizes, maxLine) => {
      assert.deepEqual(feed(w, sizes, maxLine), reference(w, maxLine));
    }),
    0.8,
  );
});

test("time is linear in the input: a line trickled byte by byte, many short lines, an over-long line", (t) => {
  const line = (n: number): Buffer => Buffer.from(`USER ${"x".repeat(n)}\r\n`);
  t.diagnostic(assertLinear(line, (w) => feed(w, [1], 1 << 22), { name: "trickled line", n0: 1024, maxN: 1 << 20 }));
  const many = (n: number): Buffer => Buffer.from("NOOP\r\n".repeat(n));
  t.diagnostic(assertLinear(many, (w) => feed(w, [1500], POP3_MAX_LINE), { name: "short lines", n0: 1024, maxN: 1 << 20 }));
  t.diagnostic(assertLinear(line, (w) => feed(w, [3], POP3_MAX_LINE), { name: "over-long line", n0: 1024, maxN: 1 << 20 }));
});
