/**
 * Submission with OpenSSL-based clients: swaks `--auth PLAIN` over STARTTLS (587-style) and
 * implicit TLS (465-style) delivers; swaks without TLS cannot authenticate; `openssl s_client`
 * forced to TLS 1.0 or 1.1 is refused on both submission ports (implicit and `-starttls smtp`),
 * TLS 1.2 succeeds and then sees AUTH. Both tools must be installed: the tests fail, not skip.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { eventuallyInReport, readMailboxText, splitReceived, waitForMessage } from "./mailbox.ts";
import { permissiveOpensslConf, runTool, type ToolResult } from "./tls-client-env.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const ALICE_PW = `alice-pw-${randomBytes(6).toString("hex")}`;
const SWAKS = ["/usr/bin/swaks", "/usr/local/bin/swaks"].find((p) => existsSync(p));
const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((p) => existsSync(p));
let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [
      { address: ALICE, password: ALICE_PW },
      { address: BOB, password: "bob-password" },
    ],
    settings: { auth: "failure_delay_ms = 50" },
  });
});
after(async () => {
  await h.cleanup();
});

// ---- swaks -----------------------------------------------------------------------------------

function swaks(port: number, args: readonly string[]): Promise<ToolResult> {
  assert.ok(SWAKS !== undefined, "swaks is not installed (apt-get install swaks)");
  return runTool(
    SWAKS,
    ["--server", `127.0.0.1:${port}`, "--from", ALICE, "--to", BOB, "--timeout", "15", ...args],
    { timeoutMs: 30_000, env: { OPENSSL_CONF: permissiveOpensslConf() } },
  );
}

const AUTH_ARGS = ["--auth", "PLAIN", "--auth-user", ALICE, "--auth-password", ALICE_PW];

for (const [label, flag, portName] of [
  ["--tls (STARTTLS, 587-style)", "--tls", "submission"],
  ["--tlsc (implicit TLS, 465-style)", "--tlsc", "submissions"],
] as const) {
  test(`swaks --auth PLAIN ${label} exits 0 and the message arrives`, async () => {
    const marker = `swaks-sub-${randomBytes(4).toString("hex")}`;
    const helo = `swaks${flag.replace(/-/g, "")}.client.test`;
    const r = await swaks(h.ports[portName] ?? 0, [flag, ...AUTH_ARGS, "--helo", helo, "--header", `Subject: ${marker}`, "--body", `body ${marker}`]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /=== TLS started with cipher TLSv1\.[23]:/);
    assert.match(r.stdout, /^ ?~> AUTH PLAIN /m);
    assert.match(r.stdout, /<~ {2}235 2\.7\.0 Authentication successful/);
    assert.match(r.stdout, /<~ {2}250 2\.0\.0 Ok: queued as /);
    const { received, rest } = splitReceived(await waitForMessage(h.dataDir, BOB, marker));
    assert.match(received, new RegExp(`^Received: from ${helo.replace(/\./g, "\\.")} \\(\\[127\\.0\\.0\\.1\\]\\)`));
    assert.match(received, / with ESMTPSA id /);
    assert.match(received, /using TLSv1\.[23] with cipher TLS_/);
    assert.match(rest.toString("latin1"), new RegExp(`^Subject: ${marker}\\r$`, "m"));
  });
}

test("swaks --auth PLAIN without TLS fails: AUTH is not offered in plaintext, nothing is sent", async () => {
  const marker = `swaks-plain-${randomBytes(4).toString("hex")}`;
  const r = await swaks(h.ports.submission ?? 0, [...AUTH_ARGS, "--helo", "swaks-plain.client.test", "--header", `Subject: ${marker}`]);
  assert.notEqual(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /did not advertise authentication/i);
  assert.doesNotMatch(r.stdout, /^ ?~> AUTH/m, "the password was not sent");
  assert.doesNotMatch(r.stdout, /queued as/);
  assert.ok(!(await readMailboxText(h.dataDir, BOB)).some((m) => m.includes(marker)));
});

test("swaks --auth PLAIN --tls with a wrong password gets 535 5.7.8 and sends nothing", async () => {
  const marker = `swaks-wrong-${randomBytes(4).toString("hex")}`;
  const r = await swaks(h.ports.submission ?? 0, ["--tls", "--auth", "PLAIN", "--auth-user", ALICE, "--auth-password", "wrong-password", "--header", `Subject: ${marker}`]);
  assert.notEqual(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /<~\* 535 5\.7\.8 Error: authentication failed/);
  assert.doesNotMatch(r.stdout, /queued as/);
  assert.ok(!(await readMailboxText(h.dataDir, BOB)).some((m) => m.includes(marker)));
});

// ---- openssl s_client ------------------------------------------------------------------------

/** s_client forced to one version against a submission port, implicit TLS or `-starttls smtp`. */
function sClient(mode: "implicit" | "starttls", flag: string): Promise<ToolResult> {
  assert.ok(OPENSSL !== undefined, "openssl is not installed");
  const port = mode === "implicit" ? h.ports.submissions : h.ports.submission;
  const args = ["s_client", "-connect", `127.0.0.1:${port}`, flag, "-cipher", "DEFAULT@SECLEVEL=0", "-servername", "mx.sealpost.test", "-crlf", "-ign_eof"];
  if (mode === "starttls") args.splice(1, 0, "-starttls", "smtp");
  // -ign_eof: "QUIT" goes to the server (not s_client's own Q command); the server's close ends it.
  return runTool(OPENSSL, args, { input: "EHLO sclient.client.test\nQUIT\n", timeoutMs: 15_000, env: { OPENSSL_CONF: permissiveOpensslConf() } });
}

/** The version in s_client's "New, <version>, Cipher is <suite>" line. */
function negotiated(r: ToolResult): string | undefined {
  return /^New, ([^,]+), Cipher is (\S+)/m.exec(r.stdout)?.[1];
}

for (const mode of ["implicit", "starttls"] as const) {
  for (const [flag, offered, label] of [
    ["-tls1", "TLSv1", "TLS 1\\.0"],
    ["-tls1_1", "TLSv1.1", "TLS 1\\.1"],
  ] as const) {
    test(`s_client ${mode === "starttls" ? "-starttls smtp " : ""}${flag} against ${mode === "implicit" ? "submissions" : "submission"} is refused`, async () => {
      const r = await sClient(mode, flag);
      const all = r.stdout + r.stderr;
      assert.notEqual(r.status, 0, all);
      assert.equal(negotiated(r), "(NONE)", all);
      // The server answered the ClientHello with alert 70 (protocol_version).
      assert.match(r.stderr, /alert protocol version|SSL alert number 70/, all);
      // Nothing of SMTP over the refused channel: no EHLO reply, no AUTH.
      assert.doesNotMatch(r.stdout, /^250[ -]/m);
      assert.doesNotMatch(r.stdout, /AUTH PLAIN/);
      // It was the server that refused: it recorded the hello on this port.
      const port = mode === "implicit" ? h.ports.submissions : h.ports.submission;
      const ev = await eventuallyInReport(
        h,
        (rep) => rep.handshakes.find((e) => e.outcome === "refused" && e.port === port && e.offeredMax === offered),
        `the refused ${offered} handshake on ${port}`,
      );
      assert.equal(ev.protocol, "submission");
      assert.equal(ev.mode, mode);
      assert.match(ev.reason ?? "", new RegExp(label));
    });
  }

  test(`s_client ${mode === "starttls" ? "-starttls smtp " : ""}-tls1_2 against ${mode === "implicit" ? "submissions" : "submission"} succeeds and then sees AUTH`, async () => {
    const r = await sClient(mode, "-tls1_2");
    const all = r.stdout + r.stderr;
    assert.equal(r.status, 0, all);
    assert.equal(negotiated(r), "TLSv1.2", all);
    assert.match(r.stdout, /Protocol\s+: TLSv1\.2$/m, all);
    if (mode === "implicit") assert.match(r.stdout, /^220 mx\.sealpost\.test ESMTP Sealpost\r?$/m, all);
    assert.match(r.stdout, /^250-AUTH PLAIN LOGIN\r?$/m, all);
    assert.doesNotMatch(r.stdout, /^250-STARTTLS/m);
    assert.match(r.stdout, /^221 2\.0\.0 /m, all);
  });
}
