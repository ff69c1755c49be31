/**
 * STARTTLS command injection (CVE-2011-0411, RFC 3207 §4.2): plaintext pipelined after STARTTLS
 * must be thrown away, never answered inside the TLS session; plaintext sent after the 220 but
 * before the ClientHello must make the handshake fail, not be run as commands.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { buildClientHello } from "../src/tls/index.ts";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { eventuallyInReport, readMailboxText } from "./mailbox.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
let h: ServerHandle;

before(async () => {
  h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: "alice-password" }] });
});
after(async () => {
  await h.cleanup();
});

test('"STARTTLS\\r\\nNOOP\\r\\n" in one write: the NOOP is discarded, never answered over TLS', async () => {
  const c = await RawSmtp.open(h.mxPort);
  try {
    await c.expect("EHLO inject.client.test", 250);
    c.send("STARTTLS\r\nNOOP\r\n");
    const go = await c.readReply();
    assert.equal(go.code, 220);
    // Nothing else in plaintext (a 250 for the NOOP here would also be a bug).
    assert.equal(c.pending.length, 0, c.pending.toString("latin1"));
    await c.startTls();
    const late = await c.readFor(1000);
    assert.equal(late.toString("latin1"), "", "the injected NOOP got an answer inside TLS");
    const ehlo = await c.command("EHLO inject.client.test");
    assert.equal(ehlo.code, 250, ehlo.raw);
    assert.equal(ehlo.lines[0], "mx.sealpost.test");
    assert.ok(!ehlo.lines.includes("STARTTLS"), "no STARTTLS once TLS is on");
    // The reply really was to our EHLO: the next command gets its own reply.
    const noop = await c.command("NOOP");
    assert.match(noop.raw, /^250 2\.0\.0 Ok\r\n$/);
  } finally {
    await c.quit();
  }
});

test("injected transaction commands after STARTTLS do not start a transaction inside TLS", async () => {
  const marker = `injected-${Date.now()}`;
  const c = await RawSmtp.open(h.mxPort);
  try {
    await c.expect("EHLO inject.client.test", 250);
    c.send(
      `STARTTLS\r\nEHLO evil.test\r\nMAIL FROM:<evil@remote.test>\r\nRCPT TO:<${ALICE}>\r\nDATA\r\nSubject: ${marker}\r\n\r\nx\r\n.\r\n`,
    );
    assert.equal((await c.readReply()).code, 220);
    await c.startTls();
    assert.equal((await c.readFor(1000)).length, 0);
    // The session starts over after TLS (RFC 3207 §4.2): no EHLO yet, so MAIL is out of sequence.
    const mail = await c.command("MAIL FROM:<x@remote.test>");
    assert.equal(mail.code, 503, mail.raw);
  } finally {
    await c.quit();
  }
  assert.ok(!(await readMailboxText(h.dataDir, ALICE)).some((m) => m.includes(marker)));
});

test("plaintext sent after the 220 but before the ClientHello makes a real client's handshake fail", async () => {
  const c = await RawSmtp.open(h.mxPort);
  try {
    await c.expect("EHLO inject.client.test", 250);
    await c.expect("STARTTLS", 220);
    c.send("NOOP\r\n");
    await assert.rejects(c.startTls(), "the handshake must fail after injected plaintext");
  } finally {
    c.destroy();
  }
  const ev = await eventuallyInReport(
    h,
    (r) => r.handshakes.find((e) => e.outcome === "failed" && e.mode === "starttls"),
    "a failed STARTTLS handshake",
  );
  assert.equal(ev.clientIp, "127.0.0.1");
  assert.equal(ev.version, null);
});

test("byte level: NOOP then a ClientHello after the 220 → no reply to the NOOP, no ServerHello, connection closed", async () => {
  const c = await RawSmtp.open(h.mxPort);
  try {
    await c.expect("EHLO inject.client.test", 250);
    await c.expect("STARTTLS", 220);
    c.send(Buffer.concat([Buffer.from("NOOP\r\n"), buildClientHello({ versions: ["TLSv1.2", "TLSv1.3"], cipherSuites: [0x1301, 0x1302, 0xc02b, 0xc02f] })]));
    await c.waitClosed(5000);
    const answer = c.pending;
    assert.doesNotMatch(answer.toString("latin1"), /250/);
    // Not a TLS handshake record (content type 22) either: the server did not take it as TLS.
    assert.notEqual(answer[0], 22, answer.toString("hex"));
  } finally {
    c.destroy();
  }
});

test("the server keeps serving: a clean STARTTLS session works after the attempts", async () => {
  const c = await RawSmtp.open(h.mxPort);
  try {
    await c.expect("EHLO clean.client.test", 250);
    await c.expect("STARTTLS", 220);
    await c.startTls();
    await c.expect("EHLO clean.client.test", 250);
    await c.expect("MAIL FROM:<x@remote.test>", 250);
    await c.expect(`RCPT TO:<${ALICE}>`, 250);
  } finally {
    await c.quit();
  }
});
