import { test } from "node:test";
import assert from "node:assert/strict";
import { readFetchItems, fetchResponseName, type FetchItems } from "./fetch-att.ts";
import { parseCommand } from "./command.ts";
import { ImapParseError } from "./errors.ts";

function fetch(line: string): FetchItems {
  const c = parseCommand(line);
  assert.equal(c.name, "FETCH");
  c.args.sp();
  c.args.sequenceSet();
  c.args.sp();
  const items = readFetchItems(c.args);
  c.args.end();
  return items;
}

test("imapflow / Thunderbird header fetch", () => {
  const items = fetch(
    "A1 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])",
  );
  const fields = ["From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "Priority", "X-Priority", "References", "Newsgroups", "In-Reply-To", "Content-Type", "Reply-To"];
  assert.deepEqual(items, {
    macro: null,
    items: [
      { type: "UID" },
      { type: "RFC822.SIZE" },
      { type: "FLAGS" },
      { type: "BODY[]", peek: true, section: { part: [], text: "HEADER.FIELDS", fields }, partial: null },
    ],
  });
  const last = items.items[3];
  assert.ok(last !== undefined);
  assert.equal(fetchResponseName(last), `BODY[HEADER.FIELDS (${fields.join(" ")})]`);
});

test("partial body part (iOS): BODY.PEEK[1.2]<0.2048>", () => {
  const items = fetch("A2 FETCH 1 (BODY.PEEK[1.2]<0.2048>)");
  assert.deepEqual(items.items, [{ type: "BODY[]", peek: true, section: { part: [1, 2], text: null, fields: [] }, partial: { offset: 0, length: 2048 } }]);
  assert.equal(fetchResponseName(items.items[0] ?? { type: "UID" }), "BODY[1.2]<0>");
});

test("macros FULL / FAST / ALL expand; a single item needs no parentheses", () => {
  assert.deepEqual(fetch("A3 FETCH 1:4 FULL"), {
    macro: "FULL",
    items: [{ type: "FLAGS" }, { type: "INTERNALDATE" }, { type: "RFC822.SIZE" }, { type: "ENVELOPE" }, { type: "BODY" }],
  });
  assert.equal(fetch("A4 FETCH 1 fast").items.length, 3);
  assert.equal(fetch("A4 FETCH 1 ALL").items.length, 4);
  assert.deepEqual(fetch("A5 FETCH 1 body[]"), { macro: null, items: [{ type: "BODY[]", peek: false, section: { part: [], text: null, fields: [] }, partial: null }] });
});

test("sections: HEADER, TEXT, MIME, HEADER.FIELDS.NOT with parts; BINARY items", () => {
  const items = fetch(
    "A6 FETCH 2 (BODYSTRUCTURE ENVELOPE INTERNALDATE RFC822 RFC822.HEADER RFC822.TEXT BODY[HEADER] BODY[1.TEXT] BODY.PEEK[2.1.MIME] BODY[3.HEADER.FIELDS.NOT (Received)] BINARY.PEEK[1]<100.200> BINARY[] BINARY.SIZE[2.1])",
  ).items;
  assert.deepEqual(items.slice(0, 6).map((i) => i.type), ["BODYSTRUCTURE", "ENVELOPE", "INTERNALDATE", "RFC822", "RFC822.HEADER", "RFC822.TEXT"]);
  assert.deepEqual(items.slice(6), [
    { type: "BODY[]", peek: false, section: { part: [], text: "HEADER", fields: [] }, partial: null },
    { type: "BODY[]", peek: false, section: { part: [1], text: "TEXT", fields: [] }, partial: null },
    { type: "BODY[]", peek: true, section: { part: [2, 1], text: "MIME", fields: [] }, partial: null },
    { type: "BODY[]", peek: false, section: { part: [3], text: "HEADER.FIELDS.NOT", fields: ["Received"] }, partial: null },
    { type: "BINARY[]", peek: true, part: [1], partial: { offset: 100, length: 200 } },
    { type: "BINARY[]", peek: false, part: [], partial: null },
    { type: "BINARY.SIZE", part: [2, 1] },
  ]);
  assert.deepEqual(items.slice(9).map(fetchResponseName), ["BODY[3.HEADER.FIELDS.NOT (Received)]", "BINARY[1]<100>", "BINARY[]", "BINARY.SIZE[2.1]"]);
});

test("invalid items are BAD", () => {
  const bad = [
    "B1 FETCH 1 (FLAGS",
    "B2 FETCH 1 ()",
    "B3 FETCH 1 (FOO)",
    "B4 FETCH 1 (ALL)",
    "B5 FETCH 1 BODY[MIME]",
    "B6 FETCH 1 BODY[0]",
    "B7 FETCH 1 BODY[1.]",
    "B8 FETCH 1 BODY[HEADER.FIELDS ()]",
    "B9 FETCH 1 BODY[HEADER.FIELDS (Fr:om)]",
    "C1 FETCH 1 BODY[TEXT]<0.0>",
    "C2 FETCH 1 BODY.PEEK",
    "C3 FETCH 1 BINARY[1.TEXT]",
    "C4 FETCH 1 BODY[1]<5>",
    "C5 FETCH 1 BINARY.SIZE[1]<0.1>",
    "C6 FETCH 1 (FLAGS))",
  ];
  for (const line of bad) assert.throws(() => fetch(line), ImapParseError, line);
});
