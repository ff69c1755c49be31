/** A parser nobody here wrote: Python's `email` package must see the report the way we meant it. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { input, ORIGINAL } from "../../test/support/bounce-fixtures.ts";
import { buildDsn } from "./index.ts";

const SCRIPT = String.raw`
import email, json, sys
from email import policy
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
parts = msg.get_payload()
out = {
  "type": msg.get_content_type(),
  "report_type": msg.get_param("report-type"),
  "subject": str(msg["subject"]),
  "from": msg["from"].addresses[0].addr_spec,
  "to": msg["to"].addresses[0].addr_spec,
  "defects": [type(d).__name__ for p in msg.walk() for d in p.defects],
  "parts": [p.get_content_type() for p in parts],
  "text": parts[0].get_content().replace("\r\n", "\n"),
  "blocks": [{k: str(v) for k, v in b.items()} for b in parts[1].get_payload()],
  "headers": parts[2].get_payload(decode=True).decode("latin-1"),
}
json.dump(out, sys.stdout)
`;

interface Seen {
  type: string;
  report_type: string;
  subject: string;
  from: string;
  to: string;
  defects: string[];
  parts: string[];
  text: string;
  blocks: Record<string, string>[];
  headers: string;
}

const python = (raw: Buffer): Seen => JSON.parse(execFileSync("python3", ["-c", SCRIPT], { input: raw, encoding: "utf8" })) as Seen;

test("Python's email parser reads a multipart/report with three parts and the delivery-status fields", () => {
  const seen = python(buildDsn(input()));
  assert.equal(seen.type, "multipart/report");
  assert.equal(seen.report_type, "delivery-status");
  assert.deepEqual(seen.defects, []);
  assert.deepEqual(seen.parts, ["text/plain", "message/delivery-status", "text/rfc822-headers"]);
  assert.equal(seen.subject, "Undelivered Mail Returned to Sender");
  assert.equal(seen.from, "MAILER-DAEMON@mail.example.test");
  assert.equal(seen.to, "alice@example.test");
  assert.equal(seen.blocks.length, 4, "one per-message block and three recipient blocks");
  assert.equal(seen.blocks[0]?.["Reporting-MTA"], "dns; mail.example.test");
  assert.equal(seen.blocks[0]?.["X-Sealpost-Queue-ID"], "Q7F3A9");
  assert.deepEqual(
    seen.blocks.slice(1).map((b) => [b["Final-Recipient"], b.Action, b.Status, b["Remote-MTA"]]),
    [
      ["rfc822; bob@example.net", "failed", "4.7.4", "dns; mx.example.net"],
      ["rfc822; carol@example.org", "failed", "5.1.1", "dns; mx2.example.org"],
      ["rfc822; dave@example.com", "failed", "4.4.7", "dns; mx.example.com"],
    ],
  );
  // The folded Diagnostic-Code comes back as one value.
  assert.match(seen.blocks[2]?.["Diagnostic-Code"] ?? "", /^smtp; 550-5\.1\.1 The email account that you tried to reach does not exist\. Please try 550-5\.1\.1 double-checking/);
  assert.match(seen.blocks[1]?.["Diagnostic-Code"] ?? "", /^x-sealpost; The receiving server mx\.example\.net offered only TLS 1\.0\. This server sends mail only over TLS 1\.2 or newer, so the message was not delivered\.$/);
  assert.match(seen.text, /^This is the mail system at host mail\.example\.test\.\n/);
  assert.ok(seen.text.includes('Your message "Quartalsbericht für März"'), "quoted-printable UTF-8 decodes");
  assert.equal(seen.headers, ORIGINAL.subarray(0, ORIGINAL.indexOf("\r\n\r\n") + 2).toString("latin1"));
});

test("Python decodes a quoted-printable rfc822-headers part back to the original 8-bit header bytes", () => {
  const original = Buffer.concat([Buffer.from("Subject: caf"), Buffer.from([0xe9]), Buffer.from("\r\nX-Note: a=b\r\n\r\nbody")]);
  const seen = python(buildDsn(input({ original })));
  assert.deepEqual(seen.parts, ["text/plain", "message/delivery-status", "text/rfc822-headers"]);
  assert.equal(seen.headers, "Subject: caf\xe9\r\nX-Note: a=b\r\n");
  assert.deepEqual(seen.defects, []);
});
