import assert from "node:assert/strict";
import { test } from "node:test";
import { bodyStructure } from "./bodystructure.ts";
import * as fx from "../../test/support/mime-fixtures.ts";
import { bytesSearched } from "../../test/support/work-count.ts";
import { parseMime, type MimePart } from "./index.ts";

const slice = (raw: Buffer, a: number, b: number): string => raw.toString("utf8", a, b);
const bodyOf = (raw: Buffer, p: MimePart): string => slice(raw, p.bodyStart, p.bodyEnd);
const child = (p: MimePart | undefined, i: number): MimePart => {
  const c = p?.children[i];
  assert.ok(c, `child ${i}`);
  return c;
};

test("single part: offsets, header fields with folding, RFC 2045 fields", () => {
  const raw = fx.plain;
  const m = parseMime(raw);
  const blank = raw.indexOf("\r\n\r\n");
  assert.equal(m.headerStart, 0);
  assert.equal(m.headerEnd, blank + 2);
  assert.equal(m.bodyStart, blank + 4);
  assert.equal(m.bodyEnd, raw.length);
  assert.equal(m.size, 82);
  assert.equal(m.lineCount, 5);
  assert.deepEqual(m.contentType, {
    type: "text",
    subtype: "plain",
    params: [
      { name: "charset", value: "UTF-8" },
      { name: "format", value: "flowed" },
    ],
    implicit: false,
  });
  assert.equal(m.encoding, "7bit");
  const received = m.headers[1];
  assert.equal(received?.name, "Received");
  assert.equal(
    received?.rawValue,
    " from mail.example.org (mail.example.org [192.0.2.10])\r\n\tby mx.example.net with ESMTPS id 4Xy1;\r\n\tMon, 03 Jun 2024 09:15:02 +0000",
  );
  assert.equal(
    received?.value,
    "from mail.example.org (mail.example.org [192.0.2.10])\tby mx.example.net with ESMTPS id 4Xy1;\tMon, 03 Jun 2024 09:15:02 +0000",
  );
  assert.equal(slice(raw, received?.start ?? 0, received?.end ?? 0).split("\r\n").length, 4);
  assert.equal(m.headers.length, 10);
});

test("bare LF: the same structure, offsets on LF", () => {
  const raw = fx.plainLf;
  const m = parseMime(raw);
  assert.equal(m.headerEnd, raw.indexOf("\n\n") + 1);
  assert.equal(m.bodyStart, raw.indexOf("\n\n") + 2);
  assert.equal(m.size, 77);
  assert.equal(m.lineCount, 5);
  assert.equal(m.headers[1]?.value.includes("\tby mx.example.net"), true);
  const lf = parseMime(fx.mixedLf);
  assert.equal(lf.children.length, 3);
  assert.equal(bodyOf(fx.mixedLf, child(lf, 0)), "Report attached, and the forwarded thread below.\n");
  assert.equal(child(lf, 2).message?.children.length, 2);
});

test("multipart/mixed: preamble and epilogue excluded, every MIME field read, nested message/rfc822", () => {
  const raw = fx.mixed;
  const m = parseMime(raw);
  assert.equal(m.children.length, 3);
  const [text, pdf, fwd] = [child(m, 0), child(m, 1), child(m, 2)];
  assert.equal(slice(raw, text.headerStart, text.bodyStart), "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
  assert.equal(bodyOf(raw, text), "Report attached, and the forwarded thread below.\r\n");
  assert.equal(pdf.encoding, "base64");
  assert.equal(pdf.id, "<part2.report@example.co.uk>");
  assert.equal(pdf.description, "Quarterly report");
  assert.deepEqual(pdf.language, ["en-GB", "fr"]);
  assert.equal(pdf.location, "https://example.co.uk/r/q2.pdf");
  assert.equal(pdf.md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
  assert.deepEqual(pdf.disposition, {
    type: "attachment",
    params: [
      { name: "filename", value: "report Q2.pdf" },
      { name: "size", value: "85" },
    ],
  });
  assert.equal(pdf.size, 110);
  assert.equal(fwd.lineCount, 18);
  const inner = fwd.message;
  assert.ok(inner);
  assert.equal(inner.headerStart, fwd.bodyStart);
  assert.equal(inner.bodyEnd, fwd.bodyEnd);
  assert.equal(inner.children.length, 2);
  assert.equal(bodyOf(raw, child(inner, 0)), "Numbers look good.");
  assert.equal(child(inner, 1).lineCount, 1);
  // The epilogue belongs to no part.
  assert.equal(raw.toString("latin1", fwd.bodyEnd), "\r\n--outer-XYZ--\r\nepilogue\r\n");
});

test("boundary lines: trailing whitespace allowed, longer lines with the same prefix are not boundaries", () => {
  const m = parseMime(fx.alternative);
  assert.equal(m.children.length, 2);
  const raw = Buffer.from(
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n\r\none\r\n--bogus\r\n--b\t \r\n\r\ntwo\r\n--b--  \r\n',
  );
  const p = parseMime(raw);
  assert.deepEqual(
    p.children.map((c) => bodyOf(raw, c)),
    ["one\r\n--bogus", "two"],
  );
});

test("RFC 2045 §5.2 defaults: no Content-Type, or an invalid one, is text/plain; charset=us-ascii; 7bit", () => {
  const m = parseMime(fx.noContentType);
  assert.deepEqual(m.contentType, {
    type: "text",
    subtype: "plain",
    params: [{ name: "charset", value: "us-ascii" }],
    implicit: true,
  });
  assert.equal(m.encoding, "7bit");
  assert.equal(m.lineCount, 2);
  const invalid = child(parseMime(fx.forward), 2);
  assert.equal(invalid.contentType.subtype, "plain");
  assert.equal(invalid.contentType.implicit, true);
});

test("RFC 2046 §5.1.5: a digest's parts default to message/rfc822", () => {
  const digest = child(parseMime(fx.quirks), 2);
  assert.equal(digest.contentType.subtype, "digest");
  const entry = child(digest, 0);
  assert.equal(entry.contentType.type, "message");
  assert.equal(entry.message?.headers[0]?.value, "digest entry");
  assert.equal(child(digest, 1).contentType.type, "text");
});

test("broken multiparts: unused boundary, no boundary, no close delimiter", () => {
  assert.deepEqual(parseMime(fx.brokenBoundary).children, []);
  assert.deepEqual(parseMime(fx.noBoundary).children, []);
  const cut = parseMime(fx.unterminated);
  assert.deepEqual(
    cut.children.map((c) => bodyOf(fx.unterminated, c)),
    ["first", "second, never closed"],
  );
  assert.equal(child(cut, 1).bodyEnd, fx.unterminated.length);
});

test("header edge cases: no blank line, no header, lines without a colon, odd spacing", () => {
  const onlyHeader = parseMime(Buffer.from("Subject: x\r\nFrom: a@b"));
  assert.equal(onlyHeader.bodyStart, onlyHeader.bodyEnd);
  assert.equal(onlyHeader.headers[1]?.value, "a@b");
  const noHeader = parseMime(Buffer.from("\r\nbody"));
  assert.deepEqual([noHeader.headers.length, noHeader.bodyStart, noHeader.size], [0, 2, 4]);
  const odd = parseMime(Buffer.from("Subject : spaced \r\ngarbage line\r\n\r\n"));
  assert.equal(odd.headers[0]?.name, "Subject");
  assert.equal(odd.headers[0]?.value, "spaced");
  assert.equal(odd.headers[1]?.name, "garbage line");
  assert.equal(parseMime(Buffer.alloc(0)).size, 0);
});

test("8-bit headers: UTF-8 decoded as UTF-8, anything else byte for byte as Latin-1", () => {
  assert.equal(parseMime(fx.encoded).headers[2]?.value.startsWith("Jörg Müller"), true);
  const latin1 = parseMime(Buffer.concat([Buffer.from("Subject: caf"), Buffer.from([0xe9]), Buffer.from("\r\n\r\n")]));
  assert.equal(latin1.headers[0]?.value, "café");
});

function depthOf(p: MimePart): number {
  let d = 0;
  for (let n: MimePart | undefined = p; n !== undefined; n = n.children[0] ?? n.message) d++;
  return d;
}

// No test here times the parser (a busy machine stretches any clock): each hostile input is one
// that a parser without the guard in question would overflow the stack on, never finish, or
// answer differently — or the work is counted (test/support/work-count.ts).

test("hostile: 100,000 nested multiparts are cut at the depth limit, without recursion overflow", () => {
  const n = 100_000;
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < n; i++) {
    open.push(`Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`);
    close.push(`\r\n--b${n - 1 - i}--`);
  }
  const raw = Buffer.from(open.join("") + "\r\nleaf" + close.join("") + "\r\n");
  // Without the depth limit, 100,000 levels of recursion overflow the stack; with it, each of the
  // 51 levels searches the rest of the message at most once (O(maxDepth x size), tree.ts).
  const m = parseMime(raw);
  assert.equal(depthOf(m), 51);
  let deepest = m;
  while (deepest.children[0]) deepest = deepest.children[0];
  assert.equal(deepest.truncated, true);
  assert.match(JSON.stringify(bodyStructure(m, true)), /"type":"application","subtype":"octet-stream"/);
  const nestedMessages = Buffer.from("Content-Type: message/rfc822\r\n\r\n".repeat(n) + "end\r\n");
  assert.equal(depthOf(parseMime(nestedMessages)), 51);
});

test("hostile: 100,000 parts stop at the part limit", () => {
  const raw = Buffer.from("Content-Type: multipart/mixed; boundary=b\r\n\r\n" + "--b\r\n\r\nx\r\n".repeat(100_000) + "--b--\r\n");
  const m = parseMime(raw);
  assert.equal(m.children.length, 4_999);
  assert.equal(parseMime(raw, { maxParts: 10 }).children.length, 9);
  const shallow = parseMime(fx.mixed, { maxDepth: 1 });
  assert.equal(child(shallow, 2).truncated, true);
  assert.equal(child(shallow, 2).message, undefined);
});

test("hostile: a 1 MB header line and a 1 MB parameter list cost little", () => {
  // At 1 MB a path quadratic in the line never finishes (10^12 steps), and a recursive reading of
  // the million nested "(" overflows the stack.
  const big = "x".repeat(1 << 20);
  const raw = Buffer.from(`Subject: ${big}\r\nContent-Type: text/plain; a=${big}; ${"(".repeat(1 << 20)}\r\n\r\nbody`);
  const m = parseMime(raw);
  assert.equal(m.headers[0]?.value.length, 1 << 20);
  assert.equal(m.contentType.params[0]?.value.length, 1 << 20);
  assert.equal(bodyOf(raw, m), "body");
  const noNewline = parseMime(Buffer.from("X: " + big));
  assert.equal(noNewline.bodyStart, (1 << 20) + 3);
});

test("hostile: no quadratic paths (colonless header lines, unused boundaries, long blank runs)", () => {
  // Past the 10,000 fields kept, the header's end is found by byte searches, not line by line
  // from the start again: the searches go over the message about once.
  const colonless = Buffer.from("junk line\r\n".repeat(100_000) + "\r\n" + "body line\r\n".repeat(100_000));
  let headers = 0;
  const colonlessWork = bytesSearched(() => (headers = parseMime(colonless).headers.length));
  assert.equal(headers, 10_000);
  assert.ok(colonlessWork <= 3 * colonless.length, `${colonlessWork} bytes searched in a ${colonless.length}-byte message`);
  // 4,000 parts each search for a boundary that never comes: each search stops at its part's end,
  // never going on over the 5.6 MB epilogue (4,000 times that would be 22 GB).
  const siblings = Buffer.from(
    "Content-Type: multipart/mixed; boundary=o\r\n\r\n" +
      "--o\r\nContent-Type: multipart/mixed; boundary=absent\r\n\r\nx\r\n".repeat(4_000) +
      "--o--\r\n" +
      "padding without line breaks ".repeat(200_000),
  );
  let children = 0;
  const siblingsWork = bytesSearched(() => (children = parseMime(siblings).children.length));
  assert.equal(children, 4_000);
  assert.ok(siblingsWork <= siblings.length, `${siblingsWork} bytes searched in a ${siblings.length}-byte message`);
  // Blank runs of 1 MB: a backtracking trim (/[ \t]+$/) would take 10^12 steps and never finish.
  const blanks = parseMime(Buffer.from("Subject: a" + " ".repeat(1 << 20) + "b" + " ".repeat(1 << 20) + "\r\n\r\n"));
  assert.equal(blanks.headers[0]?.value.length, (1 << 20) + 2);
});
