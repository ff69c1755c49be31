/**
 * MX delivery end to end with a real client (Python's smtplib): STARTTLS and plaintext delivery,
 * byte-exact storage (dot-stuffing undone, only the trace fields added: Received, and the sender
 * checks' Authentication-Results, which inbound-auth*.test.ts test), several recipients in
 * one transaction, recipient rejections, VRFY, 8BITMIME and SMTPUTF8.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { readMailbox, splitReceived, waitForMessage } from "./mailbox.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const JORG = "jörg@example.test";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [
      { address: ALICE, password: "alice-password" },
      { address: BOB, password: "bob-password" },
      { address: JORG, password: "jorg-password" },
    ],
  });
});
after(async () => {
  await h.cleanup();
});

interface SmtplibResult {
  refused: Record<string, [number, string]>;
  version: string | null;
  cipher: string | null;
}

/** Sends `msg` with smtplib.sendmail (bytes: smtplib only dot-stuffs and ends with CRLF "." CRLF). */
function smtplibSend(req: { tls: boolean; from: string; to: string[]; msg: Buffer; mailOptions?: string[] }): SmtplibResult {
  const code = `
import json, os, smtplib, ssl
req = json.loads(os.environ["REQ"])
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="py.client.test", timeout=10)
s.ehlo()
version = cipher = None
if req["tls"]:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    code, _ = s.starttls(context=ctx)
    assert code == 220, code
    s.ehlo()
    version, cipher = s.sock.version(), s.sock.cipher()[0]
refused = s.sendmail(req["from"], req["to"], bytes.fromhex(req["msg"]), mail_options=req["mailOptions"])
s.quit()
print(json.dumps({"refused": {k: [v[0], v[1].decode()] for k, v in refused.items()}, "version": version, "cipher": cipher}))
`;
  const env = { PORT: String(h.mxPort), REQ: JSON.stringify({ ...req, msg: req.msg.toString("hex"), mailOptions: req.mailOptions ?? [] }) };
  return JSON.parse(python(code, env)) as SmtplibResult;
}

/** A message with CRLF line ends and lines that need dot-stuffing (a lone "." included). */
function messageWithDots(marker: string): Buffer {
  return Buffer.from(
    [
      "From: Sender <x@remote.test>",
      `To: <${ALICE}>`,
      `Subject: ${marker}`,
      `Message-ID: <${marker}@remote.test>`,
      "",
      "first line",
      ".a line starting with a dot",
      "..two dots",
      ".",
      "a line after a lone dot",
      " . not at the start",
      "",
    ].join("\r\n"),
  );
}

test("STARTTLS delivery with smtplib stores exactly the bytes sent, plus a Received header naming TLS version and cipher", async () => {
  const marker = `tls-${Date.now()}`;
  const msg = messageWithDots(marker);
  const res = smtplibSend({ tls: true, from: "x@remote.test", to: [ALICE], msg });
  assert.deepEqual(res.refused, {});
  assert.match(res.version ?? "", /^TLSv1\.[23]$/);

  const stored = await waitForMessage(h.dataDir, ALICE, marker);
  const { received, authResults, rest } = splitReceived(stored);
  // Byte-exact: dot-stuffing undone by the server, nothing else changed.
  assert.deepEqual(rest, msg);
  // This server's DNS is a closed port: every check is a temporary error, and the message is taken.
  assert.match(authResults, /^Authentication-Results: mx\.sealpost\.test;\r\n\tdkim=none \(message not signed\);\r\n\tspf=temperror /);
  assert.match(received, /using TLSv1\.[23] with cipher TLS_/);
  assert.ok(received.includes(`using ${res.version} with cipher `), received);
  assert.match(received, /^Received: from py\.client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.sealpost\.test \(Sealpost\) with ESMTPS id /);
  assert.match(received, /\tfor <alice@example\.test>; \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n$/);
});

test("plaintext delivery is stored with a Received header that says plaintext", async () => {
  const marker = `plain-${Date.now()}`;
  const msg = Buffer.from(`Subject: ${marker}\r\n\r\nno TLS here\r\n`);
  const res = smtplibSend({ tls: false, from: "x@remote.test", to: [ALICE], msg });
  assert.deepEqual(res.refused, {});
  const { received, rest } = splitReceived(await waitForMessage(h.dataDir, ALICE, marker));
  assert.deepEqual(rest, msg);
  assert.match(received, /\(no TLS: plaintext session\)/);
  assert.match(received, / with ESMTP id /);
  assert.doesNotMatch(received, /using TLS/);
});

test("several recipients in one transaction each get the message", async () => {
  const marker = `multi-${Date.now()}`;
  const msg = Buffer.from(`Subject: ${marker}\r\n\r\nfor two\r\n`);
  const res = smtplibSend({ tls: true, from: "x@remote.test", to: [ALICE, BOB], msg });
  assert.deepEqual(res.refused, {});
  const forAlice = splitReceived(await waitForMessage(h.dataDir, ALICE, marker));
  const forBob = splitReceived(await waitForMessage(h.dataDir, BOB, marker));
  assert.deepEqual(forAlice.rest, msg);
  assert.deepEqual(forBob.rest, msg);
});

test("a mix of good and unknown recipients: smtplib reports the 550 5.1.1 one, the good one gets the mail", async () => {
  const marker = `partial-${Date.now()}`;
  const res = smtplibSend({ tls: true, from: "x@remote.test", to: [ALICE, "nobody@example.test"], msg: Buffer.from(`Subject: ${marker}\r\n\r\nx\r\n`) });
  const refused = res.refused["nobody@example.test"];
  assert.ok(refused !== undefined, JSON.stringify(res.refused));
  assert.equal(refused[0], 550);
  assert.match(refused[1], /^5\.1\.1 /);
  await waitForMessage(h.dataDir, ALICE, marker);
});

test("unknown user → 550 5.1.1, other domain → 554 5.7.1 (no relay), VRFY → 252", async () => {
  const c = await RawSmtp.open(h.mxPort);
  try {
    await c.expect("EHLO raw.client.test", 250);
    await c.expect("MAIL FROM:<x@remote.test>", 250);
    const unknown = await c.command("RCPT TO:<nobody@example.test>");
    assert.equal(unknown.code, 550);
    assert.match(unknown.raw, /^550 5\.1\.1 /);
    const relay = await c.command("RCPT TO:<someone@elsewhere.test>");
    assert.equal(relay.code, 554);
    assert.match(relay.raw, /^554 5\.7\.1 /);
    const vrfyKnown = await c.command(`VRFY ${ALICE}`);
    const vrfyUnknown = await c.command("VRFY nobody@example.test");
    assert.equal(vrfyKnown.code, 252);
    // No user enumeration: the same answer for an account that does not exist.
    assert.equal(vrfyUnknown.raw, vrfyKnown.raw);
    // The transaction survived the rejections.
    await c.expect(`RCPT TO:<${ALICE}>`, 250);
    await c.expect("RSET", 250);
  } finally {
    await c.quit();
  }
});

test("8BITMIME body and an SMTPUTF8 recipient with a UTF-8 local part are accepted and stored byte-exact", async () => {
  const marker = `utf8-${Date.now()}`;
  const msg = Buffer.concat([
    Buffer.from(`Subject: ${marker}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`),
    Buffer.from("Grüße, café, 日本語\r\n", "utf8"),
    Buffer.from([0xe9, 0x74, 0xe9, 0x0d, 0x0a]), // latin-1 bytes: 8-bit, not UTF-8
  ]);
  const res = smtplibSend({ tls: true, from: "x@remote.test", to: [JORG], msg, mailOptions: ["SMTPUTF8", "BODY=8BITMIME"] });
  assert.deepEqual(res.refused, {});
  const { received, rest } = splitReceived(await waitForMessage(h.dataDir, JORG, marker));
  assert.deepEqual(rest, msg);
  assert.match(received, / with UTF8ESMTPS id /);
  // Nothing for jörg went to anyone else.
  assert.ok(!(await readMailbox(h.dataDir, ALICE)).some((b) => b.includes(marker)));
});

test("a UTF-8 address without SMTPUTF8 gets 553 5.6.7", async () => {
  const c = await RawSmtp.open(h.mxPort);
  try {
    await c.expect("EHLO raw.client.test", 250);
    const from = await c.command("MAIL FROM:<jörg@remote.test>");
    assert.equal(from.code, 553);
    assert.match(from.raw, /^553 5\.6\.7 /);
    await c.expect("MAIL FROM:<x@remote.test> BODY=8BITMIME", 250);
    const rcpt = await c.command(`RCPT TO:<${JORG}>`);
    assert.equal(rcpt.code, 553);
    assert.match(rcpt.raw, /^553 5\.6\.7 /);
  } finally {
    await c.quit();
  }
});
