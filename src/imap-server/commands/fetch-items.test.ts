import { test } from "node:test";
import assert from "node:assert/strict";
import { mixed } from "../../../test/support/mime-fixtures.ts";
import { LoadedMessage } from "../message-cache.ts";
import { ArgParser, parseSequenceSet, readFetchItems } from "../parser/index.ts";
import { MailboxView } from "../view.ts";
import { fetchNeeds, formatItem, type FetchSubject, type Piece } from "./fetch-items.ts";
import { targetSeqs } from "./fetch-targets.ts";

const m: FetchSubject = {
  seq: 3,
  uid: 42,
  flags: "\\Seen $Work",
  modseq: 17,
  row: { blob: "b", size: mixed.length, internalDate: Date.UTC(2026, 10, 23, 15, 2, 5) },
  summary: undefined,
  loaded: new LoadedMessage(mixed),
};

function fetch(items: string): string {
  const out: Piece[] = [];
  for (const att of readFetchItems(new ArgParser(items)).items) {
    if (out.length > 0) out.push(" ");
    formatItem(att, m, out);
  }
  return Buffer.concat(out.map((p) => (typeof p === "string" ? Buffer.from(p) : p))).toString("latin1");
}

test("simple items", () => {
  assert.equal(fetch("(UID FLAGS INTERNALDATE RFC822.SIZE)"), `UID 42 FLAGS (\\Seen $Work) INTERNALDATE "23-Nov-2026 15:02:05 +0000" RFC822.SIZE ${mixed.length}`);
});

test("MODSEQ (RFC 7162 §3.1.4) reads the store, FLAGS and UID the view", () => {
  assert.equal(fetch("(UID MODSEQ)"), "UID 42 MODSEQ (17)");
  assert.deepEqual(fetchNeeds(readFetchItems(new ArgParser("(FLAGS MODSEQ)")).items), { row: false, summary: false, content: false, setsSeen: false, modseq: true });
});

test("sections, partials and their response names", () => {
  assert.equal(fetch("BODY.PEEK[1]"), "BODY[1] {50}\r\nReport attached, and the forwarded thread below.\r\n");
  assert.equal(fetch("BODY[3.2]<3.7>"), "BODY[3.2]<3> {7}\r\nNumbers");
  assert.equal(fetch("BODY[3.HEADER.FIELDS (FROM)]"), "BODY[3.HEADER.FIELDS (FROM)] {35}\r\nFrom: Heidi <heidi@example.org>\r\n\r\n");
  assert.equal(fetch("BODY[9]"), 'BODY[9] {0}\r\n', "a missing part is empty");
  assert.equal(fetch("BODY[]<0.4>"), "BODY[]<0> {4}\r\nDate");
  assert.equal(fetch("BODY[]<100000.10>"), "BODY[]<100000> {0}\r\n");
  assert.ok(fetch("RFC822").startsWith(`RFC822 {${mixed.length}}\r\nDate: Wed`));
  assert.ok(fetch("RFC822.HEADER").endsWith('boundary="outer-XYZ"\r\n\r\n'));
});

test("BINARY decodes the transfer encoding; literal8 only when there is a NUL", () => {
  const pdf = "%PDF-1.4\n% fake pdf for tests\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
  assert.equal(fetch("BINARY.PEEK[2]"), `BINARY[2] {${pdf.length}}\r\n${pdf}`);
  assert.equal(fetch("BINARY.SIZE[2]"), `BINARY.SIZE[2] ${pdf.length}`);
  assert.equal(fetch("BINARY[7]"), "BINARY[7] NIL");
});

test("fetchNeeds: FLAGS and UID need no reads; non-PEEK bodies set \\Seen", () => {
  const needs = (s: string): ReturnType<typeof fetchNeeds> => fetchNeeds(readFetchItems(new ArgParser(s)).items);
  assert.deepEqual(needs("(FLAGS UID)"), { row: false, summary: false, content: false, setsSeen: false, modseq: false });
  assert.deepEqual(needs("FAST"), { row: true, summary: false, content: false, setsSeen: false, modseq: false });
  assert.deepEqual(needs("(ENVELOPE BODY.PEEK[HEADER])"), { row: true, summary: true, content: true, setsSeen: false, modseq: false });
  assert.equal(needs("BODY[TEXT]").setsSeen, true);
  assert.equal(needs("RFC822.HEADER").setsSeen, false);
  assert.equal(needs("BINARY[1]").setsSeen, true);
});

test("targetSeqs: UIDs that do not exist are skipped; sequence numbers past the end are BAD", () => {
  const view = new MailboxView({ id: 1, name: "INBOX", uidvalidity: 1 }, false, [3, 5, 9].map((uid) => ({ uid, flags: "", modseq: 1 })));
  assert.deepEqual(targetSeqs(view, parseSequenceSet("1:*"), false), [1, 2, 3]);
  assert.deepEqual(targetSeqs(view, parseSequenceSet("3,1"), false), [1, 3]);
  assert.deepEqual(targetSeqs(view, parseSequenceSet("4:6,100:*"), true), [2, 3]);
  assert.deepEqual(targetSeqs(view, parseSequenceSet("10:20"), true), []);
  assert.throws(() => targetSeqs(view, parseSequenceSet("4"), false), /Invalid message sequence number/);
  const empty = new MailboxView({ id: 1, name: "INBOX", uidvalidity: 1 }, false, []);
  assert.throws(() => targetSeqs(empty, parseSequenceSet("1:*"), false));
  assert.deepEqual(targetSeqs(empty, parseSequenceSet("1:*"), true), []);
});
