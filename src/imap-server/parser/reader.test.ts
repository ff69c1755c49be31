import { test } from "node:test";
import assert from "node:assert/strict";
import { ImapReader, type ReaderEvent, type CommandInput } from "./reader.ts";

function drain(r: ImapReader): ReaderEvent[] {
  const out: ReaderEvent[] = [];
  for (let ev = r.next(); ev !== null; ev = r.next()) out.push(ev);
  return out;
}

/** Feeds one byte at a time, draining after each, like the slowest possible network. */
function feedBytes(r: ImapReader, text: string | Buffer): ReaderEvent[] {
  const buf = typeof text === "string" ? Buffer.from(text) : text;
  const out: ReaderEvent[] = [];
  for (let i = 0; i < buf.length; i++) {
    r.push(buf.subarray(i, i + 1));
    out.push(...drain(r));
  }
  return out;
}

function command(ev: ReaderEvent | undefined): CommandInput {
  assert.ok(ev?.kind === "command", `expected a command, got ${JSON.stringify(ev)}`);
  return ev.input;
}

function texts(input: CommandInput): string[] {
  return input.segments.map((s) => s.toString());
}

test("plain command lines, CRLF or bare LF, several in one chunk", () => {
  const r = new ImapReader();
  r.push(Buffer.from("a1 NOOP\r\na2 CAPABILITY\na3 LOG"));
  const evs = drain(r);
  assert.equal(evs.length, 2);
  assert.deepEqual(texts(command(evs[0])), ["a1 NOOP"]);
  assert.equal(command(evs[0]).tag, "a1");
  assert.equal(command(evs[0]).size, 9);
  assert.deepEqual(texts(command(evs[1])), ["a2 CAPABILITY"]);
  r.push(Buffer.from("OUT\r\n"));
  assert.deepEqual(texts(command(drain(r)[0])), ["a3 LOGOUT"]);
});

test("synchronizing literal fed byte by byte: continue once, then the command", () => {
  const r = new ImapReader();
  const evs = [
    ...feedBytes(r, "A1 LOGIN {5}\r\n"),
  ];
  assert.deepEqual(evs, [{ kind: "continue", tag: "A1", size: 5 }]);
  const rest = feedBytes(r, "alice {6}\r\n");
  assert.deepEqual(rest, [{ kind: "continue", tag: "A1", size: 6 }]);
  const done = feedBytes(r, "s3cr3t\r\n");
  assert.equal(done.length, 1);
  const input = command(done[0]);
  assert.deepEqual(texts(input), ["A1 LOGIN ", " ", ""]);
  assert.deepEqual(input.literals.map((l) => [l.data.toString(), l.synchronizing, l.binary]), [
    ["alice", true, false],
    ["s3cr3t", true, false],
  ]);
  assert.equal(input.size, Buffer.byteLength("A1 LOGIN {5}\r\nalice {6}\r\ns3cr3t\r\n"));
});

test("non-synchronizing literal (LITERAL+) fed byte by byte: no continuation", () => {
  const r = new ImapReader();
  const evs = feedBytes(r, "A2 APPEND INBOX (\\Seen) {11+}\r\nhello world\r\nA3 NOOP\r\n");
  assert.equal(evs.length, 2);
  const input = command(evs[0]);
  assert.deepEqual(texts(input), ["A2 APPEND INBOX (\\Seen) ", ""]);
  assert.equal(input.literals[0]?.data.toString(), "hello world");
  assert.equal(input.literals[0]?.synchronizing, false);
  assert.deepEqual(texts(command(evs[1])), ["A3 NOOP"]);
});

test("a literal containing CRLF, ')' and a fake literal announcement is data, not framing", () => {
  const r = new ImapReader();
  const body = "Subject: x)\r\n\r\nA9 DELETE INBOX {3}\r\n)";
  r.push(Buffer.from(`A4 APPEND INBOX {${Buffer.byteLength(body)}+}\r\n${body}\r\nA5 NOOP\r\n`));
  const evs = drain(r);
  assert.equal(evs.length, 2);
  assert.equal(command(evs[0]).literals[0]?.data.toString(), body);
  assert.deepEqual(texts(command(evs[1])), ["A5 NOOP"]);
});

test("literal8 (~{N}) may carry NUL bytes and is marked binary", () => {
  const r = new ImapReader();
  r.push(Buffer.concat([Buffer.from("A6 APPEND INBOX ~{3+}\r\n"), Buffer.from([0, 1, 0]), Buffer.from("\r\n")]));
  const input = command(drain(r)[0]);
  assert.deepEqual(texts(input), ["A6 APPEND INBOX ", ""]);
  assert.equal(input.literals[0]?.binary, true);
  assert.deepEqual([...(input.literals[0]?.data ?? [])], [0, 1, 0]);
});

test("a 2 GB synchronizing literal is refused at once, nothing buffered, next command framed", () => {
  const r = new ImapReader({ maxLiteral: 50 * 1024 * 1024 });
  r.push(Buffer.from("A7 APPEND INBOX {2147483648}\r\nA8 NOOP\r\n"));
  const evs = drain(r);
  assert.deepEqual(evs[0], { kind: "literal-too-large", tag: "A7", size: 2147483648, synchronizing: true, close: false });
  assert.deepEqual(texts(command(evs[1])), ["A8 NOOP"]);
  assert.equal(r.held, 0);
});

test("a 2 GB non-synchronizing literal asks to close; later input is ignored", () => {
  const r = new ImapReader();
  r.push(Buffer.from("A9 APPEND INBOX {2147483648+}\r\nxxxxxxxx"));
  const evs = drain(r);
  assert.deepEqual(evs, [{ kind: "literal-too-large", tag: "A9", size: 2147483648, synchronizing: false, close: true }]);
  assert.equal(r.closed, true);
  r.push(Buffer.alloc(100_000, 0x41));
  assert.equal(drain(r).length, 0);
  assert.equal(r.held, 0);
});

test("a non-synchronizing literal within maxLiteral but over maxCommand is skipped unread", () => {
  const r = new ImapReader({ maxLiteral: 100, maxCommand: 120, maxLine: 1000 });
  const evs = feedBytes(r, `B1 APPEND INBOX {60+}\r\n${"x".repeat(60)} {60+}\r\n${"y".repeat(60)}\r\nB2 NOOP\r\n`);
  assert.deepEqual(evs[0], { kind: "literal-too-large", tag: "B1", size: 60, synchronizing: false, close: false });
  assert.equal(evs.length, 2);
  assert.deepEqual(texts(command(evs[1])), ["B2 NOOP"]);
});

test("a 1 MB line without CRLF is reported once and not kept; the next line is framed", () => {
  const r = new ImapReader({ maxLine: 64 * 1024 });
  r.push(Buffer.from("C1 SEARCH TEXT "));
  const evs: ReaderEvent[] = [];
  let maxHeld = 0;
  for (let i = 0; i < 256; i++) {
    r.push(Buffer.alloc(4096, 0x61));
    evs.push(...drain(r));
    maxHeld = Math.max(maxHeld, r.held);
  }
  assert.deepEqual(evs, [{ kind: "too-long", tag: "C1" }]);
  assert.ok(maxHeld <= 64 * 1024 + 4096, `held ${maxHeld}`);
  assert.ok(r.held < 100, `after the limit the reader keeps only a tail, held ${r.held}`);
  assert.equal(r.buffered, 0);
  r.push(Buffer.from("aaa\r\nC2 NOOP\r\n"));
  assert.deepEqual(texts(command(drain(r)[0])), ["C2 NOOP"]);
});

test("an over-long line's tag is the same however the bytes arrive (only the first maxLine bytes tell it)", () => {
  const wire = `${"t".repeat(40)} NOOP ${"a".repeat(40)}\r\n`;
  const whole = new ImapReader({ maxLine: 32 });
  whole.push(Buffer.from(wire));
  assert.deepEqual(drain(whole), [{ kind: "too-long", tag: null }], "no SP within the first 32 bytes: no tag");
  assert.deepEqual(feedBytes(new ImapReader({ maxLine: 32 }), wire), [{ kind: "too-long", tag: null }]);
  const short = `T1 NOOP ${"a".repeat(40)}\r\n`;
  const r = new ImapReader({ maxLine: 32 });
  r.push(Buffer.from(short));
  assert.deepEqual(drain(r), [{ kind: "too-long", tag: "T1" }]);
  assert.deepEqual(feedBytes(new ImapReader({ maxLine: 32 }), short), [{ kind: "too-long", tag: "T1" }]);
});

test("an over-long line ending in a non-synchronizing literal skips the literal data", () => {
  const r = new ImapReader({ maxLine: 50 });
  r.push(Buffer.from(`D1 APPEND ${"a".repeat(100)} {12+}\r\nD9 LOGOUT\r\n\r\nD2 NOOP\r\n`));
  const evs = drain(r);
  assert.deepEqual(evs[0], { kind: "too-long", tag: "D1" });
  assert.equal(evs.length, 2, "the literal's bytes were not taken for a LOGOUT command");
  assert.deepEqual(texts(command(evs[1])), ["D2 NOOP"]);
});

test("an over-long line ending in a synchronizing literal ends the command (no continuation sent)", () => {
  const r = new ImapReader({ maxLine: 50 });
  r.push(Buffer.from(`D3 LOGIN ${"a".repeat(100)} {5}\r\nD4 NOOP\r\n`));
  const evs = drain(r);
  assert.deepEqual(evs[0], { kind: "too-long", tag: "D3" });
  assert.equal(evs.length, 2);
  assert.deepEqual(texts(command(evs[1])), ["D4 NOOP"]);
});

test("refuseLiteral() drops a command instead of sending the continuation", () => {
  const r = new ImapReader();
  r.push(Buffer.from("E1 APPEND Nope {10}\r\n"));
  assert.deepEqual(drain(r), [{ kind: "continue", tag: "E1", size: 10 }]);
  r.refuseLiteral();
  r.push(Buffer.from("E2 NOOP\r\n"));
  assert.deepEqual(texts(command(drain(r)[0])), ["E2 NOOP"]);
  assert.throws(() => r.refuseLiteral());
});

test("line mode (IDLE): raw lines, literal syntax not interpreted", () => {
  // Framing is lazy, so a mode switch after a command applies to the bytes behind it.
  const r2 = new ImapReader();
  r2.push(Buffer.from("F1 IDLE\r\nDONE {5}\r\nF2 NOOP\r\n"));
  assert.deepEqual(texts(command(r2.next() ?? undefined)), ["F1 IDLE"]);
  r2.mode = "line";
  assert.deepEqual(r2.next(), { kind: "line", line: "DONE {5}" });
  r2.mode = "command";
  assert.deepEqual(texts(command(r2.next() ?? undefined)), ["F2 NOOP"]);
});

test("discard() forgets buffered plaintext (STARTTLS command injection)", () => {
  const r = new ImapReader();
  r.push(Buffer.from("G1 STARTTLS\r\nG2 LOGIN evil pass\r\n"));
  assert.deepEqual(texts(command(r.next() ?? undefined)), ["G1 STARTTLS"]);
  assert.ok(r.buffered > 0);
  r.discard();
  assert.equal(r.buffered, 0);
  assert.equal(r.next(), null);
  r.push(Buffer.from("G3 NOOP\r\n"));
  assert.deepEqual(texts(command(r.next() ?? undefined)), ["G3 NOOP"]);
});

test("a literal is only grown as bytes arrive (no allocation from the announcement)", () => {
  const r = new ImapReader({ maxLiteral: 10 * 1024 * 1024 });
  r.push(Buffer.from("H1 APPEND INBOX {10000000}\r\n"));
  assert.deepEqual(drain(r), [{ kind: "continue", tag: "H1", size: 10_000_000 }]);
  r.push(Buffer.alloc(1000, 0x62));
  assert.equal(drain(r).length, 0);
  assert.ok(r.held < 2000, `held ${r.held}`);
});

test("an empty line and an untagged garbage line still frame as commands (the parser answers BAD)", () => {
  const r = new ImapReader();
  r.push(Buffer.from("\r\n(((\r\n"));
  const evs = drain(r);
  assert.equal(command(evs[0]).tag, null);
  assert.equal(command(evs[1]).tag, null);
});
