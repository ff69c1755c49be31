import { test } from "node:test";
import assert from "node:assert/strict";
import { readCharsetAndKeys, readSearchProgram, type SearchKey, type SearchProgram } from "./search.ts";
import type { ParserOptions } from "./parse.ts";
import { parseCommand } from "./command.ts";
import { ImapParseError } from "./errors.ts";
import { ImapReader } from "./reader.ts";
import { elementsPushed } from "../../../test/support/work-count.ts";

function search(wire: string | Buffer, opts: ParserOptions = {}): SearchProgram {
  const r = new ImapReader({ maxLine: 1024 * 1024 }); // room for the 100,000-level tests
  r.push(Buffer.isBuffer(wire) ? wire : Buffer.from(wire.endsWith("\n") ? wire : `${wire}\r\n`));
  for (let ev = r.next(); ev !== null; ev = r.next()) {
    if (ev.kind !== "command") continue;
    const c = parseCommand(ev.input, opts);
    assert.equal(c.name, "SEARCH");
    c.args.sp();
    return readSearchProgram(c.args);
  }
  throw new Error("no command framed");
}

function searchError(wire: string | Buffer, opts: ParserOptions = {}): ImapParseError {
  try {
    search(wire, opts);
  } catch (err) {
    assert.ok(err instanceof ImapParseError, String(err));
    return err;
  }
  assert.fail(`no error for ${wire.toString()}`);
}

test("UID SEARCH NOT DELETED SINCE 1-Jan-2026 OR FROM alice SUBJECT \"hi\"", () => {
  assert.deepEqual(search('A1 UID SEARCH NOT DELETED SINCE 1-Jan-2026 OR FROM alice SUBJECT "hi"'), {
    charset: null,
    returnOptions: null,
    key: {
      type: "and",
      keys: [
        { type: "not", key: { type: "flag", flag: "\\Deleted", set: true } },
        { type: "date", field: "internal", op: "since", date: { year: 2026, month: 1, day: 1 } },
        { type: "or", keys: [{ type: "header", field: "From", value: "alice" }, { type: "header", field: "Subject", value: "hi" }] },
      ],
    },
  });
});

test("Thunderbird: CHARSET UTF-8 with an 8-bit literal and a flattened OR chain", () => {
  const p = search('A2 UID SEARCH CHARSET UTF-8 UNDELETED OR OR FROM {5+}\r\nmüll TO "x" CC y\r\n');
  assert.equal(p.charset, "UTF-8");
  assert.deepEqual(p.key, {
    type: "and",
    keys: [
      { type: "flag", flag: "\\Deleted", set: false },
      {
        type: "or",
        keys: [
          { type: "header", field: "From", value: "müll" },
          { type: "header", field: "To", value: "x" },
          { type: "header", field: "Cc", value: "y" },
        ],
      },
    ],
  });
});

test("ESEARCH: RETURN (MIN MAX COUNT), RETURN () means ALL, SAVE only with SEARCHRES", () => {
  const p = search("A3 SEARCH RETURN (MIN MAX COUNT) UNSEEN");
  assert.deepEqual([...(p.returnOptions ?? [])].sort(), ["COUNT", "MAX", "MIN"]);
  assert.deepEqual(p.key, { type: "flag", flag: "\\Seen", set: false });
  assert.deepEqual([...(search("A4 SEARCH RETURN () ALL").returnOptions ?? [])], ["ALL"]);
  assert.match(searchError("A5 SEARCH RETURN (SAVE) ALL").message, /RETURN option/);
  assert.deepEqual([...(search("A5 SEARCH RETURN (SAVE) ALL", { searchRes: true }).returnOptions ?? [])], ["SAVE"]);
  assert.deepEqual(search("A6 UID SEARCH UID $ SEEN", { searchRes: true }).key, {
    type: "and",
    keys: [{ type: "uid", set: { type: "saved" } }, { type: "flag", flag: "\\Seen", set: true }],
  });
});

test("sequence sets, UID sets, sizes, keywords, header, NEW and OLD", () => {
  assert.deepEqual(search("A7 SEARCH 1:5,*:9 UID 3:* LARGER 1000 SMALLER 5 KEYWORD $Forwarded UNKEYWORD Junk").key, {
    type: "and",
    keys: [
      { type: "seq", set: { type: "set", ranges: [{ from: 1, to: 5 }, { from: "*", to: 9 }] } },
      { type: "uid", set: { type: "set", ranges: [{ from: 3, to: "*" }] } },
      { type: "size", op: "larger", size: 1000 },
      { type: "size", op: "smaller", size: 5 },
      { type: "flag", flag: "$Forwarded", set: true },
      { type: "flag", flag: "Junk", set: false },
    ],
  });
  assert.deepEqual(search('A8 SEARCH HEADER Message-ID "<a@b>" SENTBEFORE "2-Mar-2026" BODY x TEXT y').key, {
    type: "and",
    keys: [
      { type: "header", field: "Message-ID", value: "<a@b>" },
      { type: "date", field: "sent", op: "before", date: { year: 2026, month: 3, day: 2 } },
      { type: "body", value: "x" },
      { type: "text", value: "y" },
    ],
  });
  assert.deepEqual(search("A9 SEARCH NEW").key, {
    type: "and",
    keys: [{ type: "recent" }, { type: "flag", flag: "\\Seen", set: false }],
  });
  assert.deepEqual(search("A9 SEARCH OLD").key, { type: "not", key: { type: "recent" } });
});

test("groups: nested parentheses, NOT NOT cancelled, one-key groups unwrapped", () => {
  assert.deepEqual(search("B1 SEARCH (OR (SEEN FLAGGED) NOT NOT DRAFT) ((ALL))").key, {
    type: "and",
    keys: [
      {
        type: "or",
        keys: [
          { type: "and", keys: [{ type: "flag", flag: "\\Seen", set: true }, { type: "flag", flag: "\\Flagged", set: true }] },
          { type: "flag", flag: "\\Draft", set: true },
        ],
      },
      { type: "all" },
    ],
  });
});

test("BADCHARSET is a NO with the supported charsets; US-ASCII accepted", () => {
  const e = searchError("B2 SEARCH CHARSET KOI8-R SUBJECT x");
  assert.equal(e.status, "NO");
  assert.equal(e.code, "BADCHARSET (US-ASCII UTF-8)");
  assert.equal(search('B3 SEARCH CHARSET "us-ascii" ALL').charset, "US-ASCII");
});

test("RFC 6855 §3: once UTF8=ACCEPT is enabled a CHARSET other than UTF-8 is BAD, UTF-8 still accepted", () => {
  for (const cs of ["US-ASCII", "KOI8-R"]) {
    const e = searchError(`B4 SEARCH CHARSET ${cs} ALL`, { utf8: true });
    assert.equal(e.status, "BAD", cs);
  }
  assert.equal(search('B5 SEARCH CHARSET UTF-8 SUBJECT "grüße"', { utf8: true }).charset, "UTF-8");
});

test("RFC 9051 Appendix E: RECENT, NEW and OLD are IMAP4rev1 keys, BAD once IMAP4rev2 is enabled; US-ASCII and UTF-8 strings both still read", () => {
  for (const key of ["RECENT", "NEW", "OLD", "NOT RECENT", "OR SEEN NEW"]) {
    assert.ok(search(`R1 SEARCH ${key}`).key !== undefined, key);
    const e = searchError(`R2 SEARCH ${key}`, { rev2: true });
    assert.equal(e.status, "BAD", key);
    assert.match(e.message, /not a search key in IMAP4rev2/);
  }
  // §9 QUOTED-CHAR takes UTF-8 in IMAP4rev2, and CHARSET US-ASCII stays allowed (unlike UTF8=ACCEPT's rule).
  assert.equal(search('R3 SEARCH CHARSET US-ASCII SUBJECT "grüße"', { rev2: true }).charset, "US-ASCII");
  assert.match(searchError('R4 SEARCH SUBJECT "grüße"').message, /8-bit/);
});

test("SORT and THREAD's required charset and keys (RFC 5256 §4)", () => {
  const keys = (wire: string, opts: ParserOptions = {}): SearchKey => {
    const c = parseCommand(wire, opts);
    return readCharsetAndKeys(c.args);
  };
  assert.deepEqual(keys("S1 X UTF-8 SEEN"), { type: "flag", flag: "\\Seen", set: true });
  assert.throws(() => keys("S2 X SEEN"), (e: unknown) => e instanceof ImapParseError && e.status === "NO" && e.code?.startsWith("BADCHARSET") === true);
  assert.throws(() => keys("S3 X US-ASCII ALL", { utf8: true }), (e: unknown) => e instanceof ImapParseError && e.status === "BAD");
  assert.throws(() => keys("S4 X UTF-8"), ImapParseError);
});

test("syntax errors: unknown key, missing operands, unbalanced parentheses, bad date", () => {
  assert.match(searchError("C1 SEARCH FOO").message, /Unknown search key/);
  assert.match(searchError("C2 SEARCH OR SEEN").message, /Missing search key/);
  assert.match(searchError("C3 SEARCH").message, /Missing/);
  assert.match(searchError("C4 SEARCH (SEEN").message, /Missing "\)"/);
  assert.match(searchError("C5 SEARCH SEEN)").message, /Unbalanced/);
  assert.match(searchError("C6 SEARCH ()").message, /Empty search group/);
  assert.match(searchError("C7 SEARCH SINCE 32-Jan-2026").message, /Invalid date/);
  assert.match(searchError(Buffer.from("C8 SEARCH SUBJECT {2+}\r\n\xff\xfe\r\n", "latin1")).message, /UTF-8/);
  assert.match(searchError("C9 SEARCH 0").message, /sequence set/);
});

test("depth: 100,000 '(' and long NOT/OR chains cost no stack; deep ASTs are refused", () => {
  assert.match(searchError(`D1 SEARCH ${"(".repeat(100_000)}`).message, /Missing search key/);
  assert.deepEqual(search(`D2 SEARCH ${"(".repeat(100_000)}SEEN${")".repeat(100_000)}`).key, { type: "flag", flag: "\\Seen", set: true });
  // 20,000 ORs, nested left or right, and 20,000 nested groups flatten to one n-ary OR or AND;
  // 100,001 NOTs fold to one NOT.
  const left = search(`D3 SEARCH ${"OR ".repeat(20_000)}${"SEEN ".repeat(20_001).trim()}`).key;
  assert.equal(left.type === "or" ? left.keys.length : 0, 20_001);
  const right = search(`D3 SEARCH ${"OR SEEN ".repeat(20_000)}SEEN`).key;
  assert.equal(right.type === "or" ? right.keys.length : 0, 20_001);
  const groups = search(`D3 SEARCH ${"(SEEN ".repeat(20_000)}SEEN${")".repeat(20_000)}`).key;
  assert.equal(groups.type === "and" ? groups.keys.length : 0, 20_001);
  // Flattening is not quadratic: the operands moved (the larger list absorbing the smaller, in place)
  // grow about tenfold from 2,000 to 20,000 keys (n log n at worst), not a hundredfold. Counted, not timed.
  const chains = (n: number): string[] => [`${"OR ".repeat(n)}${"SEEN ".repeat(n + 1).trim()}`, `${"OR SEEN ".repeat(n)}SEEN`, `${"(SEEN ".repeat(n)}SEEN${")".repeat(n)}`];
  for (const [small, large] of chains(2_000).map((c, i) => [c, chains(20_000)[i] ?? ""] as const)) {
    const moved = (keys: string): number => elementsPushed(() => search(`D3 SEARCH ${keys}`));
    const [atN, at10N] = [moved(small), moved(large)];
    assert.ok(at10N <= 15 * atN, `${small.slice(0, 12)}…: ${atN} elements moved for 2,000 keys, ${at10N} for 20,000`);
  }
  assert.equal(search(`D4 SEARCH ${"NOT ".repeat(100_001)}SEEN`).key.type, "not");
  // OR x NOT (OR x NOT (...)) cannot be flattened: 200 levels exceed the default depth of 100.
  assert.match(searchError(`D5 SEARCH ${"OR SEEN NOT ".repeat(200)}SEEN`).message, /nested too deeply/);
});
