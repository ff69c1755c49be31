/**
 * Which connection gives way when a listener is full (max_connections = 2 here): the oldest idle
 * one that has not signed in; an MX session in a transaction only when no idle one is left; a
 * signed-in session or one sending DATA never. The evicted client is told why (421 / BYE / -ERR).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { eventually, startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";
import { plainB64, RawPop3 } from "./pop3-raw.ts";
import { RawSmtp } from "./smtp-raw.ts";

const USER = "owner@example.test";
const PASSWORD = "owner-password-1";
let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: USER, password: PASSWORD }],
    settings: { connections: "max_connections = 2" },
  });
});
after(async () => {
  await h.cleanup();
});

/**
 * Waits until the server has closed every session of `listener` (its open-sessions gauge is 0): a
 * test's clients are gone on the client side at once, on the server's a moment later, and a
 * listener that is still full of them would refuse the next test's first client.
 */
async function settled(listener: string): Promise<void> {
  await eventually(async () => {
    const body = await (await fetch(`http://127.0.0.1:${h.ports.metrics}/metrics`)).text();
    return new RegExp(`^sealpost_sessions_open\\{listener="${listener}"\\} 0$`, "m").test(body) ? true : undefined;
  }, 10_000, `no open ${listener} sessions`);
}

test("MX: idle sessions give way first, then the oldest one in a transaction; the newcomer is served", async () => {
  const inTx = await RawSmtp.open(h.mxPort);
  await inTx.expect("EHLO tx.example.net", 250);
  await inTx.expect("MAIL FROM:<a@example.net>", 250);
  const idle = await RawSmtp.open(h.mxPort);
  await idle.expect("EHLO idle.example.net", 250);

  const third = await RawSmtp.open(h.mxPort); // full: the idle one goes
  const bye = await idle.readUntilClosed();
  assert.match(bye.at(-1)?.raw ?? "", /^421 4\.3\.2 mx\.sealpost\.test Error: too many connections/);
  assert.equal(inTx.closed, false, "the session in a transaction stays while an idle one can go");

  await third.expect("EHLO third.example.net", 250);
  await third.expect("MAIL FROM:<c@example.net>", 250);
  // Both in transactions now: the oldest of them gives way.
  const fourth = await RawSmtp.open(h.mxPort);
  const gone = await inTx.readUntilClosed();
  assert.match(gone.at(-1)?.raw ?? "", /^421 4\.3\.2 /);
  assert.equal(third.closed, false);
  const r = await fourth.deliver({ from: "d@example.net", to: [USER], body: "Subject: made room\r\n\r\nhi\r\n" });
  assert.equal(r.code, 250, r.raw);
  third.destroy();
  fourth.destroy();
});

test("submission: a signed-in session is never evicted; when nothing may go, the newcomer gets 421", async () => {
  const signedIn = await RawSmtp.open(h.ports.submission);
  await signedIn.expect("EHLO me.example.test", 250);
  await signedIn.expect("STARTTLS", 220);
  await signedIn.startTls();
  await signedIn.expect("EHLO me.example.test", 250);
  await signedIn.expect(`AUTH PLAIN ${plainB64(USER, PASSWORD)}`, 235);
  const idle = await RawSmtp.open(h.ports.submission);

  const third = await RawSmtp.open(h.ports.submission);
  await idle.readUntilClosed();
  await third.expect("EHLO third.example.test", 250);
  await third.expect("STARTTLS", 220);
  await third.startTls();
  await third.expect("EHLO third.example.test", 250);
  await third.expect(`AUTH PLAIN ${plainB64(USER, PASSWORD)}`, 235);

  // Two signed-in sessions: a new client is refused, and nobody is evicted.
  const refused = await RawSmtp.connect(h.ports.submission);
  const replies = await refused.readUntilClosed();
  assert.match(replies[0]?.raw ?? "", /^421 4\.7\.0 mx\.sealpost\.test Error: too many connections\r\n$/);
  await signedIn.expect("NOOP", 250);
  await third.expect("NOOP", 250);
  signedIn.destroy();
  third.destroy();
});

test("IMAPS: a session not logged in gives way with BYE [UNAVAILABLE]; a logged-in one stays", async () => {
  const user = await RawImap.open(h.ports.imaps);
  await user.command(`LOGIN ${USER} ${PASSWORD}`);
  const anonymous = await RawImap.open(h.ports.imaps);
  const newcomer = await RawImap.open(h.ports.imaps);
  await anonymous.waitFor((l) => l.startsWith("* BYE [UNAVAILABLE] Too many connections"));
  assert.equal((await user.command("NOOP")).status, "OK");
  assert.equal((await newcomer.command(`LOGIN ${USER} ${PASSWORD}`)).status, "OK");
  user.destroy();
  newcomer.destroy();
});

test("IMAPS: sessions busy with failed LOGINs (the failure delay) still give way; the newcomer signs in", async () => {
  await settled("imaps");
  const guessers = [await RawImap.open(h.ports.imaps), await RawImap.open(h.ports.imaps)];
  // Each LOGIN fails and then waits out the failure delay (2 s): the sessions are busy, not idle.
  for (const g of guessers) g.send(`g LOGIN ${USER} wrong-password\r\n`);
  await new Promise((r) => setTimeout(r, 300)); // both checks done, both in the delay
  const newcomer = await RawImap.open(h.ports.imaps);
  const first = guessers[0];
  assert.ok(first !== undefined);
  assert.match(await first.waitFor((l) => l.startsWith("* BYE")), /^\* BYE \[UNAVAILABLE\] Too many connections/, "the oldest guesser gives way");
  assert.equal((await newcomer.command(`LOGIN ${USER} ${PASSWORD}`)).status, "OK");
  for (const g of guessers) g.destroy();
  newcomer.destroy();
});

test("IMAPS: pending handshakes and idle sessions give way by age: a bare connect does not push out an older idle session's peer, nor a newer handshake", async () => {
  await settled("imaps");
  const idle = await RawImap.open(h.ports.imaps);
  // A TCP connection that never sends a ClientHello: a handshake in progress, younger than `idle`.
  const bare = net.connect({ host: "127.0.0.1", port: h.ports.imaps });
  await new Promise<void>((resolve) => bare.once("connect", () => resolve()));
  let bareClosed = false;
  bare.on("close", () => (bareClosed = true));
  bare.on("error", () => undefined);
  await new Promise((r) => setTimeout(r, 100)); // the server has accepted it
  const newcomer = await RawImap.open(h.ports.imaps);
  assert.match(await idle.waitFor((l) => l.startsWith("* BYE")), /^\* BYE \[UNAVAILABLE\] Too many connections/, "the older of the two gives way");
  assert.equal(bareClosed, false, "the younger handshake is still waiting");
  assert.equal((await newcomer.command(`LOGIN ${USER} ${PASSWORD}`)).status, "OK");
  idle.destroy();
  bare.destroy();
  newcomer.destroy();
});

test("POP3: a client stalled in its STLS handshake gives way like an idle one (the older goes first)", async () => {
  const { c: stalled } = await RawPop3.open(h.ports.pop3);
  assert.match(await stalled.command("STLS"), /^\+OK/);
  // No ClientHello follows: the handshake waits on the client.
  const { c: idle } = await RawPop3.open(h.ports.pop3);
  const { c: newcomer } = await RawPop3.open(h.ports.pop3);
  await stalled.waitClosed();
  assert.equal(idle.closed, false, "the younger idle session stays");
  assert.match(await newcomer.command("CAPA"), /^\+OK/);
  idle.destroy();
  newcomer.destroy();
});
