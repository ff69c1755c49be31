import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeMailboxName, decodeMailboxName, isPlainMailboxName } from "./utf7.ts";
import { MailboxNameError } from "./errors.ts";

const PAIRS: Array<[string, string]> = [
  ["Entwürfe", "Entw&APw-rfe"],
  ["&", "&-"],
  ["Tom & Jerry", "Tom &- Jerry"],
  ["日本語", "&ZeVnLIqe-"],
  ["~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"],
  ["INBOX", "INBOX"],
  ["", ""],
  ["😀 Smile", "&2D3eAA- Smile"],
  ["a/é", "a/&AOk-"],
];

test("round trips (RFC 3501 §5.1.3 examples and more)", () => {
  for (const [utf8, mutf7] of PAIRS) {
    assert.equal(encodeMailboxName(utf8), mutf7, utf8);
    assert.equal(decodeMailboxName(mutf7), utf8, mutf7);
  }
});

test("invalid modified UTF-7 is refused with MailboxNameError (NO)", () => {
  const bad = [
    "Entw&APw", // unterminated &
    "&Jjo!-", // not base64
    "&AGE-", // printable ASCII "a" encoded
    "&ACY-", // "&" encoded instead of &-
    "&AOQ-&APw-", // two adjacent encoded runs (one run is the canonical form)
    "&AOQ=-", // padding
    "&APw/-", // "/" instead of ","
    "&AP-", // a half UTF-16 unit
    "&APx-", // non-zero leftover bits
    "&2D0-", // a lone high surrogate
    "Entwürfe", // raw 8-bit
    "a\tb", // control character
  ];
  for (const name of bad) assert.throws(() => decodeMailboxName(name), MailboxNameError, name);
  assert.throws(() => decodeMailboxName("&AGE-"), (e) => e instanceof MailboxNameError && e.status === "NO");
});

test("encoding a string with a lone surrogate is a programming error", () => {
  assert.throws(() => encodeMailboxName("a\ud800"), TypeError);
});

test("isPlainMailboxName", () => {
  assert.equal(isPlainMailboxName("Sent Items"), true);
  assert.equal(isPlainMailboxName("A&B"), false);
  assert.equal(isPlainMailboxName("Entwürfe"), false);
});
