/**
 * Per-domain mandatory TLS: plaintext RCPT to a mandatory-TLS domain gets 450 4.7.0 (a sender
 * that can do TLS retries with STARTTLS), the same RCPT after STARTTLS is accepted, other domains
 * take plaintext; the report names plaintext senders per domain; `domain set` takes effect at the
 * next RCPT, without a restart.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { eventuallyInReport, readMailboxText, waitForMessage } from "./mailbox.ts";
import { RawSmtp } from "./smtp-raw.ts";

const SECURE = "carol@secure.test";
const OPEN = "dave@open.test";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [
      { name: "secure.test", mandatoryTls: true },
      { name: "open.test", mandatoryTls: false },
    ],
    users: [
      { address: SECURE, password: "carol-password" },
      { address: OPEN, password: "dave-password" },
    ],
  });
});
after(async () => {
  await h.cleanup();
});

/** Opens a session, optionally upgraded to TLS, with MAIL FROM done; the caller sends RCPTs. */
async function session(opts: { tls: boolean; ehlo: string }): Promise<RawSmtp> {
  const c = await RawSmtp.open(h.mxPort);
  await c.expect(`EHLO ${opts.ehlo}`, 250);
  if (opts.tls) {
    await c.expect("STARTTLS", 220);
    await c.startTls();
    await c.expect(`EHLO ${opts.ehlo}`, 250);
  }
  await c.expect("MAIL FROM:<sender@remote.test>", 250);
  return c;
}

function setMandatory(domain: string, on: boolean): void {
  const r = h.cli(["domain", "set", domain, "--mandatory-tls", on ? "on" : "off"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${domain}: mandatory TLS ${on ? "on" : "off"}\n`);
}

async function sendBody(c: RawSmtp, marker: string): Promise<void> {
  await c.expect("DATA", 354);
  c.send(`Subject: ${marker}\r\n\r\n${marker}\r\n.\r\n`);
  const done = await c.readReply();
  assert.equal(done.code, 250, done.raw);
}

test("plaintext RCPT to a mandatory-TLS domain → 450 4.7.0 saying TLS is required; nothing is delivered", async () => {
  const c = await session({ tls: false, ehlo: "plain.sender.test" });
  try {
    const r = await c.command(`RCPT TO:<${SECURE}>`);
    assert.equal(r.code, 450);
    assert.match(r.raw, /^450 4\.7\.0 /);
    assert.match(r.raw, /TLS/);
    assert.match(r.raw, /STARTTLS/);
    // The same answer for an account that does not exist: plaintext reveals no accounts.
    const unknown = await c.command("RCPT TO:<nobody@secure.test>");
    assert.equal(unknown.code, 450);
    // DATA without a recipient is refused.
    assert.equal((await c.command("DATA")).code, 503);
  } finally {
    await c.quit();
  }
  assert.deepEqual(await readMailboxText(h.dataDir, SECURE), []);
});

test("after STARTTLS the same RCPT → 250 and the message is delivered", async () => {
  const marker = `secure-${Date.now()}`;
  const c = await session({ tls: true, ehlo: "tls.sender.test" });
  try {
    const r = await c.command(`RCPT TO:<${SECURE}>`);
    assert.equal(r.code, 250, r.raw);
    await sendBody(c, marker);
  } finally {
    await c.quit();
  }
  await waitForMessage(h.dataDir, SECURE, marker);
});

test("plaintext RCPT to a domain without mandatory TLS → 250 and delivered", async () => {
  const marker = `open-${Date.now()}`;
  const c = await session({ tls: false, ehlo: "plain.sender.test" });
  try {
    const r = await c.command(`RCPT TO:<${OPEN}>`);
    assert.equal(r.code, 250, r.raw);
    await sendBody(c, marker);
  } finally {
    await c.quit();
  }
  const stored = (await waitForMessage(h.dataDir, OPEN, marker)).toString("latin1");
  assert.match(stored, /\(no TLS: plaintext session\)/);
});

test("tls-report --json lists the plaintext sender (IP and EHLO name) under open.test, none under secure.test", async () => {
  const report = await eventuallyInReport(
    h,
    (r) => (r.plaintextSenders.find((d) => d.domain === "open.test")?.senders.length ? r : undefined),
    "a plaintext sender for open.test",
  );
  const open = report.plaintextSenders.find((d) => d.domain === "open.test");
  const secure = report.plaintextSenders.find((d) => d.domain === "secure.test");
  assert.ok(open !== undefined && secure !== undefined, JSON.stringify(report.plaintextSenders));
  assert.equal(open.mandatoryTls, false);
  assert.equal(secure.mandatoryTls, true);
  assert.equal(open.senders.length, 1, JSON.stringify(open.senders));
  assert.equal(open.senders[0]?.clientIp, "127.0.0.1");
  assert.equal(open.senders[0]?.ehlo, "plain.sender.test");
  assert.equal(open.senders[0]?.messages, 1);
  // The refused plaintext attempt and the TLS delivery are not plaintext deliveries.
  assert.deepEqual(secure.senders, []);
});

test("domain set secure.test --mandatory-tls off applies to the next RCPT of an open session, no restart", async () => {
  const marker = `relaxed-${Date.now()}`;
  const pid = h.proc.pid;
  const c = await session({ tls: false, ehlo: "plain.sender.test" });
  try {
    assert.equal((await c.command(`RCPT TO:<${SECURE}>`)).code, 450);
    setMandatory("secure.test", false);
    const r = await c.command(`RCPT TO:<${SECURE}>`);
    assert.equal(r.code, 250, r.raw);
    await sendBody(c, marker);
  } finally {
    await c.quit();
  }
  await waitForMessage(h.dataDir, SECURE, marker);
  assert.equal(h.proc.pid, pid);
  assert.equal(h.proc.exitCode, null);
});

test("domain set open.test --mandatory-tls on makes its plaintext RCPT 450 at once; TLS still works", async () => {
  setMandatory("open.test", true);
  const plain = await session({ tls: false, ehlo: "plain.sender.test" });
  try {
    const r = await plain.command(`RCPT TO:<${OPEN}>`);
    assert.equal(r.code, 450);
    assert.match(r.raw, /^450 4\.7\.0 .*TLS/);
  } finally {
    await plain.quit();
  }
  const tls = await session({ tls: true, ehlo: "tls.sender.test" });
  try {
    assert.equal((await tls.command(`RCPT TO:<${OPEN}>`)).code, 250);
  } finally {
    await tls.quit();
  }
  const report = await eventuallyInReport(
    h,
    (r) => (r.plaintextSenders.find((d) => d.domain === "open.test")?.mandatoryTls === true ? r : undefined),
    "open.test shown with mandatory TLS on",
  );
  assert.equal(report.plaintextSenders.find((d) => d.domain === "secure.test")?.mandatoryTls, false);
});
