/**
 * Issue 10's rough edges, as a newcomer met them with Python's smtplib, imaplib and poplib: one id
 * per message (250 reply, Received header, queue row), `queue show` for attempts that never
 * connected, IMAP and POP3 in the tls-report's sessions, and no word or bracket said twice in
 * `history` and `tls-report`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TlsReport } from "../src/audit/index.ts";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { splitReceived, waitForMessage } from "./mailbox.ts";
import { freePort } from "./postfix-peer.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] });
  // A relay domain whose next hop refuses connections: its mail waits in the queue.
  const relay = h.cli(["relay", "add", "relay.test", "--next-hop", `127.0.0.1:${await freePort()}`]);
  assert.equal(relay.status, 0, relay.stderr);
});
after(async () => {
  await h.cleanup();
});

/** One message through smtplib; the 250 reply's id. EHLO [127.0.0.1], as smtplib says it on a host without a dotted name. */
function send(opts: { submission: boolean; to: string[]; marker: string }): string {
  const out = python(
    `
import os, smtplib, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(e["PORT"]), local_hostname="[127.0.0.1]", timeout=10)
s.ehlo()
if e["SUB"] == "1":
    s.starttls(context=ctx)
    s.login(e["U"], e["PW"])
for reply in [s.mail(e["U"] if e["SUB"] == "1" else "someone@remote.test")] + [s.rcpt(r) for r in e["TO"].split(",")]:
    if reply[0] != 250:
        raise SystemExit("refused: %r" % (reply,))
# Submission: the header From is the account's own, as the envelope sender is.
author = "From: %s\\r\\n" % e["U"] if e["SUB"] == "1" else ""
code, text = s.data((author + "Subject: %s\\r\\n\\r\\nhello\\r\\n" % e["MARK"]).encode())
print(code, text.decode())
s.quit()
`,
    { PORT: String(opts.submission ? h.ports.submission : h.mxPort), SUB: opts.submission ? "1" : "0", U: ALICE, PW, TO: opts.to.join(","), MARK: opts.marker },
  );
  const m = /^250 2\.0\.0 Ok: queued as (\S+)$/m.exec(out);
  assert.ok(m?.[1] !== undefined, out);
  return m[1];
}

/** The id in a Received header ("… with ESMTPSA id X\r\n"). */
function receivedId(message: Buffer): string {
  const m = / id (\S+)\r\n/.exec(splitReceived(message).received);
  assert.ok(m?.[1] !== undefined, splitReceived(message).received);
  return m[1];
}

interface Shown {
  blob: string;
  attempts: Array<{ tlsVersion: string | null; connected: boolean; problem: { kind: string } | null }>;
}

function queueShow(id: string): Shown {
  const r = h.cli(["queue", "show", id, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Shown;
}

const queuedIds: string[] = [];

test("one id per message: the 250 reply, the Received header and the queue row agree (submission and MX, local and queued)", async () => {
  const cases = [
    { submission: true, to: ["bob@nowhere.invalid", ALICE], queued: true },
    { submission: true, to: [ALICE], queued: false },
    { submission: false, to: ["anyone@relay.test", ALICE], queued: true },
    { submission: false, to: [ALICE], queued: false },
  ];
  for (const [i, c] of cases.entries()) {
    const marker = `one-id-${i}-${Date.now()}`;
    const id = send({ ...c, marker });
    const local = await waitForMessage(h.dataDir, ALICE, marker);
    assert.equal(receivedId(local), id, `case ${i}: alice's copy`);
    if (c.queued) {
      const queued = readFileSync(join(h.dataDir, "blobs", queueShow(id).blob));
      assert.equal(receivedId(queued), id, `case ${i}: the queued copy`);
      queuedIds.push(id);
    } else {
      assert.notEqual(h.cli(["queue", "show", id]).status, 0, `case ${i}: a local-only message is not queued`);
    }
  }
});

test("queue show: an attempt that never connected (DNS failure, connection refused) says 'no connection', not plaintext", async () => {
  assert.equal(queuedIds.length, 2);
  for (const id of queuedIds) {
    const shown = await eventually(() => {
      const s = queueShow(id);
      return s.attempts.length > 0 ? s : undefined;
    }, 10_000, `an attempt for ${id}`);
    const a = shown.attempts[0];
    assert.ok(a !== undefined);
    assert.ok(["dns", "connect"].includes(a.problem?.kind ?? ""), JSON.stringify(a));
    assert.equal(a.connected, false);
    const table = h.cli(["queue", "show", id]).stdout;
    const line = table.split("\n").find((l) => / deferred\b/.test(l) && /^\d{4}-/.test(l));
    assert.ok(line !== undefined, table);
    assert.match(line, / no connection /);
    assert.doesNotMatch(line, /plaintext/);
    // What went wrong is in the last column (it was empty for a refused connection).
    assert.match(line, / deferred +(DNS MX lookup for nowhere\.invalid failed|127\.0\.0\.1: connection refused)/, table);
  }
  const log = h.cli(["queue", "log"]).stdout;
  assert.doesNotMatch(log, /plaintext/, log);
  // The tls-report counts connections per TLS version: none were made.
  const report = h.cli(["tls-report"]).stdout;
  const outbound = report.slice(report.indexOf("Outbound:"));
  assert.match(outbound, /^nowhere\.invalid +1 +0 +- /m, outbound);
  assert.match(outbound, /^relay\.test +1 +0 +- /m, outbound);
});

test("tls-report: outbound problems are not named twice ('dns ×1: dns: …')", () => {
  const report = h.cli(["tls-report"]).stdout;
  const outbound = report.slice(report.indexOf("Outbound:"));
  assert.match(outbound, /dns ×1: DNS MX lookup for nowhere\.invalid failed/, outbound);
  assert.match(outbound, /connect ×1: 127\.0\.0\.1: /, outbound);
  assert.doesNotMatch(outbound, /([\w-]+) ×\d+: \1\b/, outbound);
});

test("tls-report shows IMAP and POP3 sessions by TLS version beside SMTP's, and plaintext POP3 sign-ins", async () => {
  python(
    `
import imaplib, os, poplib, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4("127.0.0.1", int(e["IMAP"]), timeout=10); m.starttls(ctx); m.login(e["U"], e["PW"]); m.logout()
m = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx, timeout=10); m.login(e["U"], e["PW"]); m.logout()
p = poplib.POP3_SSL("127.0.0.1", int(e["POP3S"]), context=ctx, timeout=10); p.user(e["U"]); p.pass_(e["PW"]); p.quit()
p = poplib.POP3("127.0.0.1", int(e["POP3"]), timeout=10)
try:
    p.user(e["U"])
except poplib.error_proto:
    pass
p.quit()
`,
    { IMAP: String(h.ports.imap), IMAPS: String(h.ports.imaps), POP3: String(h.ports.pop3), POP3S: String(h.ports.pop3s), U: ALICE, PW },
  );
  const report = await eventually(() => {
    const r = h.cli(["tls-report", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as TlsReport;
    const n = (p: string, tls: RegExp): number => rep.sessions.filter((s) => s.protocol === p && tls.test(s.tls)).reduce((a, s) => a + s.count, 0);
    return n("imap", /^TLSv1\.[23]$/) >= 2 && n("pop3", /^TLSv1\.[23]$/) >= 1 && n("pop3", /^plaintext$/) >= 1 ? rep : undefined;
  }, 5000, "IMAP and POP3 in the sessions");
  assert.ok(report.sessions.some((s) => s.protocol === "smtp" && s.unit === "sessions"), JSON.stringify(report.sessions));
  assert.deepEqual(report.sessions.filter((s) => s.protocol === "pop3" && s.tls === "plaintext").map((s) => [s.count, s.unit]), [[1, "sign-in attempts"]]);
  const human = h.cli(["tls-report"]).stdout;
  const table = human.slice(0, human.indexOf("Refused"));
  assert.match(table, /^imap +TLSv1\.[23] +2$/m, table);
  assert.match(table, /^pop3 +TLSv1\.[23] +1$/m, table);
  assert.match(table, /^pop3 +plaintext +1 sign-in attempt$/m, table);
  assert.match(table, /^smtp +plaintext +\d+$/m, table);
  assert.match(table, /^submission +TLSv1\.[23] +\d+$/m, table);
});

test("history: a failed handshake says 'TLS handshake failed' once; smtplib's EHLO [127.0.0.1] is not bracketed again", async () => {
  // A client that checks the certificate (this server's is self-signed) aborts the handshake
  // with an unknown_ca alert, from the address alice signed in from.
  python(
    `
import imaplib, os, ssl
try:
    imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS"]), ssl_context=ssl.create_default_context(), timeout=10)
    raise SystemExit("the handshake succeeded")
except ssl.SSLCertVerificationError:
    pass
`,
    { IMAPS: String(h.ports.imaps) },
  );
  const text = await eventually(() => {
    const r = h.cli(["history", ALICE]);
    assert.equal(r.status, 0, r.stderr);
    return /TLS handshake failed/.test(r.stdout) ? r.stdout : undefined;
  }, 5000, "the failed handshake in the history");
  const failed = text.split("\n").find((l) => /TLS handshake failed/.test(l));
  assert.match(failed ?? "", new RegExp(`imap:${h.ports.imaps} +127\\.0\\.0\\.1 +session [0-9A-F]{16} +offered at most TLSv1\\.3 +TLS handshake failed: tlsv1 alert unknown ca$`), text);
  assert.doesNotMatch(text, /TLS handshake failed: TLS handshake failed/);
  // The submission logins of the first test, with smtplib's EHLO name.
  assert.match(text, /submission:\d+ +127\.0\.0\.1 +session [0-9A-F]{16} +TLSv1\.[23] \S+ +AUTH \w+ ok {2}\[127\.0\.0\.1\]$/m, text);
  assert.doesNotMatch(text, /\[\[/, text);
});
