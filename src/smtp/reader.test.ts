import { test } from "node:test";
import assert from "node:assert/strict";
import { SmtpReader, type ReaderEvent } from "./reader.ts";

function drain(r: SmtpReader): ReaderEvent[] {
  const out: ReaderEvent[] = [];
  for (let ev = r.next(); ev !== null; ev = r.next()) out.push(ev);
  return out;
}

test("command lines split on CRLF and on bare LF, CR stripped", () => {
  const r = new SmtpReader({ maxLine: 100 });
  r.push(Buffer.from("EHLO a\r\nNOOP\nQUI"));
  assert.deepEqual(drain(r), [
    { kind: "line", line: "EHLO a" },
    { kind: "line", line: "NOOP" },
  ]);
  r.push(Buffer.from("T\r\n"));
  assert.deepEqual(drain(r), [{ kind: "line", line: "QUIT" }]);
});

test("an over-long line is dropped as it arrives and reported once", () => {
  const r = new SmtpReader({ maxLine: 10 });
  r.push(Buffer.alloc(50, 0x41));
  assert.deepEqual(drain(r), []);
  assert.ok(r.buffered === 0, "the reader keeps nothing of the long line");
  r.push(Buffer.alloc(50, 0x41));
  r.push(Buffer.from("\r\nNOOP\r\n"));
  assert.deepEqual(drain(r), [{ kind: "line-too-long" }, { kind: "line", line: "NOOP" }]);
});

test("DATA: dot-unstuffing, terminator split across chunks", () => {
  const r = new SmtpReader({ maxLine: 100 });
  r.startData(1000);
  r.push(Buffer.from("Subject: x\r\n\r\n..leading dot\r\nbody\r"));
  assert.deepEqual(drain(r), []);
  r.push(Buffer.from("\n."));
  assert.deepEqual(drain(r), []);
  r.push(Buffer.from("\r"));
  assert.deepEqual(drain(r), []);
  r.push(Buffer.from("\nQUIT\r\n"));
  const evs = drain(r);
  assert.equal(evs.length, 2);
  const data = evs[0];
  assert.ok(data?.kind === "data");
  assert.equal(Buffer.concat(data.parts).toString(), "Subject: x\r\n\r\n.leading dot\r\nbody\r\n");
  assert.equal(data.size, Buffer.concat(data.parts).length);
  assert.deepEqual(evs[1], { kind: "line", line: "QUIT" });
});

test("DATA: a bare LF never ends the message (no SMTP smuggling)", () => {
  const r = new SmtpReader({ maxLine: 100 });
  r.startData(1000);
  r.push(Buffer.from("a\n.\nMAIL FROM:<x@y>\r\n.\r\n"));
  const evs = drain(r);
  assert.equal(evs.length, 1);
  const data = evs[0];
  assert.ok(data?.kind === "data");
  assert.equal(Buffer.concat(data.parts).toString(), "a\n.\nMAIL FROM:<x@y>\r\n");
});

test("DATA: an empty body and a byte-at-a-time feed", () => {
  const r = new SmtpReader({ maxLine: 100 });
  r.startData(1000);
  r.push(Buffer.from(".\r\n"));
  const evs = drain(r);
  assert.ok(evs[0]?.kind === "data" && evs[0].size === 0);
  r.startData(1000);
  const text = "x\r\n..y\r\n.\r\n";
  const got: ReaderEvent[] = [];
  for (const ch of text) {
    r.push(Buffer.from(ch));
    got.push(...drain(r));
  }
  assert.equal(got.length, 1);
  assert.ok(got[0]?.kind === "data");
  assert.equal(Buffer.concat(got[0].parts).toString(), "x\r\n.y\r\n");
});

test("DATA past the size limit is counted, not kept", () => {
  const r = new SmtpReader({ maxLine: 100 });
  r.startData(10);
  r.push(Buffer.from("0123456789\r\n0123456789\r\n.\r\n"));
  const ev = drain(r)[0];
  assert.ok(ev?.kind === "data");
  assert.equal(ev.oversize, true);
  assert.equal(ev.size, 24);
  assert.ok(Buffer.concat(ev.parts).length <= 10);
});

test("discard drops pipelined input (STARTTLS)", () => {
  const r = new SmtpReader({ maxLine: 100 });
  r.push(Buffer.from("STARTTLS\r\nNOOP\r\n"));
  assert.deepEqual(r.next(), { kind: "line", line: "STARTTLS" });
  r.discard();
  assert.equal(r.next(), null);
  assert.equal(r.buffered, 0);
});
