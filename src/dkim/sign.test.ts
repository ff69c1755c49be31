import { before, test } from "node:test";
import assert from "node:assert/strict";
import { dkimVerify, type DKIMResult } from "mailauth";
import { keyRecords, newKeys, type DkimKey } from "./index.ts";
import { DkimSignError, MAX_HEADER, relaxedField, signatures, type SigningKey } from "./sign.ts";

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
  const head = (await signatures([Buffer.from(MESSAGE)], DOMAIN, keys)).toString();
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
  const signed = (await signatures([Buffer.from(MESSAGE)], DOMAIN, keys)).toString() + MESSAGE;
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
  await assert.rejects(signatures([Buffer.from("To: bob@example.com\r\nSubject: x\r\n\r\nbody\r\n")], DOMAIN, keys), (e: unknown) => {
    assert.ok(e instanceof DkimSignError);
    assert.match(e.message, /^ENOFROM: /);
    assert.doesNotMatch(e.message, /PRIVATE|MII/);
    return true;
  });
});

test("a UTF-8 header (SMTPUTF8) and a body of 8-bit bytes sign as their bytes: mailauth's verifier passes", async () => {
  const message = "From: J\u00fcrgen <j\u00fcrgen@example.org>\r\nTo: b@example.com\r\nSubject: Gr\u00fc\u00dfe\r\n\r\nSch\u00f6ne Gr\u00fc\u00dfe\r\n";
  const head = (await signatures([Buffer.from(message)], DOMAIN, keys)).toString("latin1");
  const signed = Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(message)]);
  assert.deepEqual((await verify(signed)).map((r) => r.status.result), ["pass", "pass"]);
});

test("RFC 6376 §3.4.5's example, relaxed: header fields", () => {
  assert.equal(relaxedField("A", " X\r\n"), "a:X\r\n");
  assert.equal(relaxedField("B", " Y\t\r\n\tZ  \r\n"), "b:Y Z\r\n");
});

test("a message in parts as SMTP read them (the header and CRLFs split between parts) signs as the whole: mailauth's verifier passes", async () => {
  const whole = Buffer.from(`${MESSAGE}a line  \r\n\r\nand \t the last\r\n\r\n`);
  const signedWhole = (await signatures([whole], DOMAIN, keys, 0)).toString("latin1");
  for (const cuts of [[1], [30, 31], [MESSAGE.length - 1, MESSAGE.length + 11, MESSAGE.length + 12], [...Array(whole.length - 1).keys()].map((i) => i + 1)]) {
    const parts = [0, ...cuts, whole.length].slice(1).map((end, i, ends) => whole.subarray(i === 0 ? 0 : (ends[i - 1] ?? 0), end));
    const head = (await signatures(parts, DOMAIN, keys, 0)).toString("latin1");
    assert.equal(tag(head, "bh"), tag(signedWhole, "bh"), `cut at ${cuts.length > 5 ? "every byte" : cuts.join(", ")}`);
    assert.deepEqual((await verify(Buffer.concat([Buffer.from(head, "latin1"), ...parts]))).map((r) => r.status.result), ["pass", "pass"]);
  }
});

test("a header section longer than the signer reads is not signed: a DkimSignError", async () => {
  const long = Buffer.from(`From: a@example.org\r\n${"X-Filler: 0123456789abcdef0123456789abcdef\r\n".repeat(MAX_HEADER / 40)}\r\nbody\r\n`);
  await assert.rejects(signatures([long], DOMAIN, keys), (e: unknown) => e instanceof DkimSignError && /^EHEADER: /.test(e.message));
});
