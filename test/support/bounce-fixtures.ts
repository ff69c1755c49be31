/** Shared test inputs for the DSN tests (not part of the door). */
import type { DsnInput } from "../../src/bounce/index.ts";

export const ORIGINAL = Buffer.from(
  [
    "Received: from client.example.test ([192.0.2.1])",
    "\tby mail.example.test with ESMTPS; Mon, 2 Mar 2026 10:00:00 +0000",
    "From: Alice <alice@example.test>",
    "To: bob@example.net, carol@example.org",
    "Subject: =?utf-8?q?Quartalsbericht_f=C3=BCr_M=C3=A4rz?=",
    "Message-ID: <orig-1@example.test>",
    "",
    "SECRET BODY: the quarterly numbers",
    "",
  ].join("\r\n"),
);

export const LONG_REPLY =
  "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n" +
  "550-5.1.1 double-checking the recipient's email address for typos or\r\n" +
  `550 5.1.1 unnecessary spaces. https://support.example.org/mail/?p=NoSuchUser&${"q".repeat(1200)} x1si123`;

export function input(over: Partial<DsnInput> = {}): DsnInput {
  return {
    reportingMta: "mail.example.test",
    sender: "alice@example.test",
    queueId: "Q7F3A9",
    arrivalDate: Date.UTC(2026, 2, 2, 10, 0, 0),
    now: Date.UTC(2026, 2, 7, 10, 0, 0),
    messageId: "<dsn-1@mail.example.test>",
    original: ORIGINAL,
    recipients: [
      {
        address: "bob@example.net",
        problem: { kind: "tls-version", host: "mx.example.net", offered: "TLS 1.0" },
        lastAttemptAt: Date.UTC(2026, 2, 7, 9, 0, 0),
      },
      {
        address: "carol@example.org",
        problem: { kind: "rejected", host: "mx.example.org", reply: LONG_REPLY, permanent: true },
        remoteMta: "mx2.example.org",
        originalRecipient: "rfc822;Carol@Example.org",
        lastAttemptAt: Date.UTC(2026, 2, 2, 10, 1, 0),
      },
      {
        address: "dave@example.com",
        problem: { kind: "expired", lifetime: "5 days", last: { kind: "certificate", host: "mx.example.com", problem: "hostname", detail: "names mail.other.test only" } },
        lastAttemptAt: Date.UTC(2026, 2, 7, 9, 30, 0),
      },
    ],
    ...over,
  };
}
