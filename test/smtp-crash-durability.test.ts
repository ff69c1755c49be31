/**
 * "250 means durable": a message acknowledged with 250 survives a SIGKILL of the server the
 * moment the 250 arrives — single messages and many in parallel.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { readMailboxText } from "./mailbox.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [
      { address: ALICE, password: "alice-password" },
      { address: BOB, password: "bob-password" },
    ],
  });
});
after(async () => {
  await h.cleanup();
});

/** A body big enough to take more than one write, with a unique marker. */
function body(marker: string): string {
  const filler = randomBytes(48 * 1024).toString("base64").replace(/.{76}/g, "$&\r\n");
  return `Subject: ${marker}\r\nMessage-ID: <${marker}@remote.test>\r\n\r\n${filler}\r\n${marker}\r\n`;
}

/** Opens a TLS session with the transaction ready for DATA. */
async function readyForData(rcpts: readonly string[]): Promise<RawSmtp> {
  const c = await RawSmtp.open(h.mxPort);
  await c.expect("EHLO durable.client.test", 250);
  await c.expect("STARTTLS", 220);
  await c.startTls();
  await c.expect("EHLO durable.client.test", 250);
  await c.expect("MAIL FROM:<x@remote.test>", 250);
  for (const r of rcpts) await c.expect(`RCPT TO:<${r}>`, 250);
  await c.expect("DATA", 354);
  return c;
}

async function killedAndRestarted(): Promise<void> {
  const code = await h.stop("SIGKILL");
  assert.equal(code, null, "the server was killed, it did not exit on its own");
  assert.equal(h.proc.signalCode, "SIGKILL");
  await h.restart();
}

test("a message acknowledged with 250 is in the mailbox after SIGKILL right at the 250 and a restart", async () => {
  const marker = `crash-one-${randomBytes(6).toString("hex")}`;
  const c = await readyForData([ALICE, BOB]);
  c.send(body(marker));
  c.send(".\r\n");
  const reply = await c.readReply();
  // In the same callback as the 250: no chance for the server to do anything after it.
  h.proc.kill("SIGKILL");
  c.destroy();
  assert.equal(reply.code, 250, reply.raw);
  await killedAndRestarted();

  for (const who of [ALICE, BOB]) {
    const msgs = (await readMailboxText(h.dataDir, who)).filter((m) => m.includes(marker));
    assert.equal(msgs.length, 1, `${who} has the acknowledged message exactly once`);
    assert.ok(msgs[0]?.endsWith(`\r\n${marker}\r\n`), "the message is complete");
  }
  // The restarted server serves.
  const again = await RawSmtp.open(h.mxPort);
  await again.expect("EHLO after.crash.test", 250);
  await again.quit();
});

test("parallel deliveries, SIGKILL at the last 250: every acknowledged message is there after the restart", async () => {
  const n = 8;
  const markers = Array.from({ length: n }, (_, i) => `crash-par-${i}-${randomBytes(6).toString("hex")}`);
  const clients = await Promise.all(markers.map(() => readyForData([ALICE])));
  let acknowledged = 0;
  const codes = await Promise.all(
    clients.map(async (c, i) => {
      c.send(body(markers[i] ?? ""));
      c.send(".\r\n");
      const r = await c.readReply();
      if (r.code === 250 && ++acknowledged === n) h.proc.kill("SIGKILL");
      return r.code;
    }),
  );
  for (const c of clients) c.destroy();
  assert.deepEqual(codes, markers.map(() => 250));
  await killedAndRestarted();

  const stored = await readMailboxText(h.dataDir, ALICE);
  for (const m of markers) assert.equal(stored.filter((s) => s.includes(m)).length, 1, `${m} stored once`);
});

test("SIGKILL at the first of many 250s: each message that got its 250 is there; none is stored twice or torn", async () => {
  const n = 8;
  const markers = Array.from({ length: n }, (_, i) => `crash-first-${i}-${randomBytes(6).toString("hex")}`);
  const clients = await Promise.all(markers.map(() => readyForData([ALICE])));
  let killed = false;
  const outcomes = await Promise.all(
    clients.map(async (c, i): Promise<{ marker: string; acked: boolean }> => {
      const marker = markers[i] ?? "";
      c.send(body(marker));
      c.send(".\r\n");
      try {
        const r = await c.readReply();
        if (r.code === 250 && !killed) {
          killed = true;
          h.proc.kill("SIGKILL");
        }
        return { marker, acked: r.code === 250 };
      } catch {
        return { marker, acked: false }; // closed by the kill before a reply: not acknowledged
      }
    }),
  );
  for (const c of clients) c.destroy();
  assert.ok(killed, "at least one message was acknowledged");
  await killedAndRestarted();

  const stored = await readMailboxText(h.dataDir, ALICE);
  for (const o of outcomes) {
    const copies = stored.filter((s) => s.includes(o.marker));
    if (o.acked) assert.equal(copies.length, 1, `${o.marker} was acknowledged, so it must be stored`);
    else assert.ok(copies.length <= 1, `${o.marker} stored at most once`);
    for (const s of copies) assert.ok(s.endsWith(`\r\n${o.marker}\r\n`), `${o.marker} is complete`);
  }
});
