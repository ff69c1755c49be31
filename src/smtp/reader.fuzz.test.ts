/**
 * Fuzzing the SMTP input reader (issue 9): command lines and DATA bodies with dot-stuffing, cut
 * into arbitrary chunks. No exception escapes; chunking never changes the events; a body comes
 * out as it went in; the reader holds at most a line's limit; time is linear in the input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assertLinear, fuzz } from "../../test/support/fuzz.ts";
import { SmtpReader, type ReaderEvent } from "./reader.ts";

const MAX_LINE = 64;
const MAX_DATA = 512;

/** What a test keeps of an event: the body as one Buffer. */
type Seen = { kind: "line"; line: string } | { kind: "line-too-long" } | { kind: "data"; body: Buffer; size: number; oversize: boolean };

/**
 * Feeds `wire` in chunks of the given sizes (cycled), draining after each push as the session does,
 * and entering DATA after a "DATA" line (as the session does once the command is accepted).
 */
function feed(wire: Buffer, sizes: readonly number[], opts: { maxLine?: number; maxData?: number } = {}): Seen[] {
  const maxLine = opts.maxLine ?? MAX_LINE;
  const r = new SmtpReader({ maxLine });
  const out: Seen[] = [];
  let off = 0;
  for (let i = 0; off < wire.length; i++) {
    const size = sizes.length === 0 ? wire.length : Math.max(1, sizes[i % sizes.length] ?? 1);
    r.push(wire.subarray(off, off + size));
    off += size;
    for (let ev = r.next(); ev !== null; ev = r.next()) {
      out.push(seen(ev, opts.maxData ?? MAX_DATA));
      if (ev.kind === "line" && ev.line.toUpperCase() === "DATA") r.startData(opts.maxData ?? MAX_DATA);
    }
    // Memory: what the reader holds after draining is a partial line within the limit, or at
    // most ".\r" (a possible terminator) in DATA.
    assert.ok(r.buffered <= (r.inData ? 2 : maxLine), `the reader holds ${r.buffered} bytes`);
  }
  return out;
}

function seen(ev: ReaderEvent, maxData: number): Seen {
  if (ev.kind !== "data") return ev;
  const body = Buffer.concat(ev.parts);
  assert.ok(body.length <= maxData, "no more than the limit is kept");
  if (!ev.oversize) assert.equal(body.length, ev.size);
  return { kind: "data", body: ev.oversize ? Buffer.alloc(0) : body, size: ev.size, oversize: ev.oversize };
}

/** RFC 5321 §4.5.2: what a client sends for a body (which ends with CRLF): a dot doubled at each line start, then ".". */
function stuff(body: Buffer): Buffer {
  const text = body.toString("latin1");
  return Buffer.from((text.startsWith(".") ? "." : "") + text.replaceAll("\r\n.", "\r\n..") + ".\r\n", "latin1");
}

/** Bytes rich in what matters to the reader: ".", CR, LF. */
const bytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc
    .array(fc.oneof(fc.constantFrom(".", "\r", "\n", "\r\n", "\r\n.", "..", ".\r\n", "X", "DATA"), fc.string({ maxLength: 8 })), { maxLength })
    .map((parts) => Buffer.from(parts.join(""), "latin1"));

/** A body as a client has it: empty or ending with CRLF (RFC 5321 §4.1.1.4). */
const body = bytes(40).map((b) => (b.length === 0 || b.subarray(-2).toString("latin1") === "\r\n" ? b : Buffer.concat([b, Buffer.from("\r\n")])));

const chunks = fc.array(fc.integer({ min: 1, max: 16 }), { maxLength: 8 });

test("fuzz: a stuffed body comes out as it went in, however it is chunked", (t) => {
  fuzz(
    t,
    fc.property(fc.array(body, { minLength: 1, maxLength: 3 }), chunks, (bodies, sizes) => {
      const wire = Buffer.concat(bodies.flatMap((b) => [Buffer.from("MAIL FROM:<a@b>\r\nDATA\r\n"), stuff(b)]).concat(Buffer.from("QUIT\r\n")));
      const events = feed(wire, sizes, { maxData: 1 << 20 });
      const expected: Seen[] = bodies.flatMap((b): Seen[] => [
        { kind: "line", line: "MAIL FROM:<a@b>" },
        { kind: "line", line: "DATA" },
        { kind: "data", body: b, size: b.length, oversize: false },
      ]);
      expected.push({ kind: "line", line: "QUIT" });
      assert.deepEqual(events.map(comparable), expected.map(comparable));
    }),
    0.4,
  );
});

test("fuzz: any bytes, any chunking — no exception, the same events as in one piece, bounded memory", (t) => {
  fuzz(
    t,
    fc.property(bytes(200), chunks, (wire, sizes) => {
      assert.deepEqual(feed(wire, sizes).map(comparable), feed(wire, []).map(comparable));
    }),
    0.4,
  );
});

function comparable(s: Seen): unknown {
  return s.kind === "data" ? { ...s, body: s.body.toString("latin1") } : s;
}

test("time is linear in the input: header floods, stuffed lines, a trickled command line", (t) => {
  const data = (line: string) => (n: number): Buffer => Buffer.from(`DATA\r\n${line.repeat(n)}.\r\n`, "latin1");
  const inChunks = (size: number) => (wire: Buffer): void => {
    feed(wire, [size], { maxData: 1 << 30 });
  };
  // Issue 9, finding 1: 80,000 lines of "X" froze the server for 26 s.
  t.diagnostic(assertLinear(data("X\r\n"), inChunks(65536), { name: "X lines", n0: 4096, maxN: 1 << 20 }));
  t.diagnostic(assertLinear(data("..\r\n"), inChunks(100), { name: "stuffed lines, small chunks", n0: 4096, maxN: 1 << 20 }));
  // A long command line byte by byte: each byte once, not the line again for every byte.
  const trickle = (n: number): Buffer => Buffer.from(`NOOP ${"x".repeat(n)}\r\n`);
  t.diagnostic(assertLinear(trickle, (w) => feed(w, [1], { maxLine: 1 << 22 }), { name: "trickled line", n0: 1024, maxN: 1 << 20 }));
});
