/**
 * swaks, the SMTP test tool admins reach for: a STARTTLS delivery works and is stored; forced to
 * TLS 1.0 (`--tls-protocol tlsv1`) it fails because the server refuses the handshake.
 * swaks must be installed (Debian package "swaks"); the test fails, not skips, without it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { eventuallyInReport, readMailboxText, splitReceived, waitForMessage } from "./mailbox.ts";
import { permissiveOpensslConf, runTool } from "./tls-client-env.ts";

const ALICE = "alice@example.test";
const SWAKS = ["/usr/bin/swaks", "/usr/local/bin/swaks"].find((p) => existsSync(p));
let h: ServerHandle;

before(async () => {
  h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: "alice-password" }] });
});
after(async () => {
  await h.cleanup();
});

function swaks(args: readonly string[]): ReturnType<typeof runTool> {
  assert.ok(SWAKS !== undefined, "swaks is not installed (apt-get install swaks)");
  return runTool(
    SWAKS,
    ["--server", `127.0.0.1:${h.mxPort}`, "--to", ALICE, "--from", "x@remote.test", "--helo", "swaks.client.test", "--timeout", "15", ...args],
    // A permissive OpenSSL config so that swaks really offers what it is told to (TLS 1.0 too).
    { timeoutMs: 30_000, env: { OPENSSL_CONF: permissiveOpensslConf() } },
  );
}

test("swaks is installed", () => {
  assert.ok(SWAKS !== undefined, "swaks is not installed (apt-get install swaks)");
});

test("swaks --tls delivers; the message is stored with a Received header naming the TLS version", async () => {
  const marker = `swaks-${randomBytes(4).toString("hex")}`;
  const r = await swaks(["--tls", "--header", `Subject: ${marker}`, "--body", `body ${marker}`]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /=== TLS started with cipher TLSv1\.[23]:/);
  assert.match(r.stdout, /<~ {2}250 2\.0\.0 Ok: queued as /);
  const { received, rest } = splitReceived(await waitForMessage(h.dataDir, ALICE, marker));
  assert.match(received, /^Received: from swaks\.client\.test \(\[127\.0\.0\.1\]\)/);
  assert.match(received, /using TLSv1\.[23] with cipher TLS_/);
  assert.match(rest.toString("latin1"), new RegExp(`^Subject: ${marker}\\r$`, "m"));
});

test("swaks --tls --tls-protocol tlsv1 fails: the server refuses TLS 1.0 and nothing is delivered", async () => {
  const marker = `swaks-tls1-${randomBytes(4).toString("hex")}`;
  const r = await swaks(["--tls", "--tls-protocol", "tlsv1", "--header", `Subject: ${marker}`]);
  assert.notEqual(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /TLS startup failed|STARTTLS attempted but failed/);
  assert.match(r.stdout + r.stderr, /protocol version/);
  assert.doesNotMatch(r.stdout, /queued as/);
  // It was the server that refused: it recorded a TLS 1.0 hello.
  const ev = await eventuallyInReport(h, (rep) => rep.handshakes.find((e) => e.outcome === "refused" && e.offeredMax === "TLSv1"), "the refused TLS 1.0 handshake");
  assert.match(ev.reason ?? "", /TLS 1\.0/);
  assert.ok(!(await readMailboxText(h.dataDir, ALICE)).some((m) => m.includes(marker)));
});
