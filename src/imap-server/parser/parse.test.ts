import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgParser } from "./parse.ts";
import { parseCommand } from "./command.ts";
import { ImapParseError } from "./errors.ts";
import { ImapReader, type CommandInput } from "./reader.ts";

function frame(wire: string | Buffer): CommandInput {
  const r = new ImapReader();
  r.push(typeof wire === "string" ? Buffer.from(wire) : wire);
  for (let ev = r.next(); ev !== null; ev = r.next()) if (ev.kind === "command") return ev.input;
  throw new Error("no command framed");
}

function parseError(fn: () => unknown): ImapParseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ImapParseError, `expected ImapParseError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an ImapParseError");
}

test("tag, command name upper-cased, UID prefix", () => {
  const c = parseCommand("a001 uid fetch 1:* FLAGS");
  assert.equal(c.tag, "a001");
  assert.equal(c.name, "FETCH");
  assert.equal(c.uid, true);
  assert.equal(c.args.peekAtom(), "");
  c.args.sp();
  assert.deepEqual(c.args.sequenceSet(), { type: "set", ranges: [{ from: 1, to: "*" }] });
});

test("command-level errors keep the tag when it was readable", () => {
  assert.equal(parseError(() => parseCommand("")).tag, null);
  assert.equal(parseError(() => parseCommand("+A1 NOOP")).tag, null);
  const e = parseError(() => parseCommand("A1"));
  assert.equal(e.tag, "A1");
  assert.equal(e.message, "Missing command");
  assert.equal(e.status, "BAD");
});

test("LOGIN with literals framed by the reader", () => {
  const c = parseCommand(frame('A1 LOGIN {5+}\r\nalice "pa\\"ss\\\\"\r\n'));
  c.args.sp();
  assert.equal(c.args.astring(), "alice");
  c.args.sp();
  assert.equal(c.args.astring(), 'pa"ss\\');
  c.args.end();
});

test("quoted strings: escapes of \" and \\ only", () => {
  assert.equal(new ArgParser('"a\\"b\\\\c"').quoted().toString(), 'a"b\\c');
  assert.equal(new ArgParser('""').quoted().toString(), "");
  assert.match(parseError(() => new ArgParser('"a\\nb"').quoted()).message, /escape/);
  assert.match(parseError(() => new ArgParser('"abc').quoted()).message, /Unterminated/);
});

test("quoted strings: CR, LF, NUL refused; 8-bit refused in RFC 3501 mode, valid UTF-8 accepted in UTF-8 mode", () => {
  assert.match(parseError(() => new ArgParser(Buffer.from('"a\rb"')).quoted()).message, /Invalid character/);
  assert.match(parseError(() => new ArgParser(Buffer.from('"a\x00b"')).quoted()).message, /Invalid character/);
  assert.match(parseError(() => new ArgParser('"Entwürfe"').quoted()).message, /8-bit/);
  assert.equal(new ArgParser('"Entwürfe"', { utf8: true }).astring(), "Entwürfe");
  const invalid = Buffer.concat([Buffer.from('"'), Buffer.from([0xc3, 0x28]), Buffer.from('"')]);
  assert.match(parseError(() => new ArgParser(invalid, { utf8: true }).quoted()).message, /UTF-8/);
});

test("a literal where it is not allowed, and NUL or literal8 outside APPEND", () => {
  const input = frame("A1 SELECT {5+}\r\nINBOX\r\n");
  const c = parseCommand(input);
  c.args.sp();
  assert.match(parseError(() => c.args.atom()).message, /Literal not allowed/);
  assert.equal(c.args.mailbox(), "INBOX");
  const nul = parseCommand(frame(Buffer.concat([Buffer.from("A2 LOGIN {3+}\r\n"), Buffer.from([0x61, 0, 0x62]), Buffer.from(" x\r\n")])));
  nul.args.sp();
  assert.match(parseError(() => nul.args.astring()).message, /NUL/);
  const bin = parseCommand(frame("A3 APPEND INBOX ~{2+}\r\nhi\r\n"));
  bin.args.sp();
  bin.args.mailbox();
  bin.args.sp();
  assert.match(parseError(() => bin.args.string()).message, /literal8/);
  assert.equal(bin.args.literal({ binary: true }).data.toString(), "hi");
  bin.args.end();
});

test("mailbox: INBOX in any case; other names as sent", () => {
  assert.equal(new ArgParser("inBox").mailbox(), "INBOX");
  assert.equal(new ArgParser('"Sent Items"').mailbox(), "Sent Items");
  assert.equal(new ArgParser("Entw&APw-rfe").mailbox(), "Entw&APw-rfe");
  assert.equal(new ArgParser("%/*").listMailbox(), "%/*");
});

test("100,000 nested '(' fail fast with a depth error, no stack overflow", () => {
  const p = new ArgParser(`${"(".repeat(100_000)}x${")".repeat(100_000)}`);
  assert.match(parseError(() => p.value()).message, /nested too deeply/);
  const open = new ArgParser("(".repeat(100_000));
  assert.match(parseError(() => open.value()).message, /nested too deeply/);
});

test("generic values: nested lists, NIL, numbers, strings", () => {
  const p = new ArgParser('("name" "x" "version" NIL (1 (2 ())) a.b)');
  assert.deepEqual(p.value(), {
    type: "list",
    items: [
      { type: "string", value: Buffer.from("name"), literal: false },
      { type: "string", value: Buffer.from("x"), literal: false },
      { type: "string", value: Buffer.from("version"), literal: false },
      { type: "nil" },
      { type: "list", items: [{ type: "number", value: 1 }, { type: "list", items: [{ type: "number", value: 2 }, { type: "list", items: [] }] }] },
      { type: "atom", value: "a.b" },
    ],
  });
  p.end();
});

test("unbalanced parentheses", () => {
  assert.match(parseError(() => new ArgParser("(a (b)").value()).message, /Missing "\)"/);
  const extra = new ArgParser("(a))");
  extra.value();
  assert.match(parseError(() => extra.end()).message, /Unbalanced/);
  assert.match(parseError(() => new ArgParser("(\\Seen").flagList()).message, /Missing "\)"/);
  assert.match(parseError(() => new ArgParser(")").value()).message, /Unexpected "\)"/);
});

test("flags: system flags canonical, keywords as sent, \\Recent ignored, unknown system flags refused", () => {
  assert.deepEqual(new ArgParser("(\\seen \\DELETED $Forwarded Junk)").flagList(), ["\\Seen", "\\Deleted", "$Forwarded", "Junk"]);
  assert.deepEqual(new ArgParser("()").flagList(), []);
  assert.deepEqual(new ArgParser("\\Seen \\Flagged").storeFlags(), ["\\Seen", "\\Flagged"]);
  // RFC 3501 §2.3.2: clients cannot change \\Recent; it is read and left out.
  assert.deepEqual(new ArgParser("(\\Recent \\Seen)").flagList(), ["\\Seen"]);
  assert.deepEqual(new ArgParser("\\recent").storeFlags(), []);
  assert.match(parseError(() => new ArgParser("(\\Foo)").flagList()).message, /system flag/);
});

test("numbers: uint32 bounds, nz-number", () => {
  assert.equal(new ArgParser("4294967295").number(), 4294967295);
  assert.match(parseError(() => new ArgParser("4294967296").number()).message, /range/);
  assert.match(parseError(() => new ArgParser("0").nzNumber()).message, /zero/);
});

test("APPEND date-time and SEARCH date through the cursor", () => {
  const p = new ArgParser('" 5-Jan-2026 10:00:00 +0100" 1-Feb-2026 "29-Feb-2024"');
  assert.equal(p.dateTime().date.toISOString(), "2026-01-05T09:00:00.000Z");
  p.sp();
  assert.deepEqual(p.date(), { year: 2026, month: 2, day: 1 });
  p.sp();
  assert.deepEqual(p.date(), { year: 2024, month: 2, day: 29 });
  p.end();
  assert.throws(() => new ArgParser("30-Feb-2026").date(), ImapParseError);
});

test("end(): extra arguments, trailing spaces tolerated", () => {
  const p = new ArgParser("NOOP  ");
  p.atom();
  p.end();
  const q = new ArgParser("NOOP x");
  q.atom();
  assert.match(parseError(() => q.end()).message, /extra/);
});

test("APPEND end to end: flags, date-time and a literal holding CRLF and ')'", () => {
  const body = "Subject: (x)\r\n\r\n)\r\n";
  const c = parseCommand(frame(`A1 APPEND "Sent" (\\Seen) "23-Nov-2026 15:02:05 +0000" {${body.length}+}\r\n${body}\r\n`));
  assert.equal(c.name, "APPEND");
  c.args.sp();
  assert.equal(c.args.mailbox(), "Sent");
  c.args.sp();
  assert.deepEqual(c.args.flagList(), ["\\Seen"]);
  c.args.sp();
  assert.equal(c.args.dateTime().date.toISOString(), "2026-11-23T15:02:05.000Z");
  c.args.sp();
  const lit = c.args.literal({ binary: true });
  assert.equal(lit.data.toString(), body);
  assert.equal(lit.binary, false);
  c.args.end();
});
