/**
 * Fuzzing the IMAP input layer (issue 9): the reader's framing with literals (RFC 9051 §4.3,
 * RFC 7888 LITERAL+, RFC 3516 literal8) under arbitrary chunking, and the argument parsers —
 * command head, SEARCH keys, FETCH items, sequence sets, generic values — over arbitrary token
 * soup. Only the parser's own ImapParseError may escape; chunking never changes what is framed;
 * the reader holds at most one command's limit; time is linear in the input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assertLinear, fuzz } from "../../../test/support/fuzz.ts";
import { compileSearch, searchNeeds } from "../commands/search-match.ts";
import { parseCommand } from "./command.ts";
import { ImapParseError } from "./errors.ts";
import { readFetchItems } from "./fetch-att.ts";
import { ImapReader, type CommandInput, type ReaderEvent, type ReaderLimits } from "./reader.ts";
import { readSearchProgram } from "./search.ts";

interface Feed {
  events: ReaderEvent[];
  /** The most the reader held after draining a chunk. */
  held: number;
}

/** Pushes `wire` in chunks (sizes cycled), draining after each; `refuse` picks which continuations are refused. */
function feed(wire: Buffer, sizes: readonly number[], limits: ReaderLimits, refuse: readonly boolean[] = []): Feed {
  const r = new ImapReader(limits);
  const events: ReaderEvent[] = [];
  let held = 0;
  let continues = 0;
  let off = 0;
  for (let i = 0; off < wire.length; i++) {
    const size = Math.max(1, sizes[i % Math.max(1, sizes.length)] ?? wire.length);
    r.push(wire.subarray(off, off + size));
    off += size;
    for (let ev = r.next(); ev !== null; ev = r.next()) {
      events.push(ev);
      if (ev.kind === "continue" && refuse[continues++ % Math.max(1, refuse.length)] === true) r.refuseLiteral();
    }
    held = Math.max(held, r.held);
  }
  return { events, held };
}

// ---- well-formed commands with literals ------------------------------------------------------

const TEXT = fc.stringMatching(/^[A-Za-z0-9 ()"*:,.\][<>\\%$-]{0,12}$/);
const literal = fc.record({
  data: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
  binary: fc.boolean(),
  synchronizing: fc.boolean(),
});
const commandArb = fc.record({
  tag: fc.stringMatching(/^[A-Za-z0-9.]{1,6}$/),
  first: TEXT,
  rest: fc.array(fc.tuple(literal, TEXT), { maxLength: 3 }),
});
type Command = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;

function wireOf(c: Command): Buffer {
  const parts: Buffer[] = [Buffer.from(`${c.tag} ${c.first}`, "latin1")];
  for (const [lit, text] of c.rest) {
    parts.push(Buffer.from(`${lit.binary ? "~" : ""}{${lit.data.length}${lit.synchronizing ? "" : "+"}}\r\n`), lit.data, Buffer.from(text, "latin1"));
  }
  parts.push(Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

function expectedInput(c: Command, size: number): CommandInput {
  return {
    tag: c.tag,
    segments: [Buffer.from(`${c.tag} ${c.first}`, "latin1"), ...c.rest.map(([, text]) => Buffer.from(text, "latin1"))],
    literals: c.rest.map(([lit]) => ({ data: lit.data, binary: lit.binary, synchronizing: lit.synchronizing })),
    size,
  };
}

const chunks = fc.array(fc.integer({ min: 1, max: 24 }), { maxLength: 8 });

test("fuzz: commands with literals are framed exactly, however the bytes are chunked", (t) => {
  fuzz(
    t,
    fc.property(fc.array(commandArb, { minLength: 1, maxLength: 4 }), chunks, (commands, sizes) => {
      const wires = commands.map(wireOf);
      const got = feed(Buffer.concat(wires), sizes, {}).events.filter((e) => e.kind === "command");
      assert.deepEqual(
        got.map((e) => (e.kind === "command" ? e.input : null)),
        commands.map((c, i) => expectedInput(c, wires[i]?.length ?? 0)),
      );
    }),
    0.25,
  );
});

// ---- any bytes, small limits ----------------------------------------------------------------

const soup = fc
  .array(fc.oneof(fc.constantFrom("\r\n", "\n", "{3}\r\n", "{2+}\r\n", "~{4}\r\n", "{99}\r\n", "{999999+}\r\n", "a1 ", "x".repeat(20), "\0"), fc.string({ maxLength: 6 })), { maxLength: 40 })
  .map((parts) => Buffer.from(parts.join(""), "latin1"));

test("fuzz: any bytes — no exception, the same events in any chunking, the reader holds at most a command", (t) => {
  const limits = { maxLine: 32, maxLiteral: 16, maxCommand: 60 };
  fuzz(
    t,
    fc.property(soup, chunks, fc.array(fc.boolean(), { maxLength: 4 }), (w, sizes, refuse) => {
      const a = feed(w, sizes, limits, refuse);
      const b = feed(w, [], limits, refuse);
      assert.deepEqual(a.events, b.events);
      // A partial command (text and literals) within maxCommand, plus the short tail kept while dropping.
      assert.ok(a.held <= limits.maxCommand + 64, `the reader held ${a.held} bytes`);
    }),
    0.25,
  );
});

// ---- the argument parsers -------------------------------------------------------------------

const TOKENS = [
  " ", "(", ")", "OR ", "NOT ", "ALL", "HEADER ", "FROM ", "SUBJECT ", "BODY ", "TEXT ", "UID ", "KEYWORD ", "LARGER ",
  "SINCE ", "1-Jan-2024", "CHARSET ", "UTF-8", "RETURN ", "(MIN MAX)", '"x"', '"a\\"b"', '"\\q"', "1", "1:*", "*", "2,4:6",
  "$", "0", "4294967296", "BODY[", "BODY.PEEK[", "BINARY[", "BINARY.SIZE[", "]", "HEADER.FIELDS ", "(From To)", "<0.10>",
  "<1.0>", "1.2", ".MIME", ".TEXT", "ENVELOPE", "FLAGS", "+FLAGS ", "\\Seen", "\\Bogus", "NIL", "\xe9", "\u00fc", "{",
];
const tokenLine = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((ts) => ts.join(""));

/** Runs the parsers a handler of `name` would run; only ImapParseError may escape. */
function parseAsHandler(input: CommandInput, utf8: boolean, searchRes = false): void {
  const c = parseCommand(input, { utf8, searchRes });
  const a = c.args;
  if (c.name === "SEARCH") {
    a.sp();
    const program = readSearchProgram(a, { esearch: utf8 });
    searchNeeds(program.key);
    // With SEARCHRES the session substitutes "$" first (the server does not offer it today).
    if (!searchRes) compileSearch(program.key, { exists: 3, maxUid: 9 });
  } else if (c.name === "FETCH" || c.name === "STORE") {
    a.sp();
    a.sequenceSet();
    a.sp();
    if (c.name === "FETCH") readFetchItems(a);
    else {
      a.atom();
      a.sp();
      a.storeFlags();
    }
    a.end();
  } else {
    while (!a.atEnd()) {
      a.sp();
      a.value();
    }
  }
}

function onlyParseErrors(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ImapParseError)) throw e;
  }
}

test("fuzz: SEARCH, FETCH, STORE and generic arguments — only ImapParseError escapes", (t) => {
  fuzz(
    t,
    fc.property(
      fc.constantFrom("SEARCH", "UID SEARCH", "FETCH", "UID FETCH", "STORE", "ENABLE", "SELECT", "X"),
      tokenLine,
      fc.array(fc.uint8Array({ maxLength: 6 }), { maxLength: 2 }),
      fc.boolean(),
      fc.boolean(),
      (name, line, literals, utf8, searchRes) => {
        // Literals sit between text segments, as the reader frames them.
        const segments = [Buffer.from(`a ${name} ${line}`, "latin1"), ...literals.map(() => Buffer.from(line.slice(0, 8), "latin1"))];
        const input: CommandInput = { tag: "a", segments, literals: literals.map((d) => ({ data: Buffer.from(d), binary: false, synchronizing: true })), size: 0 };
        onlyParseErrors(() => parseAsHandler(input, utf8, searchRes));
      },
    ),
    0.5,
  );
});

// ---- time -------------------------------------------------------------------------------------

function framed(line: string): CommandInput {
  const r = new ImapReader({ maxLine: 1 << 26 });
  r.push(Buffer.from(`${line}\r\n`, "latin1"));
  const ev = r.next();
  assert.ok(ev?.kind === "command");
  return ev.input;
}

test("time is linear in the input: long SEARCH programs, FETCH lists, sequence sets, trickled lines, many literals", (t) => {
  const parse = (input: CommandInput): void => onlyParseErrors(() => parseAsHandler(input, true));
  const cases: Array<[string, (n: number) => CommandInput]> = [
    ["OR chain", (n) => framed(`a SEARCH ${"OR ".repeat(n)}${"SEEN ".repeat(n)}ALL`)],
    ["NOT chain", (n) => framed(`a SEARCH ${"NOT ".repeat(n)}ALL`)],
    ["groups", (n) => framed(`a SEARCH ${"(".repeat(n)}ALL${")".repeat(n)}`)],
    ["many keys", (n) => framed(`a SEARCH ${'HEADER X-A "b" '.repeat(n)}ALL`)],
    ["FETCH items", (n) => framed(`a FETCH 1:* (${"BODY.PEEK[HEADER.FIELDS (From To)] ".repeat(n)}UID)`)],
    ["sequence set", (n) => framed(`a FETCH ${"1:3,".repeat(n)}9 FLAGS`)],
    ["nested values", (n) => framed(`a ENABLE ${"(a ".repeat(n)}`)],
  ];
  for (const [name, make] of cases) t.diagnostic(assertLinear(make, parse, { name, n0: 256, maxN: 1 << 19 }));
  const line = (n: number): Buffer => Buffer.from(`a SEARCH TEXT "${"x".repeat(n)}"\r\n`);
  t.diagnostic(assertLinear(line, (w) => feed(w, [1], { maxLine: 1 << 24 }), { name: "trickled line", n0: 1024, maxN: 1 << 20 }));
  const literals = (n: number): Buffer => Buffer.from(`a X ${"{1+}\r\nx ".repeat(n)}\r\n`);
  t.diagnostic(assertLinear(literals, (w) => feed(w, [4096], { maxLine: 1 << 24 }), { name: "many literals", n0: 1024, maxN: 1 << 20 }));
});
