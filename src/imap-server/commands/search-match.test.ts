import { test } from "node:test";
import assert from "node:assert/strict";
import { encoded, mixed, plain } from "../../../test/support/mime-fixtures.ts";
import { parseMime } from "../../mime/index.ts";
import { parseCommand, readSearchProgram } from "../parser/index.ts";
import { assertLinear } from "../../../test/support/fuzz.ts";
import { addressText, headerIndexOf, headerText, headerTextOf } from "./search-headers.ts";
import { bodyText, commonFields, compileSearch, dayOf, headerMatch, searchNeeds, sentDay, type SearchSubject } from "./search-match.ts";

function key(text: string): ReturnType<typeof readSearchProgram>["key"] {
  const c = parseCommand(Buffer.from(`a SEARCH ${text}`), { utf8: true });
  c.args.sp();
  return readSearchProgram(c.args, { esearch: false }).key;
}

async function subject(raw: Buffer, over: Partial<SearchSubject> = {}): Promise<SearchSubject> {
  const tree = parseMime(raw);
  const headers = await headerIndexOf(raw, tree);
  return {
    seq: 1,
    uid: 10,
    flags: new Set(["\\seen"]),
    recent: false,
    size: raw.length,
    internalDate: Date.UTC(2024, 5, 5, 23, 30),
    headers,
    common: commonFields(headers),
    sentDay: sentDay(tree.headers),
    modseq: 7,
    body: () => bodyText(raw, tree),
    text: () => `${headerText(raw, tree)}\n${bodyText(raw, tree)}`,
    ...over,
  };
}

const run = (text: string, m: SearchSubject, scope = { exists: 3, maxUid: 12 }): boolean => compileSearch(key(text), scope)(m);

test("RFC 2047 encoded-words are decoded for matching (mime's decoder); adjacent ones join", async () => {
  const raw = Buffer.from(
    "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <a@b>\r\nSubject: =?UTF-8?B?44GT44KT?= =?UTF-8?Q?_x?=\r\n" +
      "X-Odd: =?bogus-charset?Q?abc?=\r\n\r\nbody\r\n",
  );
  const m = await subject(raw);
  assert.ok(run('FROM "andré pirard"', m));
  assert.ok(run('SUBJECT "こん x"', m));
  // An unknown charset keeps the word as written (RFC 2047 §6.2): its text is still there to find.
  assert.ok(run('HEADER X-Odd "=?bogus-charset?q?abc?="', m));
});

test("Date header days, obsolete years included; internal dates by UTC day", () => {
  const day = (v: string): number | null => sentDay(parseMime(Buffer.from(`Date: ${v}\r\n\r\n`)).headers);
  assert.equal(day("Mon, 3 Jun 2024 11:15:00 +0200"), 20240603);
  assert.equal(day("7 Jun 24 09:00 GMT"), 20240607);
  assert.equal(day("7 Jun 99 09:00 GMT"), 19990607);
  assert.equal(day("garbage"), null);
  assert.equal(dayOf(Date.UTC(2024, 5, 5, 23, 30)), 20240605);
});

test("header, body and text keys match case-insensitively, decoded", async () => {
  const p = await subject(plain);
  assert.ok(run('FROM "ALICE example"', p));
  assert.ok(run("SUBJECT thursday", p));
  assert.ok(run('HEADER Message-ID ""', p), "empty value: the field is present");
  assert.ok(!run('HEADER X-Missing ""', p));
  assert.ok(run("BODY \"usual PLACE\"", p));
  assert.ok(!run("BODY lunch-not-there", p));
  const e = await subject(encoded);
  assert.ok(run('FROM "andré"', e));
  assert.ok(run('SUBJECT "こんにちは"', e));
  assert.ok(run('TEXT "grüße"', e));
  const m = await subject(mixed);
  assert.ok(searchNeeds(key("BODY x")).body && !searchNeeds(key("FLAGGED")).rows);
  // RFC 7162 §3.1.5: MODSEQ n matches a modseq of n or more, with or without an entry name.
  assert.ok(searchNeeds(key("MODSEQ 7")).modseq && !searchNeeds(key("MODSEQ 7")).rows);
  assert.ok(run("MODSEQ 7", m) && !run("MODSEQ 8", m) && run('MODSEQ "/flags/\\\\Seen" all 3', m));
  assert.ok(run('BODY "numbers look good"', m), "text inside an attached message");
  assert.ok(run('BODY "heidi@example.org"', m), "the attached message's header is part of the body");
  assert.ok(!run(`BODY "%PDF"`, m), "non-text attachments are not searched");
  assert.ok(!run("BODY preamble", m));
  assert.ok(run('TEXT "quarterly report" CC grace BCC audit TO frank', m));
});

test("a UTF-8 field matches beside a field with a raw Latin-1 byte: each field is decoded on its own", async () => {
  const raw = Buffer.concat([Buffer.from("Subject: Grüße aus Köln\r\nX-Old: caf"), Buffer.from([0xe9]), Buffer.from("\r\n\r\nbody\r\n")]);
  const m = await subject(raw);
  assert.ok(run('SUBJECT "grüße"', m), "the UTF-8 Subject (RFC 6532)");
  assert.ok(run('HEADER X-Old "café"', m), "the Latin-1 field, byte for character");
  assert.ok(run('TEXT "köln"', m));
});

test("flags, sizes, dates, sequence and UID sets, NOT/OR/AND", async () => {
  const p = await subject(plain);
  assert.ok(run("SEEN UNFLAGGED", p));
  assert.ok(!run("NOT SEEN", p));
  assert.ok(run("OR FLAGGED SEEN", p));
  assert.ok(run(`LARGER ${plain.length - 1} SMALLER ${plain.length + 1}`, p));
  assert.ok(run("ON 5-Jun-2024 SINCE 5-Jun-2024 BEFORE 6-Jun-2024", p));
  assert.ok(run("SENTON 3-Jun-2024 SENTBEFORE 4-Jun-2024 NOT SENTSINCE 4-Jun-2024", p));
  assert.ok(run("SENTON 5-Jun-2024", await subject(Buffer.from("Subject: no date\r\n\r\n"))), "no Date: the internal date");
  assert.ok(run("1 UID 10", p));
  assert.ok(run("UID 11:*", await subject(plain, { uid: 12 })));
  assert.ok(!run("2:*", p));
  assert.ok(run("*", await subject(plain, { seq: 3 })));
  assert.ok(!run("RECENT", p));
  assert.ok(run("OLD NOT (OR NEW DRAFT)", p));
  const recentUnseen = await subject(plain, { recent: true, flags: new Set() });
  assert.ok(run("RECENT NEW NOT OLD", recentUnseen));
  assert.ok(!run("NEW", await subject(plain, { recent: true })), "NEW is RECENT UNSEEN");
});

test("a field behind 80,000 junk header lines is still found (HEADER, TEXT), and absent ones are not", async () => {
  const raw = Buffer.from(`Subject: flood\r\n${"X\r\n".repeat(80_000)}X-Hidden: Needle-7\r\n\r\nbody\r\n`);
  const m = await subject(raw);
  assert.ok(run("HEADER X-Hidden needle-7", m));
  assert.ok(run('HEADER X-Hidden ""', m));
  assert.ok(!run("HEADER X-Hidden needle-8", m));
  assert.ok(!run("HEADER X-Other needle-7", m));
  assert.ok(run("TEXT needle-7", m));
});

test("a huge header is indexed in slices: other work runs meanwhile, and the index has every field", async () => {
  const raw = Buffer.from(`Subject: flood\r\n${"X-A: b\r\n".repeat(80_000)}X-Hidden: =?utf-8?q?Needle?=\r\n\r\nbody\r\n`);
  const tree = parseMime(raw);
  let ranMeanwhile = false;
  setImmediate(() => (ranMeanwhile = true));
  const index = await headerIndexOf(raw, tree);
  assert.ok(ranMeanwhile, "the event loop ran while the index was built");
  assert.equal(index, `\nsubject:flood${"\nx-a:b".repeat(80_000)}\nx-hidden:needle`, "as if built at once");
  assert.equal(index.split("\n").length, 80_003);
  assert.equal(await headerTextOf(raw, tree), headerText(raw, tree), "TEXT's header, with pauses and at once");
});

test("HEADER matching is linear in the header: many fields of the name, the needle only at the end", (t) => {
  // The index as headerIndexOf builds it: "\nname:value" per field.
  const index = (fields: string, last: string) => (n: number): string => Buffer.from(fields.repeat(n) + last).toString("latin1");
  const late = index("\nx-a:b", "\nx-a:needle");
  t.diagnostic(assertLinear(late, (ix) => assert.ok(headerMatch(ix, "x-a", "needle")), { name: "match at the end", n0: 4096, maxN: 1 << 22 }));
  t.diagnostic(assertLinear(late, (ix) => assert.ok(!headerMatch(ix, "x-a", "needle-not-there")), { name: "no match", n0: 4096, maxN: 1 << 22 }));
  const elsewhere = index("\nx-a:b\nx-b:needle", "");
  t.diagnostic(assertLinear(elsewhere, (ix) => assert.ok(!headerMatch(ix, "x-a", "needle")), { name: "needle in other fields", n0: 4096, maxN: 1 << 22 }));
});

test("address fields match by address (RFC 3501 §6.4.4, as Dovecot): display name, mailbox, host, mailbox@host, in every form", async () => {
  const from = async (value: string): Promise<SearchSubject> => subject(Buffer.from(`From: ${value}\r\nTo: x@y\r\nSubject: s\r\n\r\nbody\r\n`));
  const forms = [
    "user-from@domain.org",
    "<user-from@domain.org>",
    '"From, User" <user-from@domain.org>',
    '"user-from"@domain.org',
    "User From <user-from@\r\n domain.org>",
    "user-from(the sender)@domain.org",
    "user-from @ domain.org (User)",
    "Team: other@elsewhere.test, user-from@domain.org;",
    "<@route.example:user-from@domain.org>",
    "=?utf-8?q?From=2C_User?= <USER-FROM@DOMAIN.ORG>",
  ];
  for (const f of forms) {
    const m = await from(f);
    for (const needle of ["user-from@domain.org", "USER-FROM", "domain.org", "from@domain"]) assert.ok(run(`FROM ${needle}`, m), `${needle} in ${JSON.stringify(f)}`);
  }
  // Display names: quoted, with a comma, from a comment, encoded (RFC 2047), a group's name.
  assert.ok(run('FROM "from, user"', await from('"From, User" <u@d>')));
  assert.ok(run('FROM "From, User <u@d>"', await from('"From, User" <u@d>')), "the address as written out");
  assert.ok(run("FROM sender", await from("u(the sender)@d")));
  assert.ok(run('FROM "jürgen müller"', await from("=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@d>")));
  assert.ok(run("CC team", await subject(Buffer.from("Cc: Team: a@x.test, b@y.test;\r\n\r\n"))));
  assert.ok(run("BCC b@y.test", await subject(Buffer.from("Bcc: Team: a@x.test, b@y.test;\r\n\r\n"))));
  // A match never spans two addresses, and the parts a header does not have are not invented.
  assert.ok(!run('FROM "x.test, b"', await from("a@x.test, b@y.test")));
  assert.ok(!run("FROM missing_domain", await from("localonly")));
  assert.ok(run("FROM localonly", await from("localonly")));
  assert.ok(!run("FROM user-from@domain.org", await from("Someone <user-from@other.example>")));
  assert.ok(run("FROM user-from@domain.org", await from('"user-from@domain.org" <x@other.test>')), "a display name holding the text matches, as on Dovecot");
});

test("address matching is linear in the header: a From of many addresses, comments and quotes", (t) => {
  const from = (n: number): string => `${'"a, (b)" <x@y>, c(d)@e, =?utf-8?q?N=C3=A4me?= <n@m>, '.repeat(n)}last@end.test`;
  t.diagnostic(assertLinear(from, (v) => assert.ok(addressText(v).endsWith("last@end.test")), { name: "addressText", n0: 256, maxN: 1 << 16 }));
});
