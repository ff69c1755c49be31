import assert from "node:assert/strict";
import { test } from "node:test";
import { fixtures } from "../../test/support/mime-fixtures.ts";
import { assertLinear } from "../../test/support/fuzz.ts";
import { envelope, parseAddressList, parseMime, type ImapAddress } from "./index.ts";

test("bare-LF messages have the same envelope as their CRLF twins", () => {
  for (const [lf, crlf] of [
    [fixtures.plainLf, fixtures.plain],
    [fixtures.mixedLf, fixtures.mixed],
  ] as const) {
    assert.deepEqual(envelope(parseMime(lf)), envelope(parseMime(crlf)));
  }
});

test("envelope fields: sender and reply-to default to from; raw values, encoded-words kept", () => {
  const env = envelope(parseMime(fixtures.alternative));
  assert.equal(env.subject, "=?UTF-8?Q?Summer_sale_=E2=80=93_30=25_off?=");
  assert.deepEqual(env.sender, env.from);
  assert.deepEqual(env.replyTo, [{ name: null, adl: null, mailbox: "support", host: "shop.example" }]);
  assert.equal(env.to?.length, 1);
  assert.equal(env.cc, null);
  const none = envelope(parseMime(Buffer.from("\r\nbody")));
  assert.deepEqual(Object.values(none), [null, null, null, null, null, null, null, null, null, null]);
  // 8-bit text stays as it was; the IMAP side decides how it goes out (imap-server's formatEnvelope).
  assert.deepEqual(envelope(parseMime(fixtures.encoded)).to?.[0], { name: "Jörg Müller", adl: null, mailbox: "joerg", host: "müller.example" });
});

const addr = (name: string | null, adl: string | null, mailbox: string | null, host: string | null): ImapAddress => ({
  name,
  adl,
  mailbox,
  host,
});

test("RFC 5322 Appendix A address forms", () => {
  assert.deepEqual(parseAddressList('"Joe Q. Public" <john.q.public@example.com>'), [
    addr("Joe Q. Public", null, "john.q.public", "example.com"),
  ]);
  assert.deepEqual(parseAddressList("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>"), [
    addr("Mary Smith", null, "mary", "x.test"),
    addr(null, null, "jdoe", "example.org"),
    addr("Who?", null, "one", "y.test"),
  ]);
  assert.deepEqual(parseAddressList('<boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>'), [
    addr(null, null, "boss", "nil.test"),
    addr('Giant; "Big" Box', null, "sysservices", "example.net"),
  ]);
  assert.deepEqual(parseAddressList("A Group:Ed Jones <c@a.test>,joe@where.test;, Undisclosed recipients:;"), [
    addr(null, null, "A Group", null),
    addr("Ed Jones", null, "c", "a.test"),
    addr(null, null, "joe", "where.test"),
    addr(null, null, null, null),
    addr(null, null, "Undisclosed recipients", null),
    addr(null, null, null, null),
  ]);
  // §A.6.3 obsolete forms: spaces around dots, a route, a comment as the name.
  assert.deepEqual(parseAddressList("Joe Q. Public <john.q.public @ example . com>"), [
    addr("Joe Q. Public", null, "john.q.public", "example.com"),
  ]);
  assert.deepEqual(parseAddressList("Mary <@machine.tld:mary@example.net>, jdoe@test  . example (John Doe)"), [
    addr("Mary", "@machine.tld", "mary", "example.net"),
    addr("John Doe", null, "jdoe", "test.example"),
  ]);
});

test("incomplete addresses get Dovecot's placeholders; empty elements are skipped", () => {
  assert.deepEqual(parseAddressList("bare, <>, @host.test, user@"), [
    addr(null, null, "bare", "MISSING_DOMAIN"),
    addr(null, null, "MISSING_MAILBOX", "MISSING_DOMAIN"),
    addr(null, null, "MISSING_MAILBOX", "host.test"),
    addr(null, null, "user", "MISSING_DOMAIN"),
  ]);
  assert.deepEqual(parseAddressList(" , ,, "), []);
  assert.deepEqual(parseAddressList("X <@a.test>"), [addr("X", "INVALID_ROUTE", "MISSING_MAILBOX", "MISSING_DOMAIN")]);
  assert.deepEqual(parseAddressList("unclosed group: a@b.test"), [
    addr(null, null, "unclosed group", null),
    addr(null, null, "a", "b.test"),
    addr(null, null, null, null),
  ]);
});

test("garbage never throws and costs linear time", (t) => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = '<>@,;:"()[]\\. \tab\r\n';
  for (let i = 0; i < 2000; i++) {
    let s = "";
    const len = rand(40);
    for (let j = 0; j < len; j++) s += alphabet[rand(alphabet.length)];
    for (const a of parseAddressList(s)) {
      assert.ok(a.mailbox === null || a.mailbox.length > 0, JSON.stringify(s));
    }
  }
  // Time linear in the length, compared between n and 8n (never an absolute time: machines differ).
  // A domain of many dotted words once cost time quadratic in their number (endsWith on a growing rope).
  const bombs: Array<[string, string]> = [["", "<"], ["", "("], ["", '"'], ["", "a@b,"], ["", ":"], ["", "a b "], ["x@", "a. "]];
  for (const [head, unit] of bombs) {
    t.diagnostic(assertLinear((n) => flat(head + unit.repeat(n)), parseAddressList, { name: JSON.stringify(head + unit), n0: 4096, maxN: 1 << 21 }));
  }
});

/** A sequential copy of a string, as header text decoded from bytes is (repeat() builds a rope). */
function flat(s: string): string {
  return Buffer.from(s, "latin1").toString("latin1");
}

test("a To field with 200,000 addresses gives them all (no spread of the list overflows the stack)", () => {
  const raw = Buffer.from(`From: a@b.test\r\nTo: ${"x@y.test, ".repeat(200_000)}z@y.test\r\nSubject: many\r\n\r\nbody\r\n`);
  const env = envelope(parseMime(raw));
  assert.equal(env.to?.length, 200_001);
  assert.equal(env.to?.at(-1)?.mailbox, "z");
});
