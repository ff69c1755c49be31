import { before, test } from "node:test";
import assert from "node:assert/strict";
import { dkimVerify, type DKIMResult } from "mailauth";
import { keyRecords, newKeys, type DkimKey } from "./index.ts";
import { DkimSignError, RelaxedBody, relaxedField, signatures, type SigningKey } from "./sign.ts";

const DOMAIN = "example.org";
let keys: Array<SigningKey & DkimKey>;

before(async () => {
  const made = await newKeys();
  keys = made.keys.map((k) => ({ ...k, selector: `sp2026a-${k.algorithm === "rsa" ? "rsa" : "ed"}`, state: "active", createdAt: 0, activatedAt: 0, retiredAt: null }));
});

/** A DNS for mailauth's verifier serving the keys' records. */
function resolverFor(records = keyRecords(DOMAIN, keys)) {
  return async (name: string, type: string): Promise<string[][]> => {
    const r = records.find((x) => x.name === `${name}.`);
    if (type !== "TXT" || r === undefined) throw Object.assign(new Error(`${name}: not found`), { code: "ENOTFOUND" });
    return [[r.value]];
  };
}

const MESSAGE = [
  "Received: from client (client [192.0.2.1]) by mx.example.org",
  "From: Alice <alice@example.org>",
  "To: Bob <bob@example.com>",
  "Subject: the quarterly",
  "  figures",
  "Date: Mon, 07 Dec 2026 10:00:00 +0000",
  "Message-ID: <1@example.org>",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Hello Bob,",
  "the figures are attached.",
  "",
].join("\r\n");

async function verify(message: Buffer | string): Promise<DKIMResult[]> {
  return (await dkimVerify(message, { resolver: resolverFor() })).results;
}

const tag = (header: string, name: string): string => new RegExp(`(?:^|;)\\s*${name}=([^;]*)`).exec(header.replace(/\r\n\s+/g, " "))?.[1]?.trim() ?? "";

test("two signatures, ed25519-sha256 and rsa-sha256, relaxed/relaxed, that mailauth's verifier passes", async () => {
  const head = (await signatures(Buffer.from(MESSAGE), DOMAIN, keys)).toString();
  const fields = head.split(/\r\n(?=DKIM-Signature:)/).map((f) => f.trim());
  assert.equal(fields.length, 2);
  assert.deepEqual(fields.map((f) => [tag(f, "a"), tag(f, "c"), tag(f, "d"), tag(f, "s")]), [
    ["ed25519-sha256", "relaxed/relaxed", DOMAIN, "sp2026a-ed"],
    ["rsa-sha256", "relaxed/relaxed", DOMAIN, "sp2026a-rsa"],
  ]);
  const h = tag(fields[0] ?? "", "h").split(":").map((n) => n.trim().toLowerCase());
  assert.deepEqual(h.filter((n) => n === "from"), ["from", "from"], "From is oversigned");
  for (const n of ["to", "subject", "date", "message-id", "mime-version", "content-type"]) assert.ok(h.includes(n), `${n} is signed`);
  assert.ok(!h.includes("received"), "Received is not signed (relays add their own)");
  const results = await verify(head + MESSAGE);
  assert.deepEqual(results.map((r) => [r.selector, r.status.result]), [["sp2026a-ed", "pass"], ["sp2026a-rsa", "pass"]]);
});

test("what a relay may do passes (refolding, blanks at line ends, a Received on top); a changed body byte, a second From or a changed Subject fails", async () => {
  const signed = (await signatures(Buffer.from(MESSAGE), DOMAIN, keys)).toString() + MESSAGE;
  const relaxed = `Received: by relay.example.net\r\n${signed.replace("Subject: the quarterly\r\n  figures", "Subject:   the quarterly figures  ").replace("Hello Bob,", "Hello Bob,   ")}`;
  assert.deepEqual((await verify(relaxed)).map((r) => r.status.result), ["pass", "pass"]);

  // mailauth reports a body hash mismatch as "neutral (body hash did not verify)", a header change as "fail".
  const cases: Array<[string, string, RegExp]> = [
    ["a changed body byte", signed.replace("attached", "attacked"), /^dkim=neutral \(body hash did not verify\)/],
    ["a second From on top", `From: Mallory <ceo@example.org>\r\n${signed}`, /^dkim=fail \(bad signature\)/],
    ["a changed Subject", signed.replace("quarterly", "yearly"), /^dkim=fail \(bad signature\)/],
  ];
  for (const [what, message, info] of cases) {
    const results = await verify(message);
    assert.equal(results.length, 2, what);
    for (const r of results) assert.match(r.info, info, what);
  }
});

test("a message without From cannot be signed: a DkimSignError naming why, with no key material", async () => {
  await assert.rejects(signatures(Buffer.from("To: bob@example.com\r\nSubject: x\r\n\r\nbody\r\n"), DOMAIN, keys), (e: unknown) => {
    assert.ok(e instanceof DkimSignError);
    assert.match(e.message, /^ENOFROM: /);
    assert.doesNotMatch(e.message, /PRIVATE|MII/);
    return true;
  });
});

/** The relaxed body as a latin1 string. */
function relaxed(raw: Buffer, start = 0, slice = raw.length): string {
  const chunks: Buffer[] = [];
  const body = new RelaxedBody((c) => chunks.push(Buffer.from(c)));
  for (let at = start; at < raw.length; at += slice) body.feed(raw, at, Math.min(raw.length, at + slice));
  body.end();
  return Buffer.concat(chunks).toString("latin1");
}

test("RFC 6376 §3.4.5's example, relaxed: header fields and body", () => {
  assert.equal(relaxedField("A", " X\r\n"), "a:X\r\n");
  assert.equal(relaxedField("B", " Y\t\r\n\tZ  \r\n"), "b:Y Z\r\n");
  assert.equal(relaxed(Buffer.from("H: v\r\n\r\n C \r\nD \t E\r\n\r\n\r\n"), 8), " C\r\nD E\r\n");
});

test("relaxed body: empty stays empty, a missing last CRLF is added, bare LF is a line end, whitespace-only lines at the end go", () => {
  const body = (s: string): string => relaxed(Buffer.from(s, "latin1"));
  assert.equal(body(""), "");
  assert.equal(body("\r\n\r\n"), "");
  assert.equal(body("x"), "x\r\n");
  assert.equal(body("a\nb  \n"), "a\r\nb\r\n");
  assert.equal(body("a\r\n \t\r\n\t\r\n"), "a\r\n");
  assert.equal(body("caf\xe9\r\n"), "caf\xe9\r\n", "bytes stay as they are");
  assert.equal(body("a\rb \r\n"), "a\rb\r\n", "a lone CR is a byte like others");
  assert.equal(body(`${"x ".repeat(70_000)}\r\n`), `${"x ".repeat(69_999)}x\r\n`, "across the chunks");
});

/** RFC 6376 §3.4.4 word for word, by regular expressions: the reference the one-pass code is held to. */
function reference(s: string): string {
  const lines = s.replace(/(?<!\r)\n/g, "\r\n").split("\r\n").map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`;
}

test("relaxed body fed in slices: a CRLF split between two slices is one line end", () => {
  assert.equal(relaxed(Buffer.from("ab\r\ncd"), 0, 3), "ab\r\ncd\r\n");
  assert.equal(relaxed(Buffer.from("ab \r\ncd"), 0, 3), "ab\r\ncd\r\n");
});

test("relaxed body: 5,000 random bodies of blanks, line ends, lone CRs, letters and long words come out as the RFC's rules say", () => {
  // A long word too: runs past 512 bytes go on uncopied, and must keep their place among the rest.
  const alphabet = [" ", "\t", "\r", "\n", "\r\n", "a", "b", "\xe9", "w".repeat(700)];
  // xorshift32: deterministic, and its low bits are as random as its high ones.
  let seed = 2463534242;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  for (let k = 0; k < 5000; k++) {
    let s = "";
    for (let len = next() % 40; len > 0; len--) s += alphabet[next() % alphabet.length];
    const raw = Buffer.from(s, "latin1");
    assert.equal(relaxed(raw), reference(s), JSON.stringify(s));
    const slice = 1 + (next() % 6);
    assert.equal(relaxed(raw, 0, slice), reference(s), `${JSON.stringify(s)} fed in slices of ${slice}`);
  }
});

test("hostile bodies (a megabyte of blanks, of empty lines, of blanks before every line end) are canonicalized in one pass", () => {
  const mb = 1 << 20;
  assert.equal(relaxed(Buffer.from(`${" ".repeat(mb)}x`)), " x\r\n");
  assert.equal(relaxed(Buffer.from(`x${"\r\n".repeat(mb)}`)), "x\r\n");
  assert.equal(relaxed(Buffer.from(`${"\r\n".repeat(mb)}x`)), `${"\r\n".repeat(mb)}x\r\n`);
  assert.equal(relaxed(Buffer.from(" \t\r\n".repeat(mb))), "");
});

test("a UTF-8 header (SMTPUTF8) and a body of 8-bit bytes sign as their bytes: mailauth's verifier passes", async () => {
  const message = "From: J\u00fcrgen <j\u00fcrgen@example.org>\r\nTo: b@example.com\r\nSubject: Gr\u00fc\u00dfe\r\n\r\nSch\u00f6ne Gr\u00fc\u00dfe\r\n";
  const head = (await signatures(Buffer.from(message), DOMAIN, keys)).toString("latin1");
  const signed = Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(message)]);
  assert.deepEqual((await verify(signed)).map((r) => r.status.result), ["pass", "pass"]);
});
