/**
 * Deadlines, not idle timers: a client that trickles its bytes gains nothing. A command line must
 * arrive within its deadline counted from the previous reply; a client must sign in (or, on the MX,
 * reach MAIL) within a total time from connecting; a TLS handshake must end within its deadline.
 * Each trickler here would, at its pace, take far longer than its deadline — and is cut off at it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { buildClientHello } from "../src/tls/index.ts";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { RawSmtp } from "./smtp-raw.ts";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: "user@example.test", password: "user-password-1" }],
    settings: {
      smtp: "command_timeout = 2\nlogin_timeout = 3\ndata_timeout = 2",
      imap: "login_timeout = 2",
      pop3: "login_timeout = 2",
      tls: "handshake_timeout = 2",
    },
  });
});
after(async () => {
  await h.cleanup();
});

interface Trickle {
  /** What the server sent, in order. */
  received: string;
  /** Milliseconds from connecting until the server closed the connection. */
  closedAfterMs: number;
  /** How many of the pieces were sent before the server closed. */
  sent: number;
}

/** Connects and sends `pieces` one every `everyMs` until done or the server closes; waits for the close. */
async function trickle(port: number, pieces: readonly (string | Buffer)[], everyMs: number): Promise<Trickle> {
  const socket = net.connect({ host: "127.0.0.1", port });
  const t0 = Date.now();
  let received = "";
  let sent = 0;
  socket.on("data", (b: Buffer) => (received += b.toString("latin1")));
  socket.on("error", () => undefined);
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - t0)));
  let open = true;
  void closed.then(() => (open = false));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  for (const piece of pieces) {
    await new Promise((r) => setTimeout(r, everyMs));
    if (!open) break;
    socket.write(piece);
    sent++;
  }
  const closedAfterMs = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
  socket.destroy();
  return { received, closedAfterMs, sent };
}

const bytes = (s: string): string[] => [...s];

/** An MX session that has reached DATA (354). */
async function inData(): Promise<RawSmtp> {
  const c = await RawSmtp.open(h.mxPort);
  await c.expect("EHLO client.example.net", 250);
  await c.expect("MAIL FROM:<sender@example.net>", 250);
  await c.expect("RCPT TO:<user@example.test>", 250);
  await c.expect("DATA", 354);
  return c;
}

test("MX: a DATA body that keeps coming at a real rate may take longer than data_timeout", async () => {
  // 64 KB over ~3 s against a 2 s data_timeout: at 500 bytes/s the bytes earn two minutes more.
  const c = await inData();
  c.send("Subject: slow but steady\r\n\r\n");
  const line = `${"x".repeat(1022)}\r\n`;
  for (let i = 0; i < 64; i++) {
    c.send(line);
    await new Promise((r) => setTimeout(r, 47));
  }
  c.send(".\r\n");
  const r = await c.readReply();
  assert.equal(r.code, 250, r.raw);
  c.destroy();
});

test("MX: a DATA body trickled a byte at a time is cut off at data_timeout", async () => {
  const c = await inData();
  const t0 = Date.now();
  let sent = 0;
  while (!c.closed && sent < 60) {
    c.send("x");
    sent++;
    await new Promise((r) => setTimeout(r, 200));
  }
  const replies = await c.readUntilClosed();
  assert.match(replies.at(-1)?.raw ?? "", /^421 4\.4\.2 .*timeout exceeded/);
  assert.ok(Date.now() - t0 >= 1900);
  assert.ok(sent < 30, `sent ${sent} bytes before the close`);
});

test("MX: a body past max_message_size buys no more time: an endless DATA at a good rate is cut off at data_timeout", async () => {
  const small = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: "user@example.test", password: "user-password-1" }],
    settings: { smtp: "max_message_size = 1024\ndata_timeout = 2" },
  });
  try {
    const c = await RawSmtp.open(small.mxPort);
    await c.expect("EHLO client.example.net", 250);
    await c.expect("MAIL FROM:<sender@example.net>", 250);
    await c.expect("RCPT TO:<user@example.test>", 250);
    await c.expect("DATA", 354);
    // 2,000 bytes/s, four times the minimum rate: within the limit every second would earn four
    // more; past the first 1,024 bytes (two seconds' worth) nothing does.
    const line = `${"x".repeat(198)}\r\n`;
    let sent = 0;
    while (!c.closed && sent < 150) {
      c.send(line);
      sent++;
      await new Promise((r) => setTimeout(r, 100));
    }
    const replies = await c.readUntilClosed();
    assert.match(replies.at(-1)?.raw ?? "", /^421 4\.4\.2 .*timeout exceeded/);
    assert.ok(sent < 100, `sent ${sent} lines (${sent * 200} bytes) before the close`);
  } finally {
    await small.cleanup();
  }
});

test("MX: a command line trickled one byte at a time is cut off at command_timeout (421 4.4.2), not answered", async () => {
  // 40 bytes, one every 250 ms: 10 s for the line against a 2 s deadline.
  const r = await trickle(h.mxPort, bytes("EHLO a-very-slow-client.example.test\r\n"), 250);
  assert.match(r.received, /^220 /);
  assert.match(r.received, /421 4\.4\.2 mx\.sealpost\.test Error: timeout exceeded\r\n$/);
  assert.doesNotMatch(r.received, /^250/m, "the trickled EHLO was never completed");
  assert.ok(r.closedAfterMs >= 1900, `closed after ${r.closedAfterMs} ms: not before the deadline`);
  assert.ok(r.sent < 20, `sent ${r.sent} of 40 bytes before the close`);
});

test("MX: commands that never reach MAIL are cut off at login_timeout, however often they come", async () => {
  // A NOOP every 500 ms keeps each command within command_timeout (2 s), never reaching MAIL.
  const r = await trickle(h.mxPort, Array.from({ length: 20 }, () => "NOOP\r\n"), 500);
  assert.match(r.received, /^250 2\.0\.0 Ok/m, "each NOOP was answered");
  assert.match(r.received, /421 4\.4\.2 mx\.sealpost\.test Error: timeout exceeded\r\n$/);
  assert.ok(r.closedAfterMs >= 2900, `closed after ${r.closedAfterMs} ms`);
  assert.ok(r.sent < 12, `sent ${r.sent} of 20 NOOPs before the close`);
});

test("IMAP: NOOPs without a login are cut off at login_timeout with BYE", async () => {
  const r = await trickle(h.ports.imap, Array.from({ length: 20 }, (_, i) => `a${i} NOOP\r\n`), 400);
  assert.match(r.received, /^a0 OK/m);
  assert.match(r.received, /\* BYE Autologout; idle for too long\.\r\n$/);
  assert.ok(r.closedAfterMs >= 1900, `closed after ${r.closedAfterMs} ms`);
  assert.ok(r.sent < 10, `sent ${r.sent} of 20 commands before the close`);
});

test("IMAP: a login line trickled byte by byte does not outlive login_timeout", async () => {
  const r = await trickle(h.ports.imap, bytes("a1 LOGIN someone@example.test secret-password\r\n"), 200);
  assert.match(r.received, /\* BYE /);
  assert.doesNotMatch(r.received, /^a1 /m);
  assert.ok(r.sent < 20, `sent ${r.sent} bytes before the close`);
});

test("POP3: commands without a login are cut off at login_timeout", async () => {
  const r = await trickle(h.ports.pop3, Array.from({ length: 20 }, () => "NOOP\r\n"), 400);
  assert.match(r.received, /^\+OK Sealpost POP3 ready/);
  assert.match(r.received, /-ERR \[SYS\/TEMP\] Disconnected for inactivity\.\r\n$/);
  assert.ok(r.closedAfterMs >= 1900, `closed after ${r.closedAfterMs} ms`);
  assert.ok(r.sent < 10, `sent ${r.sent} of 20 commands before the close`);
});

test("IMAPS: a ClientHello trickled 8 bytes at a time is cut off at handshake_timeout", async () => {
  const hello = buildClientHello({ versions: ["TLSv1.2", "TLSv1.3"], cipherSuites: [0x1301, 0xc02b, 0xc02f], sni: "mx.sealpost.test" });
  const pieces: Buffer[] = [];
  for (let i = 0; i < hello.length; i += 8) pieces.push(hello.subarray(i, i + 8));
  const r = await trickle(h.ports.imaps, pieces, 150);
  assert.ok(r.closedAfterMs >= 1900 && r.closedAfterMs !== -1, `closed after ${r.closedAfterMs} ms`);
  assert.ok(r.sent < pieces.length, `sent ${r.sent} of ${pieces.length} pieces before the close`);
});

test("STARTTLS then silence: the handshake deadline closes the connection", async () => {
  const r = await trickle(h.mxPort, ["EHLO client.example.test\r\n", "STARTTLS\r\n"], 50);
  const t0 = Date.now();
  assert.match(r.received, /220 2\.0\.0 Ready to start TLS/);
  assert.ok(r.closedAfterMs >= 1900, `closed after ${r.closedAfterMs} ms`);
  assert.ok(Date.now() - t0 < 10_000);
});
