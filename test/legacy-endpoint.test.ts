/**
 * The legacy endpoint (issue 12), with real old clients: openssl s_client -tls1 and Python's ssl
 * limited to TLS 1.0 sign in on the legacy IMAPS and POP3S ports with a granted account and are
 * refused, with a text that explains why, without one; the history shows both, flagged. Time moves
 * through the server's clock file, never by sleeping: past the grant's end the same client is
 * refused; past a scheduled cut-off the legacy port refuses TLS 1.0 itself, with no restart. The
 * main IMAPS port still refuses TLS 1.0, and the legacy MX takes mail only from a granted host.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HistoryEntry } from "../src/audit/index.ts";
import { generateSelfSigned } from "../src/tls/index.ts";
import { eventually, prepareDataDir, python, runCli, startSealpost, type ServerHandle } from "./harness.ts";
import { waitForMessage } from "./mailbox.ts";
import { launchChromium, newContext, shot, signIn } from "./support/browser.ts";
import { oldTlsHandshake, permissiveOpensslConf, runTool } from "./tls-client-env.ts";
import { openDataDir } from "./support/postgres.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const PW = "legacy-password-1";
const LEGACY_TEXT = "This is the legacy endpoint for old devices: only accounts with a running legacy grant may sign in here, and none after the cut-off.";

let h: ServerHandle;
let clockFile: string;

before(async () => {
  clockFile = join(mkdtempSync(join(tmpdir(), "sealpost-clock-")), "now");
  writeFileSync(clockFile, "2027-01-10T12:00:00Z");
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [
      { address: ALICE, password: PW },
      { address: BOB, password: PW },
    ],
    settings: {
      "listeners.legacy_imaps": "enabled = true",
      "listeners.legacy_pop3s": "enabled = true",
      "listeners.legacy_submissions": "enabled = true",
      "listeners.legacy_smtp": "enabled = true",
      auth: "failure_delay_ms = 20",
    },
    env: { SEALPOST_CLOCK_FILE: clockFile, TZ: "UTC" },
  });
});

after(async () => {
  await h.cleanup();
});

/** Moves the server's (and the CLI's) calendar; the server sees it within its clock file's poll. */
function setClock(iso: string): void {
  writeFileSync(clockFile, iso);
}

function history(address: string): HistoryEntry[] {
  const r = h.cli(["history", address, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { entries: HistoryEntry[] }).entries;
}

/** openssl s_client offering only TLS 1.0 at security level 0, sending `lines` to IMAP. */
async function opensslImap(port: number, lines: string[]): Promise<string> {
  const r = await runTool("/usr/bin/openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0", "-ign_eof", "-crlf"], {
    input: `${lines.join("\n")}\n`,
    timeoutMs: 15_000,
    env: { OPENSSL_CONF: permissiveOpensslConf() },
  });
  return r.stdout + r.stderr;
}

/** Python's ssl limited to TLS 1.0 (an old device's stack), its old suites allowed. */
const TLS10_CONTEXT = `
import ssl, warnings
warnings.simplefilter("ignore")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.minimum_version = ssl.TLSVersion.TLSv1
ctx.maximum_version = ssl.TLSVersion.TLSv1
ctx.set_ciphers("DEFAULT@SECLEVEL=0")
`;

/** poplib over implicit TLS 1.0: "VERSION|REPLY" for USER/PASS. */
function poplibLogin(port: number, user: string, password: string): string {
  return python(
    `${TLS10_CONTEXT}
import poplib
p = poplib.POP3_SSL("127.0.0.1", ${port}, context=ctx, timeout=10)
version = p.sock.version()
p.user(${JSON.stringify(user)})
try:
    reply = p.pass_(${JSON.stringify(password)}).decode()
except poplib.error_proto as e:
    reply = e.args[0].decode()
p.quit()
print(version + "|" + reply)
`,
    { OPENSSL_CONF: permissiveOpensslConf() },
  ).trim();
}

/** imaplib over implicit TLS (1.0 unless `modern`): "VERSION|RESULT REPLY" for LOGIN. */
function imaplibLogin(port: number, user: string, password: string, modern = false): string {
  const context = modern ? `import ssl\nctx = ssl.create_default_context()\nctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE\n` : TLS10_CONTEXT;
  return python(
    `${context}
import imaplib
m = imaplib.IMAP4_SSL("127.0.0.1", ${port}, ssl_context=ctx, timeout=10)
version = m.sock.version()
try:
    typ, data = m.login(${JSON.stringify(user)}, ${JSON.stringify(password)})
    reply = typ + " " + data[0].decode()
except imaplib.IMAP4.error as e:
    reply = "NO " + str(e)
m.logout()
print(version + "|" + reply)
`,
    { OPENSSL_CONF: permissiveOpensslConf() },
  ).trim();
}

test("legacy CLI: bad input is one line and exit 2; grant and list --json", () => {
  const oneLine = (args: string[], pattern: RegExp): void => {
    const r = h.cli(args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  };
  oneLine(["legacy", "grant", ALICE, "--until", "next week"], /^sealpost: --until: expected a date/);
  oneLine(["legacy", "grant", ALICE, "--until", "2027-01-31", "--protocols", "imap,smtp"], /^sealpost: --protocols: expected some of imap, pop3, submission, got "smtp"/);
  oneLine(["legacy", "grant", "nobody@example.test", "--until", "2027-01-31"], /^sealpost: no account nobody@example\.test/);
  oneLine(["legacy", "grant", ALICE, "--until", "2027-01-05"], /^sealpost: --until: .* is not in the future/);
  oneLine(["legacy", "revoke", BOB], /^sealpost: bob@example\.test has no legacy grant/);

  const g = h.cli(["legacy", "grant", ALICE, "--until", "2027-01-31", "--protocols", "imap,pop3"]);
  assert.equal(g.status, 0, g.stderr);
  assert.match(g.stdout, /granted alice@example\.test the legacy endpoint \(imap, pop3\) until 2027-02-01T00:00:00\.000Z/);
  const list = h.cli(["legacy", "list", "--json"]);
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout), [
    { address: ALICE, host: null, protocols: ["imap", "pop3"], until: "2027-02-01T00:00:00.000Z", ended: false, createdAt: "2027-01-10T12:00:00.000Z" },
  ]);
});

test("TLS 1.0 clients sign in on the legacy IMAPS and POP3S ports with a grant; without one they are told why; the history flags both", async () => {
  const ports = h.ports;
  assert.ok((ports.legacy_imaps ?? 0) > 0 && (ports.legacy_pop3s ?? 0) > 0, JSON.stringify(ports));

  const ok = await opensslImap(ports.legacy_imaps ?? 0, [`a1 LOGIN ${ALICE} ${PW}`, "a2 LOGOUT"]);
  assert.match(ok, /Protocol *: TLSv1\n/, ok);
  assert.match(ok, /^a1 OK \[CAPABILITY [^\]]*\] Logged in\.\r?$/m, ok);

  const refused = await opensslImap(ports.legacy_imaps ?? 0, [`a1 LOGIN ${BOB} ${PW}`, "a2 LOGOUT"]);
  assert.match(refused, /Protocol *: TLSv1\n/, refused);
  assert.ok(refused.includes(`a1 NO [AUTHENTICATIONFAILED] ${LEGACY_TEXT} Use port 993 with TLS 1.2 or newer.`), refused);
  // A wrong password learns nothing about grants.
  const wrong = await opensslImap(ports.legacy_imaps ?? 0, [`a1 LOGIN ${BOB} not-the-password`, "a2 LOGOUT"]);
  assert.match(wrong, /^a1 NO \[AUTHENTICATIONFAILED\] Authentication failed\.\r?$/m, wrong);

  assert.equal(poplibLogin(ports.legacy_pop3s ?? 0, ALICE, PW), "TLSv1|+OK Logged in.");
  assert.equal(poplibLogin(ports.legacy_pop3s ?? 0, BOB, PW), `TLSv1|-ERR [AUTH] ${LEGACY_TEXT} Use port 995 with TLS 1.2 or newer.`);

  // Alice's grant covers IMAP and POP3, not submission: the legacy submission port says so.
  const smtp = python(
    `${TLS10_CONTEXT}
import smtplib
s = smtplib.SMTP_SSL("127.0.0.1", ${ports.legacy_submissions ?? 0}, context=ctx, timeout=10)
try:
    s.login(${JSON.stringify(ALICE)}, ${JSON.stringify(PW)})
    print("logged in")
except smtplib.SMTPAuthenticationError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
`,
    { OPENSSL_CONF: permissiveOpensslConf() },
  ).trim();
  assert.equal(smtp, `535 5.7.8 ${LEGACY_TEXT} Use port 465 with TLS 1.2 or newer`);

  // smtplib tries PLAIN, then LOGIN: two refusals.
  const alice = await eventually(() => {
    const e = history(ALICE).filter((x) => x.kind === "login");
    return e.length >= 4 ? e : undefined;
  }, 5000, "alice's four legacy sign-ins");
  assert.deepEqual(
    alice.map((e) => [e.protocol, e.port, e.mechanism, e.result, e.tlsVersion, e.legacyEndpoint, e.reason]),
    [
      ["submission", ports.legacy_submissions, "AUTH LOGIN", "refused", "TLSv1", true, "legacy endpoint: no legacy grant for submission"],
      ["submission", ports.legacy_submissions, "AUTH PLAIN", "refused", "TLSv1", true, "legacy endpoint: no legacy grant for submission"],
      ["pop3", ports.legacy_pop3s, "USER", "ok", "TLSv1", true, null],
      ["imap", ports.legacy_imaps, "LOGIN", "ok", "TLSv1", true, null],
    ],
  );
  const bob = await eventually(() => {
    const e = history(BOB);
    return e.length >= 3 ? e : undefined;
  }, 5000, "bob's three sign-ins");
  assert.deepEqual(
    bob.map((e) => [e.protocol, e.port, e.result, e.legacyEndpoint, e.reason]),
    [
      ["pop3", ports.legacy_pop3s, "refused", true, "legacy endpoint: no legacy grant for pop3"],
      ["imap", ports.legacy_imaps, "failed", true, "wrong password"],
      ["imap", ports.legacy_imaps, "refused", true, "legacy endpoint: no legacy grant for imap"],
    ],
  );
  const text = h.cli(["history", BOB]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`imap:${ports.legacy_imaps} \\(legacy endpoint\\) .*LOGIN refused \\(legacy endpoint: no legacy grant for imap\\)`), text.stdout);
});

test("the web account page marks the legacy endpoint's rows, in English and German", { timeout: 60_000 }, async () => {
  const browser = await launchChromium();
  try {
    const base = `https://127.0.0.1:${h.ports.web}`;
    const en = await (await newContext(browser)).newPage();
    await signIn(en, base, BOB, PW);
    await en.getByRole("heading", { name: "My account" }).waitFor();
    const row = en.getByRole("row").filter({ hasText: String(h.ports.legacy_imaps) }).filter({ hasText: "legacy endpoint" }).filter({ hasText: "refused" });
    await row.first().waitFor();
    assert.equal(await en.getByRole("row").filter({ hasText: "legacy endpoint" }).count(), 3);
    await shot(en, "legacy-endpoint-history-en");
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signIn(de, base, BOB, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    await de.getByRole("heading", { name: "Mein Konto" }).waitFor();
    assert.equal(await de.getByRole("row").filter({ hasText: "Legacy-Zugang" }).count(), 3);
  } finally {
    await browser.close();
  }
});

test("past the grant's end (the clock moved, no restart) the same client is refused, and the refusal is recorded", async () => {
  setClock("2027-02-02T08:00:00Z");
  const port = h.ports.legacy_pop3s ?? 0;
  const reply = await eventually(() => {
    const r = poplibLogin(port, ALICE, PW);
    return r.includes("-ERR") ? r : undefined;
  }, 5000, "the ended grant to be refused");
  assert.equal(reply, `TLSv1|-ERR [AUTH] ${LEGACY_TEXT} Use port 995 with TLS 1.2 or newer.`);
  assert.match(imaplibLogin(h.ports.legacy_imaps ?? 0, ALICE, PW), /^TLSv1\|NO .*\[AUTHENTICATIONFAILED\] This is the legacy endpoint for old devices/);

  const refusals = await eventually(() => {
    const e = history(ALICE).filter((x) => x.result === "refused" && x.reason?.includes("ended") === true);
    return e.length >= 2 ? e : undefined;
  }, 5000, "the refusals in the history");
  for (const e of refusals) {
    assert.equal(e.legacyEndpoint, true);
    assert.equal(e.reason, "legacy endpoint: the legacy grant ended on 2027-02-01 00:00 UTC");
  }
  const list = h.cli(["legacy", "list", "--json"]);
  assert.equal((JSON.parse(list.stdout) as Array<{ ended: boolean }>)[0]?.ended, true);
});

test("TLS 1.0 on the main IMAPS port is still refused, and recorded", async () => {
  const r = await oldTlsHandshake(h.ports.imaps);
  assert.notEqual(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /alert protocol version|SSL alert number 70/, r.stderr);
  const hs = await eventually(() => history(ALICE).find((e) => e.kind === "refused-handshake" && e.port === h.ports.imaps), 5000, "the refused handshake");
  assert.equal(hs.offeredMax, "TLSv1");
  assert.equal(hs.legacyEndpoint, false);
  assert.match(hs.reason ?? "", /^client offered at most TLS 1\.0; this server requires TLS 1\.2 or newer$/);
});

test("the legacy endpoint's contexts follow a changed certificate file, still speaking TLS 1.0", { timeout: 30_000 }, async () => {
  const pair = await generateSelfSigned({ hostnames: ["renewed.sealpost.test"] });
  writeFileSync(join(h.dataDir, "certs/mx.sealpost.test.key"), pair.keyPem);
  writeFileSync(join(h.dataDir, "certs/mx.sealpost.test.pem"), pair.certPem);
  const renewed = await eventually(async () => {
    const r = await oldTlsHandshake(h.ports.legacy_imaps ?? 0);
    return /subject=CN ?= ?renewed\.sealpost\.test/.test(r.stdout) ? r : undefined;
  }, 15_000, "the renewed certificate on the legacy port");
  assert.match(renewed.stdout, /Protocol *: TLSv1\n/);
});

test("the legacy MX refuses MAIL from a host without a grant and delivers for a granted one", async () => {
  const send = (marker: string): string =>
    python(
      `${TLS10_CONTEXT}
import smtplib
s = smtplib.SMTP("127.0.0.1", ${h.ports.legacy_smtp ?? 0}, timeout=10)
s.ehlo("scanner.example.net")
s.starttls(context=ctx)
print(s.sock.version(), end=" ")
s.ehlo("scanner.example.net")
code, text = s.mail("scanner@example.net")
if code != 250:
    print(code, text.decode())
else:
    s.rcpt(${JSON.stringify(ALICE)})
    code, text = s.data(b"Subject: scan\\r\\n\\r\\n${marker}\\r\\n")
    print(code, text.decode())
s.quit()
`,
      { OPENSSL_CONF: permissiveOpensslConf() },
    ).trim();
  assert.equal(send("no-grant"), "TLSv1 550 5.7.1 This is the legacy MX for old sending hosts with a legacy grant only, and none after the cut-off; send to port 25 with TLS 1.2 or newer");
  // Recorded as the MX's refusals are: a row of the SMTP audit, here before any recipient.
  const recorded = await eventually(async () => {
    const store = await openDataDir(h.dataDir);
    try {
      const rows = await store.db.selectFrom("smtp_recipients").select(["client_ip", "mail_from", "rcpt", "code", "enhanced", "tls_version"]).where("code", "=", 550).execute();
      return rows.length > 0 ? rows.map((r) => ({ ...r })) : undefined;
    } finally {
      await store.close();
    }
  }, 5000, "the recorded refusal");
  assert.deepEqual(recorded, [{ client_ip: "127.0.0.1", mail_from: "scanner@example.net", rcpt: "", code: 550, enhanced: "5.7.1", tls_version: "TLSv1" }]);
  const g = h.cli(["legacy", "grant", "127.0.0.1", "--until", "2027-03-31"]);
  assert.equal(g.status, 0, g.stderr);
  assert.match(send("scan-delivered-1"), /^TLSv1 250 2\.0\.0 Ok: queued as /);
  await waitForMessage(h.dataDir, ALICE, "scan-delivered-1");
});

test("past a scheduled cut-off the legacy IMAPS port refuses TLS 1.0 like the main ports, recorded, and refuses every legacy sign-in", async () => {
  const scheduled = h.cli(["cutoff", "schedule", "--date", "2027-02-15T04:00:00Z"]);
  assert.equal(scheduled.status, 0, scheduled.stderr);
  // No grant may outlast the cut-off.
  const late = h.cli(["legacy", "grant", BOB, "--until", "2027-03-01"]);
  assert.equal(late.status, 2, late.stdout + late.stderr);
  assert.equal(late.stderr, "sealpost: --until: the cut-off on 2027-02-15T04:00:00.000Z ends every grant; choose a date on or before it\n");
  // Before the date the legacy port still speaks TLS 1.0.
  const before = await oldTlsHandshake(h.ports.legacy_imaps ?? 0);
  assert.match(before.stdout, /Protocol *: TLSv1\n/, before.stdout + before.stderr);

  setClock("2027-02-15T04:00:01Z");
  const port = h.ports.legacy_imaps ?? 0;
  const refused = await eventually(async () => {
    const r = await oldTlsHandshake(port);
    return r.status !== 0 ? r : undefined;
  }, 15_000, "the legacy port to refuse TLS 1.0");
  assert.match(refused.stderr, /alert protocol version|SSL alert number 70/, refused.stderr);
  const hs = await eventually(
    () => history(ALICE).find((e) => e.kind === "refused-handshake" && e.port === port),
    5000,
    "the refused handshake on the legacy port",
  );
  assert.equal(hs.legacyEndpoint, true);
  assert.equal(hs.offeredMax, "TLSv1");
  assert.equal(hs.reason, "client offered at most TLS 1.0; this server requires TLS 1.2 or newer");

  // A modern client still reaches the legacy port (with the main policy), but no legacy sign-in is left.
  const modern = imaplibLogin(port, ALICE, PW, true);
  assert.match(modern, /^TLSv1\.[23]\|NO .*AUTHENTICATIONFAILED.*legacy endpoint/);
  const last = await eventually(() => history(ALICE).find((e) => e.kind === "login" && e.reason?.includes("cut-off") === true), 5000, "the cut-off refusal");
  assert.equal(last.reason, "legacy endpoint: the cut-off on 2027-02-15 04:00 UTC ended legacy access");
  assert.equal(last.legacyEndpoint, true);
});

test("a forbidden suite in [legacy] ciphers stops the server at start with one line naming the key", () => {
  const dir = prepareDataDir({ settings: { legacy: 'ciphers = "ECDHE-RSA-AES128-SHA:DES-CBC3-SHA"' } });
  const r = runCli(dir, ["serve"]);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /^sealpost: legacy\.ciphers: "DES-CBC3-SHA" is a forbidden suite \(TLS_RSA_WITH_3DES_EDE_CBC_SHA: 3DES\)\n$/m, r.stderr);
});
