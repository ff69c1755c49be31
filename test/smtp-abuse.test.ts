/**
 * Hostile and broken clients: binary garbage, a 1 MB line, 10,000 pipelined RCPTs, a client that
 * stalls in DATA, too many connections from one address — each answered per RFC 5321 / Postfix
 * practice while a second client completes a normal delivery at the same time. And SIGTERM while
 * a client is in DATA: the transaction finishes (250), then the server exits 0.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { eventually, startSealpost, type ServerHandle } from "./harness.ts";
import { readMailboxText, waitForMessage } from "./mailbox.ts";
import { RawSmtp, type SmtpReply } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const MAX_ERRORS = 10;
const USERS = [{ address: ALICE, password: "alice-password" }];

let a: ServerHandle; // short timeouts, small error limit
let b: ServerHandle; // three connections per client address; stopped by the SIGTERM test

before(async () => {
  a = await startSealpost({
    domains: [{ name: "example.test" }],
    users: USERS,
    settings: { smtp: `command_timeout = 2\ndata_timeout = 2\nmax_errors = ${MAX_ERRORS}` },
  });
  b = await startSealpost({ domains: [{ name: "example.test" }], users: USERS, settings: { connections: "max_connections_per_ip = 3" } });
});
after(async () => {
  await Promise.all([a.cleanup(), b.cleanup()]);
});

/** A complete, well-behaved delivery over TLS on its own connection; checks that it is stored. */
async function normalDelivery(h: ServerHandle, tag: string): Promise<void> {
  const marker = `normal-${tag}-${randomBytes(4).toString("hex")}`;
  const c = await RawSmtp.open(h.mxPort);
  try {
    const r = await c.deliver({ from: "good@remote.test", to: [ALICE], body: `Subject: ${marker}\r\n\r\n${marker}\r\n`, tls: true });
    assert.equal(r.code, 250, r.raw);
  } finally {
    await c.quit();
  }
  await waitForMessage(h.dataDir, ALICE, marker);
}

/** Opens the abusive connection first, then runs `abuse` and a normal delivery side by side. */
async function alongsideNormalDelivery<T>(tag: string, abuse: (c: RawSmtp) => Promise<T>): Promise<T> {
  const c = await RawSmtp.open(a.mxPort);
  try {
    const [result] = await Promise.all([abuse(c), normalDelivery(a, tag)]);
    return result;
  } finally {
    c.destroy();
  }
}

function assertTooManyErrors(last: SmtpReply | undefined): void {
  assert.ok(last !== undefined);
  assert.equal(last.code, 421, last.raw);
  assert.match(last.raw, /^421 4\.7\.0 mx\.sealpost\.test Error: too many errors\r\n$/);
}

test("binary garbage gets 500 replies, then 421 too many errors and the connection is closed", async () => {
  const lines = Array.from({ length: 40 }, () => randomBytes(200).filter((x) => x !== 0x0a && x !== 0x0d));
  const replies = await alongsideNormalDelivery("garbage", async (c) => {
    c.send(Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\r\n")])));
    return c.readUntilClosed();
  });
  assert.equal(replies.length, MAX_ERRORS + 1, replies.map((r) => r.raw).join(""));
  for (const r of replies.slice(0, -1)) assert.match(r.raw, /^500 5\.5\.2 /);
  assertTooManyErrors(replies.at(-1));
});

test("a 1 MB line without newline, then CRLF → 500 5.5.2 line too long, and the session goes on", async () => {
  await alongsideNormalDelivery("longline", async (c) => {
    await c.expect("EHLO long.client.test", 250);
    c.send(Buffer.alloc(1024 * 1024, "A"));
    c.send("\r\n");
    const r = await c.readReply();
    assert.match(r.raw, /^500 5\.5\.2 .*line too long\r\n$/);
    assert.match((await c.command("NOOP")).raw, /^250 2\.0\.0 /);
    // Still a working session: a transaction can start.
    await c.expect("MAIL FROM:<x@remote.test>", 250);
    await c.expect(`RCPT TO:<${ALICE}>`, 250);
  });
});

test("10,000 RCPTs in one write: 250 ×100, then 452 4.5.3, then 421 too many errors and close; the server keeps serving", async () => {
  const replies = await alongsideNormalDelivery("rcpts", async (c) => {
    await c.expect("EHLO many.client.test", 250);
    await c.expect("MAIL FROM:<x@remote.test>", 250);
    c.send(`RCPT TO:<${ALICE}>\r\n`.repeat(10_000));
    return c.readUntilClosed(20_000);
  });
  const summary = replies.map((r) => r.raw).join("").slice(0, 2000);
  assert.equal(replies.length, 100 + MAX_ERRORS + 1, summary);
  for (const r of replies.slice(0, 100)) assert.match(r.raw, /^250 2\.1\.5 /);
  for (const r of replies.slice(100, -1)) assert.match(r.raw, /^452 4\.5\.3 /);
  assertTooManyErrors(replies.at(-1));
  // Still serving afterwards.
  const c = await RawSmtp.open(a.mxPort);
  assert.equal((await c.command("NOOP")).code, 250);
  await c.quit();
});

test("a client that stalls in DATA gets 421 4.4.2 after data_timeout and is closed; an idle one after command_timeout", async () => {
  const marker = `stalled-${randomBytes(4).toString("hex")}`;
  const idle = await RawSmtp.open(a.mxPort);
  try {
    const [stalled, idleReplies] = await alongsideNormalDelivery("stall", async (c) => {
      const idleDone = idle.readUntilClosed(15_000);
      await c.expect("EHLO stall.client.test", 250);
      await c.expect("MAIL FROM:<x@remote.test>", 250);
      await c.expect(`RCPT TO:<${ALICE}>`, 250);
      await c.expect("DATA", 354);
      c.send(`Subject: ${marker}\r\n\r\nhalf a mess`);
      return [await c.readUntilClosed(15_000), await idleDone] as const;
    });
    assert.equal(stalled.length, 1, stalled.map((r) => r.raw).join(""));
    assert.match(stalled[0]?.raw ?? "", /^421 4\.4\.2 mx\.sealpost\.test Error: timeout exceeded\r\n$/);
    assert.equal(idleReplies.length, 1);
    assert.match(idleReplies[0]?.raw ?? "", /^421 4\.4\.2 .*timeout exceeded/);
  } finally {
    idle.destroy();
  }
  assert.ok(!(await readMailboxText(a.dataDir, ALICE)).some((m) => m.includes(marker)), "a stalled message is not stored");
});

test("max_connections_per_ip = 3: the 4th concurrent connection gets 421 and is closed; a slot frees up on close", async () => {
  const three = await Promise.all([1, 2, 3].map(() => RawSmtp.open(b.mxPort)));
  try {
    const fourth = await RawSmtp.connect(b.mxPort);
    const replies = await fourth.readUntilClosed(5000);
    fourth.destroy();
    assert.equal(replies.length, 1, replies.map((r) => r.raw).join(""));
    assert.match(replies[0]?.raw ?? "", /^421 4\.7\.0 mx\.sealpost\.test Error: too many connections from 127\.0\.0\.1\r\n$/);
    // The three admitted sessions work.
    for (const c of three) assert.equal((await c.command("NOOP")).code, 250);
    await three[0]?.quit();
    const next = await eventually(
      async () => {
        const c = await RawSmtp.connect(b.mxPort);
        const r = await c.readReply().catch(() => undefined);
        if (r?.code === 220) return c;
        c.destroy();
        return undefined;
      },
      5000,
      "a free connection slot",
    );
    await next.quit();
  } finally {
    for (const c of three) c.destroy();
  }
});

test("SIGTERM while a client is in DATA: it finishes with 250, gets 421, the server exits 0 and the message is stored", async () => {
  const marker = `sigterm-${randomBytes(4).toString("hex")}`;
  const c = await RawSmtp.open(b.mxPort);
  try {
    await c.expect("EHLO term.client.test", 250);
    await c.expect("MAIL FROM:<x@remote.test>", 250);
    await c.expect(`RCPT TO:<${ALICE}>`, 250);
    await c.expect("DATA", 354);
    c.send(`Subject: ${marker}\r\n\r\nfirst half\r\n`);
    const exited = b.stop("SIGTERM");
    await eventually(() => (b.log().includes("SIGTERM: finishing transactions") ? true : undefined), 5000, "the server to start draining");
    assert.equal(b.proc.exitCode, null, "the server waits for the transaction in flight");
    // New connections are no longer accepted.
    await assert.rejects(RawSmtp.connect(b.mxPort).then((x) => x.destroy()));
    c.send(`second half ${marker}\r\n.\r\n`);
    const done = await c.readReply();
    assert.equal(done.code, 250, done.raw);
    const rest = await c.readUntilClosed(5000);
    assert.equal(rest.length, 1);
    assert.match(rest[0]?.raw ?? "", /^421 4\.3\.2 /);
    assert.equal(await exited, 0);
  } finally {
    c.destroy();
  }
  const stored = (await readMailboxText(b.dataDir, ALICE)).filter((m) => m.includes(marker));
  assert.equal(stored.length, 1);
  assert.ok(stored[0]?.endsWith(`first half\r\nsecond half ${marker}\r\n`));
});

test("junk commands: past 100 NOOP/RSET/VRFY/HELP without a message, each counts as an error, so a session that only keeps its slot busy ends with 421", async () => {
  const replies = await alongsideNormalDelivery("junk", async (c) => {
    await c.expect("EHLO junk.example.net", 250);
    await c.expect("MAIL FROM:<junk@remote.test>", 250);
    // Postfix's smtpd_junk_command_limit (100), then smtpd_hard_error_limit (max_errors here).
    const junk = ["NOOP", "RSET", "VRFY postmaster", "HELP"];
    c.send(Array.from({ length: 100 + MAX_ERRORS + 5 }, (_, i) => `${junk[i % junk.length]}\r\n`).join(""));
    return c.readUntilClosed();
  });
  // Every junk command is answered as usual; the one that reaches max_errors is followed by the 421.
  assert.equal(replies.length, 100 + MAX_ERRORS + 1, replies.map((r) => r.raw).join(""));
  assert.ok(replies.slice(0, -1).every((r) => r.code === 250 || r.code === 252 || r.code === 214), "answered as usual");
  assertTooManyErrors(replies.at(-1));
});

test("junk commands between accepted messages do not add up: the count starts again after each 250 to DATA", async () => {
  const c = await RawSmtp.open(a.mxPort);
  try {
    for (let round = 0; round < 3; round++) {
      c.send("NOOP\r\n".repeat(100));
      for (let i = 0; i < 100; i++) assert.equal((await c.readReply()).code, 250);
      const r = await c.deliver({ from: "steady@remote.test", to: [ALICE], body: `Subject: round ${round}\r\n\r\nhi\r\n`, tls: round === 0 });
      assert.equal(r.code, 250, r.raw);
    }
    await c.expect("NOOP", 250);
  } finally {
    c.destroy();
  }
});
