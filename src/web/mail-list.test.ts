import { test } from "node:test";
import assert from "node:assert/strict";
import { appendMessages, BlobGoneError, newestMessages, storeFlags } from "../store/index.ts";
import { withTestAccount } from "../../test/support/store.ts";
import { folderPage, hasAttachment, paging, searchKey, senderOf, summarize, SummaryCache } from "./mail-list.ts";
import { parseMime } from "../mime/index.ts";

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join("\r\n"));

test("paging: 50 a page, at least one page, past the last is the last, below 1 is the first", () => {
  assert.deepEqual(paging(0, 1), { page: 1, pages: 1, offset: 0 });
  assert.deepEqual(paging(0, 7), { page: 1, pages: 1, offset: 0 });
  assert.deepEqual(paging(50, 2), { page: 1, pages: 1, offset: 0 });
  assert.deepEqual(paging(51, 2), { page: 2, pages: 2, offset: 50 });
  assert.deepEqual(paging(120, 3), { page: 3, pages: 3, offset: 100 });
  assert.deepEqual(paging(120, 99), { page: 3, pages: 3, offset: 100 });
  assert.deepEqual(paging(120, 0), { page: 1, pages: 3, offset: 0 });
  assert.deepEqual(paging(100_000, 2), { page: 2, pages: 2000, offset: 50 });
});

test("senderOf: the first mailbox, its name decoded (RFC 2047), the address when there is no name; groups skipped", () => {
  assert.deepEqual(senderOf("=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <juergen@example.de>"), { name: "Jürgen Müller", address: "juergen@example.de" });
  assert.deepEqual(senderOf('"Doe, John" <jd@example.com>, other@example.com'), { name: "Doe, John", address: "jd@example.com" });
  assert.deepEqual(senderOf("=?ISO-8859-1?Q?Andr=E9?= Pirard <a@b.example>"), { name: "André Pirard", address: "a@b.example" });
  assert.deepEqual(senderOf("bob@example.test"), { name: "bob@example.test", address: "bob@example.test" });
  assert.deepEqual(senderOf("Team: ann@example.test;"), { name: "ann@example.test", address: "ann@example.test" });
  assert.equal(senderOf("undisclosed-recipients:;"), null);
  assert.equal(senderOf(""), null);
  // An encoded control character or a very long name cannot break the row.
  const s = senderOf(`=?UTF-8?Q?evil=0D=0Aname?= <e@x.example>`);
  assert.equal(s?.name, "evil name");
  assert.ok((senderOf(`${"x".repeat(5000)} <l@x.example>`)?.name.length ?? 0) <= 301);
});

test("summarize: encoded subject and sender, the Date header, and missing headers", () => {
  const s = summarize(crlf(["From: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= <g@example.de>", "Subject: =?UTF-8?B?w5xiZXJ3ZWlzdW5n?= =?UTF-8?B?IGVyaGFsdGVu?=", "Date: Fri, 4 Dec 2026 10:00:00 +0000", "", "Hallo", ""]));
  assert.deepEqual(s, { from: { name: "Grüße", address: "g@example.de" }, to: null, recipients: 0, subject: "Überweisung erhalten", date: Date.UTC(2026, 11, 4, 10), attachment: false });
  const none = { from: null, to: null, recipients: 0, subject: "", date: null, attachment: false };
  assert.deepEqual(summarize(crlf(["X-Nothing: here", "", "body"])), none);
  assert.deepEqual(summarize(Buffer.from("")), none);
  // Recipients: To's mailboxes, then Cc's; a group's markers are not recipients (RFC 5322 §3.4).
  const sent = summarize(crlf(["To: =?UTF-8?Q?J=C3=BCrgen?= <j@example.de>, team: a@example.de, b@example.de;", "Cc: c@example.de", "", ""]));
  assert.deepEqual([sent.to, sent.recipients], [{ name: "Jürgen", address: "j@example.de" }, 4]);
  assert.deepEqual(summarize(crlf(["Cc: c@example.de", "", ""])).to, { name: "c@example.de", address: "c@example.de" });
  assert.equal(summarize(crlf(["Subject: bad date", "Date: someday", "", ""])).date, null);
});

function mixed(parts: string[][]): Buffer {
  const lines = ["From: a@example.test", 'Content-Type: multipart/mixed; boundary="b"', "", "preamble"];
  for (const p of parts) lines.push("--b", ...p);
  lines.push("--b--", "");
  return crlf(lines);
}

test("hasAttachment: Content-Disposition attachment, or a named non-text leaf; not text and alternatives", () => {
  const mark = (raw: Buffer): boolean => hasAttachment(parseMime(raw));
  const text = ["Content-Type: text/plain", "", "hello"];
  assert.equal(mark(mixed([text, ["Content-Type: application/pdf", "Content-Disposition: attachment; filename=a.pdf", "Content-Transfer-Encoding: base64", "", "JVBERg=="]])), true);
  assert.equal(mark(mixed([text, ["Content-Type: text/plain", "Content-Disposition: attachment", "", "notes"]])), true, "a text part given as an attachment");
  assert.equal(mark(mixed([text, ['Content-Type: image/png; name="logo.png"', "", "x"]])), true, "a named image without a disposition");
  assert.equal(mark(mixed([text, ['Content-Type: text/plain; name="a.txt"', "", "x"]])), false, "a named text part shown inline");
  assert.equal(mark(mixed([text, ["Content-Type: image/png", "Content-Disposition: inline", "", "x"]])), false, "an unnamed inline image");
  const alternative = crlf(["Content-Type: multipart/alternative; boundary=a", "", "--a", "Content-Type: text/plain", "", "hi", "--a", "Content-Type: text/html", "", "<p>hi</p>", "--a--", ""]);
  assert.equal(mark(alternative), false);
  assert.equal(mark(crlf(['Content-Type: application/pdf; name="scan.pdf"', "", "x"])), true, "a whole message that is one named file");
  assert.equal(mark(crlf(["Subject: plain", "", "text"])), false);
});

test("searchKey: IMAP SEARCH keys; 'to' is To or Cc, 'all' any field or the body", () => {
  assert.deepEqual(searchKey("from", "ann"), { type: "header", field: "From", value: "ann" });
  assert.deepEqual(searchKey("to", "bob"), { type: "or", keys: [{ type: "header", field: "To", value: "bob" }, { type: "header", field: "Cc", value: "bob" }] });
  assert.deepEqual(searchKey("body", "x"), { type: "body", value: "x" });
  const all = searchKey("all", "q");
  assert.equal(all.type === "or" ? all.keys.length : 0, 5);
});

test("SummaryCache: one read per blob however many ask, kept afterwards; a gone file is null; reads are bounded", async () => {
  let reads = 0;
  let open = 0;
  let most = 0;
  const cache = new SummaryCache(
    async (blob) => {
      reads++;
      open++;
      most = Math.max(most, open);
      await new Promise((r) => setTimeout(r, 5));
      open--;
      if (blob === "gone") throw new BlobGoneError(blob);
      return crlf([`Subject: ${blob}`, "", ""]);
    },
    { readers: 2 },
  );
  const [a, b] = await Promise.all([cache.get("one", 10), cache.get("one", 10)]);
  assert.equal(a?.subject, "one");
  assert.equal(a, b);
  assert.equal(reads, 1);
  assert.equal((await cache.get("one", 10))?.subject, "one");
  assert.equal(reads, 1, "kept");
  assert.equal(await cache.get("gone", 10), null);
  const many = await Promise.all(Array.from({ length: 10 }, (_, i) => cache.get(`m${i}`, 10)));
  assert.deepEqual(many.map((s) => s?.subject), Array.from({ length: 10 }, (_, i) => `m${i}`));
  assert.ok(most <= 2, `at most 2 reads at a time, saw ${most}`);
});

test("folderPage: newest first, 50 a page, the last page partial; flags; a search pages its own results", async () => {
  await withTestAccount(async (store, { inbox }) => {
    const messages = Array.from({ length: 120 }, (_, i) => ({
      bytes: crlf([`From: Sender ${i} <s${i}@example.test>`, `To: ${i % 10 === 0 ? "tenth" : "other"}@example.test`, `Subject: message ${i + 1}`, "", `body ${i % 3 === 0 ? "pineapple" : "plain"}`, ""]),
      flags: i === 119 ? "\\Seen \\Flagged \\Answered" : "",
      internalDate: Date.UTC(2026, 0, 1) + i * 60_000,
    }));
    await appendMessages(store, inbox, messages);
    const first = await folderPage(store, inbox, { page: 1 });
    assert.equal(first.total, 120);
    assert.deepEqual(first.paging, { page: 1, pages: 3, offset: 0 });
    assert.deepEqual(first.rows.map((r) => r.uid), Array.from({ length: 50 }, (_, i) => 120 - i));
    const top = first.rows[0];
    assert.ok(top !== undefined);
    assert.deepEqual([top.subject, top.from?.address, top.seen, top.flagged, top.answered], ["message 120", "s119@example.test", true, true, true]);
    assert.equal(top.date, Date.UTC(2026, 0, 1) + 119 * 60_000, "no Date header: the internal date");
    assert.equal(first.rows[1]?.seen, false);
    const last = await folderPage(store, inbox, { page: 3 });
    assert.deepEqual(last.rows.map((r) => r.uid), Array.from({ length: 20 }, (_, i) => 20 - i));
    // Every page, walked from either end (past the middle from the oldest), is the slice of the newest-first order.
    const all = Array.from({ length: 120 }, (_, i) => 120 - i);
    for (const offset of [0, 10, 50, 59, 60, 61, 70, 100, 118, 119, 120, 150]) {
      assert.deepEqual((await newestMessages(store.db, inbox, offset, 50, 120)).map((r) => r.uid), all.slice(offset, offset + 50), `offset ${offset}`);
    }

    // Found: 40 bodies with "pineapple" (i % 3 == 0), newest first, paged the same way.
    const found = await folderPage(store, inbox, { page: 1, search: { field: "body", q: "Pineapple" } });
    assert.equal(found.total, 40);
    assert.deepEqual(found.rows.slice(0, 3).map((r) => r.uid), [118, 115, 112]);
    // 80 bodies say "plain": two pages of results, the second one with the oldest 30.
    const plain = Array.from({ length: 120 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => i + 1).reverse();
    const more = await folderPage(store, inbox, { page: 2, search: { field: "body", q: "plain" } });
    assert.deepEqual([more.total, more.paging.page, more.paging.pages], [80, 2, 2]);
    assert.deepEqual(more.rows.map((r) => r.uid), plain.slice(50));
    const to = await folderPage(store, inbox, { page: 1, search: { field: "to", q: "tenth@" } });
    assert.deepEqual(to.rows.map((r) => r.uid), [111, 101, 91, 81, 71, 61, 51, 41, 31, 21, 11, 1]);
    const subject = await folderPage(store, inbox, { page: 1, search: { field: "subject", q: "message 7" } });
    assert.deepEqual(subject.rows.map((r) => r.uid).sort((a, b) => a - b), [7, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79]);
    // A flag set over IMAP's store function shows on the next page read.
    await storeFlags(store, inbox, [120], "remove", ["\\Seen"]);
    assert.equal((await folderPage(store, inbox, { page: 1 })).rows[0]?.seen, false);
  });
});
