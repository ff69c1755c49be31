/**
 * Fair connection limits: 3,000 idle connections from 60 addresses on the MX and 3,000 silent
 * ones (no ClientHello) on IMAPS fill both listeners (max_connections = 1000, 50 per address), yet
 * a new client from another address delivers over STARTTLS (Python's smtplib) and signs in over
 * IMAPS (curl): the oldest idle connection that has not signed in gives way to it. A user who
 * signed in before the flood keeps their session.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawnSync } from "node:child_process";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";

const USER = "owner@example.test";
const PASSWORD = "owner-password-1";
const FLOOD_ADDRESSES = 60;
const PER_ADDRESS = 50;

let h: ServerHandle;
const flood: net.Socket[] = [];

before(async () => {
  h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: USER, password: PASSWORD }] });
});
after(async () => {
  for (const s of flood) s.destroy();
  await h.cleanup();
});

/** Opens `PER_ADDRESS` connections from each of `FLOOD_ADDRESSES` loopback addresses, a batch at a time. */
async function openFlood(port: number, firstOctet: number, onEach: (s: net.Socket) => void): Promise<{ opened: number; refused: number }> {
  let opened = 0;
  let refused = 0;
  const one = (localAddress: string): Promise<void> =>
    new Promise((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port, localAddress });
      flood.push(s);
      s.on("error", () => undefined);
      s.once("connect", () => {
        opened++;
        onEach(s);
        resolve();
      });
      s.once("close", () => {
        refused++;
        resolve();
      });
    });
  for (let round = 0; round < PER_ADDRESS; round++) {
    const batch: Promise<void>[] = [];
    for (let a = 1; a <= FLOOD_ADDRESSES; a++) batch.push(one(`127.${firstOctet}.0.${a}`));
    await Promise.all(batch);
  }
  return { opened, refused };
}

test("a new client delivers over STARTTLS and signs in over IMAPS while idle floods fill the MX and 993", async () => {
  // A user signed in before the flood.
  const early = await RawImap.open(h.ports.imaps);
  await early.command(`LOGIN ${USER} ${PASSWORD}`);

  // 3,000 SMTP connections that take the greeting and say nothing more.
  const mx = await openFlood(h.mxPort, 10, () => undefined);
  assert.equal(mx.opened, FLOOD_ADDRESSES * PER_ADDRESS);
  // 3,000 connections to 993 that never send a ClientHello.
  const imaps = await openFlood(h.ports.imaps, 11, () => undefined);
  assert.equal(imaps.opened, FLOOD_ADDRESSES * PER_ADDRESS);
  const stillOpen = flood.filter((s) => !s.destroyed && !s.readableEnded).length;
  assert.ok(stillOpen >= 1900, `${stillOpen} flood connections still open: both listeners are full`);

  // A sender from an address outside the flood delivers over STARTTLS.
  const out = python(
    `
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", ${h.mxPort}, source_address=("127.0.20.1", 0), timeout=30)
s.ehlo("new-sender.example.net"); s.starttls(context=ctx); s.ehlo("new-sender.example.net")
s.sendmail("someone@example.net", ["${USER}"], b"Subject: through the flood\\r\\n\\r\\nhello\\r\\n")
print(s.sock.version()); s.quit()
`,
  );
  assert.match(out, /TLSv1\.[23]/);

  // And a user from another address signs in over IMAPS and sees it.
  const curl = spawnSync(
    "curl",
    ["-sS", "-k", "--interface", "127.0.20.2", "--max-time", "30", "-u", `${USER}:${PASSWORD}`, `imaps://127.0.0.1:${h.ports.imaps}/INBOX`, "-X", "SEARCH SUBJECT \"through the flood\""],
    { encoding: "utf8" },
  );
  assert.equal(curl.status, 0, curl.stderr);
  assert.match(curl.stdout, /^\* SEARCH \d+/m);

  // The session signed in before the flood was not evicted.
  const noop = await early.command("NOOP");
  assert.equal(noop.status, "OK");
  await early.command("LOGOUT");
});
