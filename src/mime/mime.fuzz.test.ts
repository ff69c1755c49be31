/**
 * Fuzzing the MIME room (issue 9): messages built from a grammar of headers, multiparts and
 * embedded messages — then truncated and bit-flipped — through the tree, ENVELOPE, BODYSTRUCTURE,
 * BODY[section], BINARY and the header scanner. Nothing throws (BINARY: only UnknownCteError);
 * offsets nest and stay inside the message; the limits hold; time is linear in the input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assertLinear, fuzz } from "../../test/support/fuzz.ts";
import {
  bodyStructure,
  decodeEncodedWords,
  decodeQuotedPrintable,
  envelope,
  extractBinary,
  everyField,
  extractSection,
  parseAddressList,
  parseMime,
  UnknownCteError,
  type MimePart,
  type SectionSpec,
} from "./index.ts";
import { scanHeader } from "./header.ts";
import { parseMimeValue } from "./params.ts";

const LIMITS = { maxDepth: 8, maxParts: 40, maxHeaderFields: 20 };

// ---- a grammar of messages ---------------------------------------------------------------------

const VALUE_TOKENS = [
  " ", "\t", '"', "(", ")", "<", ">", "@", ",", ";", ":", "[", "]", "\\", "=?utf-8?q?a=C3=A9?=", "=?x?b?QUJD?=", "a", "b.c",
  "Joe Q. Public", "text/plain", "multipart/mixed", "message/rfc822", "; boundary=", "b1", '"b 2"', "charset=utf-8",
  "base64", "quoted-printable", "x-unknown", "attachment; filename=a.txt", "\r\n ", "\r\n\t", "\u00e9",
];
const NAMES = ["From", "To", "Cc", "Bcc", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "Content-Type",
  "Content-Transfer-Encoding", "Content-Disposition", "Content-Language", "Content-ID", "Received", "X-A", "x-a ", "NoColon"];
const value = fc.array(fc.oneof(fc.constantFrom(...VALUE_TOKENS), fc.string({ maxLength: 5 })), { maxLength: 8 }).map((v) => v.join(""));
const field = fc.tuple(fc.constantFrom(...NAMES), value).map(([n, v]) => (n === "NoColon" ? v : `${n}:${v}`));
const BODY_TOKENS = ["line", "=41=\r\n", "QUJD", "\r\n", "\n", "--b1", "--b1--", '--b 2', "--", ".", "\0", "\xff", " "];
const body = fc.array(fc.oneof(fc.constantFrom(...BODY_TOKENS), fc.string({ maxLength: 6 })), { maxLength: 12 }).map((b) => b.join(""));

interface Entity {
  fields: string[];
  kind: "leaf" | "multipart" | "message";
  boundary: string;
  body: string;
  children: Entity[];
}

/** Entities nested at most `depth` levels (deeper trees come from the flips and cuts, not the grammar). */
function entityOf(depth: number): fc.Arbitrary<Entity> {
  return fc.record({
    fields: fc.array(field, { maxLength: 5 }),
    kind: depth === 0 ? fc.constant("leaf" as const) : fc.constantFrom("leaf" as const, "multipart" as const, "message" as const),
    boundary: fc.constantFrom("b1", "b 2", "=_x", ""),
    body,
    children: depth === 0 ? fc.constant([]) : fc.array(entityOf(depth - 1), { maxLength: 3 }),
  });
}
const entity = entityOf(4);

function serialize(e: Entity, eol: string): string {
  const head = [...e.fields];
  if (e.kind === "multipart") head.push(`Content-Type: multipart/mixed; boundary="${e.boundary}"`);
  if (e.kind === "message") head.push("Content-Type: message/rfc822");
  let text = head.map((f) => f + eol).join("") + eol;
  if (e.kind === "multipart") {
    text += `${e.body}${eol}`;
    for (const c of e.children) text += `--${e.boundary}${eol}${serialize(c, eol)}${eol}`;
    text += `--${e.boundary}--${eol}`;
  } else if (e.kind === "message" && e.children[0] !== undefined) {
    text += serialize(e.children[0], eol);
  } else {
    text += e.body;
  }
  return text;
}

/** A message from the grammar, then damaged: cut short, bytes flipped. */
const message = fc
  .tuple(entity, fc.constantFrom("\r\n", "\n"), fc.option(fc.nat()), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }))
  .map(([e, eol, cut, flips]) => {
    const raw = Buffer.from(serialize(e, eol), "utf8");
    for (const [at, byte] of flips) if (raw.length > 0) raw[at % raw.length] = byte;
    return cut === null ? raw : raw.subarray(0, cut % (raw.length + 1));
  });

// ---- properties -------------------------------------------------------------------------------

/** Every part with its depth; offsets checked against the parent's body and the message. */
function walk(raw: Buffer, root: MimePart): Array<{ part: MimePart; depth: number; path: number[] }> {
  const out: Array<{ part: MimePart; depth: number; path: number[] }> = [];
  const stack = [{ part: root, depth: 0, path: [] as number[], lo: 0, hi: raw.length }];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    const p = e.part;
    assert.ok(e.lo <= p.headerStart && p.headerStart <= p.headerEnd && p.headerEnd <= p.bodyStart, "header offsets in order");
    assert.ok(p.bodyStart <= p.bodyEnd && p.bodyEnd <= raw.length, "body inside the message");
    assert.ok(p.bodyStart <= e.hi, "part inside its parent");
    assert.ok(p.headers.length <= LIMITS.maxHeaderFields, "at most maxHeaderFields kept");
    assert.equal(p.size, p.bodyEnd - p.bodyStart);
    out.push({ part: p, depth: e.depth, path: e.path });
    p.children.forEach((c, i) => stack.push({ part: c, depth: e.depth + 1, path: [...e.path, i + 1], lo: p.bodyStart, hi: p.bodyEnd }));
    if (p.message !== undefined) stack.push({ part: p.message, depth: e.depth + 1, path: e.path, lo: p.bodyStart, hi: p.bodyEnd });
  }
  return out;
}

test("fuzz: the tree, ENVELOPE, BODYSTRUCTURE, sections and BINARY of damaged messages — nothing throws, offsets nest", (t) => {
  fuzz(
    t,
    fc.property(message, (raw) => {
      const tree = parseMime(raw, LIMITS);
      const parts = walk(raw, tree);
      assert.ok(parts.length <= LIMITS.maxParts + LIMITS.maxDepth, `${parts.length} parts`);
      assert.ok(parts.every((p) => p.depth <= LIMITS.maxDepth + 1), "nesting within maxDepth");
      envelope(tree);
      bodyStructure(tree, false);
      bodyStructure(tree, true);
      // Search's view of the header has the scanner's fields, every one of them (the tree keeps the first).
      let scanned = 0;
      scanHeader(raw, tree.headerStart, tree.headerEnd, () => void scanned++);
      const every = [...everyField(raw, tree.headerStart, tree.headerEnd)];
      assert.equal(every.length, scanned);
      for (const f of every) assert.equal(typeof decodeEncodedWords(f.value), "string");
      assert.equal(tree.headers.length, Math.min(scanned, LIMITS.maxHeaderFields));
      assert.deepEqual(every.slice(0, tree.headers.length), tree.headers);
      for (const { path } of parts.slice(0, 12)) {
        const specs: SectionSpec[] = [
          { part: path },
          { part: path, text: "HEADER" },
          { part: path, text: "TEXT" },
          { part: path, text: "HEADER.FIELDS", fields: ["From", "x-a", "Content-Type"] },
          { part: path, text: "HEADER.FIELDS.NOT", fields: ["Subject"] },
        ];
        if (path.length > 0) specs.push({ part: path, text: "MIME" });
        for (const spec of specs) {
          const got = extractSection(raw, tree, spec);
          assert.ok(got === null || Buffer.isBuffer(got));
        }
        try {
          extractBinary(raw, tree, path);
        } catch (e) {
          if (!(e instanceof UnknownCteError)) throw e;
        }
      }
    }),
    0.7,
  );
});

test("fuzz: address lists and MIME parameter values of any text never throw", (t) => {
  const text = fc.array(fc.oneof(fc.constantFrom(...VALUE_TOKENS), fc.string({ maxLength: 4 })), { maxLength: 30 }).map((v) => v.join(""));
  fuzz(
    t,
    fc.property(text, (s) => {
      for (const a of parseAddressList(s)) assert.ok(a.mailbox === null || a.mailbox.length > 0);
      const v = parseMimeValue(s);
      assert.ok(v.params.every((p) => p.name !== ""));
    }),
    0.3,
  );
});

// ---- time -------------------------------------------------------------------------------------

test("time is linear in the input: header floods, boundary floods, many parts, deep nesting, long fields", (t) => {
  const flat = (s: string): Buffer => Buffer.from(s, "latin1");
  const tree = (raw: Buffer): MimePart => parseMime(raw);
  const cases: Array<[string, (n: number) => Buffer, (raw: Buffer) => unknown]> = [
    // Issue 9: 80,000 lines of "X" (the tree keeps 10,000 fields; the scanner walks them all).
    ["header lines, tree", (n) => flat(`${"X\r\n".repeat(n)}\r\nbody\r\n`), tree],
    ["header lines, every field", (n) => flat(`${"X-A: b\r\n".repeat(n)}\r\nbody\r\n`), (raw) => [...everyField(raw, 0, raw.length)].length],
    ["HEADER.FIELDS", (n) => flat(`${"X-A: b\r\nFrom: c\r\n".repeat(n)}\r\n`), (raw) => extractSection(raw, parseMime(raw), { part: [], text: "HEADER.FIELDS", fields: ["From"] })],
    // A long boundary of dashes and a body line full of dashes: the delimiter matches at every byte
    // of that line; it is compared once per line, not once per byte.
    ["boundary flood", (n) => flat(`Content-Type: multipart/mixed; boundary="${"-".repeat(n)}"\r\n\r\nx${"-".repeat(4 * n)}\r\n`), tree],
    ["boundary-like lines", (n) => flat(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${"--bx\r\n".repeat(n)}--b--\r\n`), tree],
    ["many parts", (n) => flat(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${"--b\r\n\r\nx\r\n".repeat(n)}--b--\r\n`), tree],
    ["nested messages", (n) => flat(`${"Content-Type: message/rfc822\r\n\r\n".repeat(Math.min(n, 200))}${"x\r\n".repeat(n)}`), tree],
    ["long address list", (n) => flat(`To: ${"a@b.c, ".repeat(n)}\r\n\r\n`), (raw) => envelope(parseMime(raw))],
    ["many parameters", (n) => flat(`Content-Type: text/plain${"; a=b".repeat(n)}\r\n\r\n`), (raw) => bodyStructure(parseMime(raw), true)],
    ["quoted-printable", (n) => flat("=41=\r\n".repeat(n)), decodeQuotedPrintable],
  ];
  for (const [name, make, run] of cases) t.diagnostic(assertLinear(make, run, { name, n0: 512, maxN: 1 << 17 }));
});
