import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMime } from "../../mime/index.ts";
import { baseSubject, messageKeys, sentTime } from "./sort-keys.ts";

test("RFC 5256 §2.1 base subject: Re:/Fwd:/Fw: leaders, [blob]s, (fwd) trailers, [fwd: …] wrappers, blanks", () => {
  const cases: Array<[string, string, boolean]> = [
    ["Hello", "Hello", false],
    ["Re: Hello", "Hello", true],
    ["RE:  re:Hello  ", "Hello", true],
    ["Fwd: Hello (fwd)", "Hello", true],
    ["Fw: Hello", "Hello", true],
    ["Re[2]: Hello", "Hello", true],
    ["Re: [list] Re: Hello", "Hello", true],
    ["[list] Hello", "Hello", false],
    ["[list][other] Hello", "Hello", false],
    ["[fwd: Re: Hello]", "Hello", true],
    ["[fwd: [fwd: Hello] (fwd)]", "Hello", true],
    ["[only a blob]", "[only a blob]", false],
    ["[a] [b]", "[b]", false],
    ["Rebus", "Rebus", false],
    ["Re Hello", "Re Hello", false],
    ["Hello\tworld", "Hello world", false],
    ["=?UTF-8?Q?Re=3A_Gr=C3=BC=C3=9Fe?=", "Grüße", true],
    ["", "", false],
  ];
  for (const [subject, base, refwd] of cases) assert.deepEqual(baseSubject(subject), { base, replyOrForward: refwd }, subject);
});

test("base subject extraction is linear: 200,000 blobs and leaders", () => {
  const blobs = "[a]".repeat(200_000);
  assert.equal(baseSubject(blobs).base, "[a]");
  assert.equal(baseSubject(`${"Re: ".repeat(200_000)}x`).base, "x");
  assert.equal(baseSubject(`${"[fwd: ".repeat(20_000)}x${"]".repeat(20_000)}`).base, "x");
});

test("RFC 5256 §2.2 sent date: the zone applied, obsolete years and zones, garbage → null", () => {
  assert.equal(sentTime("Mon, 2 Mar 2026 10:00:00 +0100"), Date.UTC(2026, 2, 2, 9, 0, 0));
  assert.equal(sentTime("2 Mar 26 10:00 EST"), Date.UTC(2026, 2, 2, 15, 0, 0));
  assert.equal(sentTime("Tue, 09 Dec 1997 23:59:59 -0800 (PST)"), Date.UTC(1997, 11, 10, 7, 59, 59));
  assert.equal(sentTime("2 Mar 99 10:00:00 GMT"), Date.UTC(1999, 2, 2, 10, 0, 0));
  assert.equal(sentTime("yesterday"), null);
  assert.equal(sentTime("32 Mar 2026 10:00:00 +0000"), null);
});

test("keys from the parsed header: first mailbox, display name or addr-spec (RFC 5957), ids, In-Reply-To fallback", () => {
  const raw = [
    "From: =?UTF-8?Q?J=C3=B6rg?= <joerg@remote.test>, other@remote.test",
    "To: undisclosed:;, <bob@example.test>",
    "Cc: carol@example.test",
    "Subject: Re: [team] Plans",
    "Date: Tue, 10 Mar 2026 09:00:00 +0100",
    "Message-ID: <m2@remote.test>",
    "In-Reply-To: <m1@remote.test>",
    "",
    "body",
  ].join("\r\n");
  const k = messageKeys(parseMime(Buffer.from(raw)));
  assert.deepEqual(k, {
    sent: Date.UTC(2026, 2, 10, 8),
    subject: "PLANS",
    replyOrForward: true,
    from: "JOERG",
    to: "BOB",
    cc: "CAROL",
    displayFrom: "JÖRG",
    displayTo: "BOB@EXAMPLE.TEST",
    messageId: "m2@remote.test",
    references: ["m1@remote.test"],
  });
  const withRefs = messageKeys(parseMime(Buffer.from("References: <a@x>\r\n  <b@x> <c@x>\r\nIn-Reply-To: <c@x>\r\n\r\n")));
  assert.deepEqual([withRefs.references, withRefs.messageId, withRefs.sent, withRefs.from], [["a@x", "b@x", "c@x"], null, null, ""]);
});
