/**
 * Submission (RFC 6409, RFC 4954, RFC 8314) with real clients: nodemailer over STARTTLS and
 * implicit TLS delivers locally and queues remote mail durably; Python's smtplib sees AUTH refused
 * before TLS, the exact 530/535/553/501 replies, and the AUTH LOGIN exchange; `sealpost history`
 * lists every submission login; a message acknowledged for a remote recipient survives SIGKILL.
 * swaks and openssl s_client are in submission-tls.test.ts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import nodemailer, { type SMTPTransportOptions } from "nodemailer";
import { listQueue, type QueuedMessage } from "../src/queue/index.ts";
import type { HistoryEntry } from "../src/audit/index.ts";
import { eventually, python, startSealpost, type ServerHandle, type StartOptions } from "./harness.ts";
import { readMailboxText, splitReceived, waitForMessage } from "./mailbox.ts";
import { RawSmtp } from "./smtp-raw.ts";
import { SMTPLIB_PRELUDE } from "./support/python-smtp.ts";
import { openDataDir } from "./support/postgres.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const CAROL = "carol@remote.example";
// Distinctive, so that a test can look for them in the data directory.
const ALICE_PW = `alice-pw-${randomBytes(6).toString("hex")}`;
const BOB_PW = `bob-pw-${randomBytes(6).toString("hex")}`;
const AUTH_FAILED = "535 5.7.8 Error: authentication failed";

const OPTIONS: StartOptions = {
  domains: [{ name: "example.test" }],
  users: [
    { address: ALICE, password: ALICE_PW },
    { address: BOB, password: BOB_PW },
  ],
  // Short failure delay; enough failures allowed per address that the tests' wrong passwords
  // never hit the rate limit (which would turn a 535 into a 454).
  settings: { auth: "failure_delay_ms = 50\nmax_failures_per_ip = 1000\nmax_failures_per_user = 1000" },
};

let h: ServerHandle;

before(async () => {
  h = await startSealpost(OPTIONS);
});
after(async () => {
  await h.cleanup();
});

const tag = (what: string): string => `${what}-${randomBytes(5).toString("hex")}`;
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const plain = (user: string, pass: string): string => b64(`\0${user}\0${pass}`);

async function queue(dataDir: string): Promise<Array<QueuedMessage & { bytes: Buffer }>> {
  const store = await openDataDir(dataDir);
  try {
    const rows = await listQueue(store.db);
    return await Promise.all(rows.map(async (r) => ({ ...r, bytes: await store.blobs.read(r.blob) })));
  } finally {
    await store.close();
  }
}

function queueIdOf(response: string): string {
  const m = /^250 2\.0\.0 Ok: queued as ([0-9A-F]+)\s*$/.exec(response);
  assert.ok(m?.[1] !== undefined, `not a 250 queued reply: ${response}`);
  return m[1];
}

/** createTransport's SMTP overload (typed options pick it; untyped ones fall through to Mail<any>). */
function createSmtpTransport(opts: SMTPTransportOptions) {
  return nodemailer.createTransport(opts);
}
type Transport = ReturnType<typeof createSmtpTransport>;

function starttlsTransport(name: string, auth: { user: string; pass: string } = { user: ALICE, pass: ALICE_PW }): Transport {
  return createSmtpTransport({
    host: "127.0.0.1",
    port: h.ports.submission,
    secure: false,
    requireTLS: true,
    name,
    tls: { rejectUnauthorized: false },
    auth,
  });
}

function implicitTransport(name: string, authMethod?: string): Transport {
  return createSmtpTransport({
    host: "127.0.0.1",
    port: h.ports.submissions,
    secure: true,
    name,
    authMethod,
    tls: { rejectUnauthorized: false },
    auth: { user: ALICE, pass: ALICE_PW },
  });
}

// ---- nodemailer ------------------------------------------------------------------------------

test("nodemailer over STARTTLS: bob's INBOX gets the message, carol's copy is queued with the same bytes", async () => {
  const marker = tag("nm-starttls");
  const t = starttlsTransport("nodemailer.client.test");
  let info;
  try {
    info = await t.sendMail({ from: ALICE, to: [BOB, CAROL], subject: marker, text: `body ${marker}` });
  } finally {
    t.close();
  }
  assert.deepEqual([...info.accepted].sort(), [BOB, CAROL]);
  assert.deepEqual(info.rejected, []);
  const queueId = queueIdOf(info.response);

  const stored = await waitForMessage(h.dataDir, BOB, marker);
  const { received, signatures, rest } = splitReceived(stored);
  // Signed once as it was queued for carol: bob's copy is the same blob.
  assert.deepEqual(signatures.map((f) => /\bd=([^;]+);/.exec(f)?.[1]), ["example.test", "example.test"]);
  assert.match(received, /^Received: from nodemailer\.client\.test \(\[127\.0\.0\.1\]\)\r\n/);
  assert.match(received, /^\tby mx\.sealpost\.test \(Sealpost\) with ESMTPSA id /m);
  assert.match(received, /\(using TLSv1\.[23] with cipher TLS_[A-Z0-9_]+/);
  assert.match(rest.toString("latin1"), new RegExp(`^Subject: ${marker}\\r$`, "m"));
  assert.match(rest.toString("latin1"), new RegExp(`^From: ${ALICE}\\r$`, "m"));

  const rows = (await queue(h.dataDir)).filter((q) => q.bytes.includes(marker));
  assert.equal(rows.length, 1, "one queue entry for the message");
  const row = rows[0];
  assert.ok(row !== undefined);
  assert.equal(row.id, queueId, "the 250 names the queue id");
  assert.deepEqual(row.recipients, [CAROL], "only the remote recipient is queued");
  assert.equal(row.from, ALICE);
  assert.ok(["queued", "deferred"].includes(row.status), row.status);
  assert.equal(row.source, `submission:${ALICE}`);
  assert.equal(row.size, row.bytes.length);
  assert.ok(row.bytes.equals(stored), "the queued bytes are the bytes delivered to bob");
  // Nothing was delivered to the sender's own INBOX.
  assert.ok(!(await readMailboxText(h.dataDir, ALICE)).some((m) => m.includes(marker)));
});

test("nodemailer over implicit TLS (AUTH PLAIN and AUTH LOGIN) delivers locally and queues nothing", async () => {
  for (const method of ["PLAIN", "LOGIN"]) {
    const marker = tag(`nm-implicit-${method}`);
    const t = implicitTransport("implicit.client.test", method);
    let info;
    try {
      info = await t.sendMail({ from: ALICE, to: BOB, subject: marker, text: `body ${marker}` });
    } finally {
      t.close();
    }
    assert.deepEqual(info.accepted, [BOB], method);
    const queueId = queueIdOf(info.response);
    const { received } = splitReceived(await waitForMessage(h.dataDir, BOB, marker));
    assert.match(received, /^Received: from implicit\.client\.test \(\[127\.0\.0\.1\]\)\r\n/);
    assert.match(received, /^\tby mx\.sealpost\.test \(Sealpost\) with ESMTPSA id /m);
    assert.match(received, /\(using TLSv1\.[23] with cipher TLS_/);
    assert.match(received, new RegExp(`\\tfor <${BOB}>; `));
    const q = await queue(h.dataDir);
    assert.ok(!q.some((r) => r.id === queueId || r.bytes.includes(marker)), `${method}: a local-only message is not queued`);
  }
});

test("nodemailer: a wrong password fails with EAUTH 535 and nothing is sent", async () => {
  const marker = tag("nm-wrong");
  const t = starttlsTransport("wrong.client.test", { user: ALICE, pass: "not-the-password" });
  try {
    await assert.rejects(t.sendMail({ from: ALICE, to: [BOB, CAROL], subject: marker, text: marker }), (e: { code?: string; responseCode?: number; response?: string }) => {
      assert.equal(e.code, "EAUTH");
      assert.equal(e.responseCode, 535);
      assert.equal(e.response, AUTH_FAILED);
      return true;
    });
  } finally {
    t.close();
  }
  assert.ok(!(await readMailboxText(h.dataDir, BOB)).some((m) => m.includes(marker)));
  assert.ok(!(await queue(h.dataDir)).some((r) => r.bytes.includes(marker)));
});

// ---- smtplib ---------------------------------------------------------------------------------

const PY_PRELUDE = `${SMTPLIB_PRELUDE}
PORT = int(os.environ["SUB_PORT"])
ALICE = os.environ["ALICE"]
PW = os.environ["ALICE_PW"]
def b64(s):
    return base64.b64encode(s.encode()).decode()
def plain(u, p):
    return b64("\\0" + u + "\\0" + p)
def tls_session(name):
    s = smtplib.SMTP("127.0.0.1", PORT, local_hostname=name, timeout=20)
    s.ehlo()
    s.starttls(context=CTX)
    s.ehlo()
    return s
`;

/** Runs a smtplib snippet against the STARTTLS submission port; it fills `out`, returned parsed. */
function smtplib(body: string): Record<string, unknown> {
  const code = `${PY_PRELUDE}\n${body}\nprint(json.dumps(out))\n`;
  const stdout = python(code, { SUB_PORT: String(h.ports.submission), ALICE, ALICE_PW, BOB_PW });
  return JSON.parse(stdout) as Record<string, unknown>;
}

test("smtplib before TLS: no AUTH in EHLO, AUTH PLAIN/LOGIN → 530 5.7.0, MAIL → 530, login() impossible", () => {
  const out = smtplib(`
s = smtplib.SMTP("127.0.0.1", PORT, local_hostname="plain.client.test", timeout=20)
s.ehlo()
out["features"] = sorted(s.esmtp_features.keys())
out["authPlain"] = line(s.docmd("AUTH", "PLAIN " + plain(ALICE, PW)))
out["authLogin"] = line(s.docmd("AUTH", "LOGIN"))
out["authPlainNoIr"] = line(s.docmd("AUTH", "PLAIN"))
out["mail"] = line(s.docmd("MAIL", "FROM:<" + ALICE + ">"))
try:
    s.login(ALICE, PW)
    out["login"] = "logged in"
except smtplib.SMTPNotSupportedError:
    out["login"] = "not supported"
out["noop"] = line(s.noop())
s.quit()
`);
  const features = out.features as string[];
  assert.ok(features.includes("starttls"), JSON.stringify(features));
  assert.ok(!features.includes("auth"), `AUTH advertised before TLS: ${JSON.stringify(features)}`);
  assert.equal(out.authPlain, "530 5.7.0 Must issue a STARTTLS command first");
  assert.equal(out.authLogin, "530 5.7.0 Must issue a STARTTLS command first");
  assert.equal(out.authPlainNoIr, "530 5.7.0 Must issue a STARTTLS command first", "no 334: nothing is asked for in plaintext");
  assert.equal(out.mail, "530 5.7.0 Authentication required");
  assert.equal(out.login, "not supported");
  assert.equal(out.noop, "250 2.0.0 Ok", "the session goes on after the refusals");
});

test("smtplib after STARTTLS: AUTH advertised; MAIL before AUTH → 530; wrong password and unknown account → the same 535", () => {
  const out = smtplib(`
s = tls_session("py.client.test")
out["features"] = sorted(s.esmtp_features.keys())
out["auth"] = s.esmtp_features.get("auth", "").strip()
out["mailFirst"] = line(s.docmd("MAIL", "FROM:<" + ALICE + ">"))
out["wrong"] = line(s.docmd("AUTH", "PLAIN " + plain(ALICE, "wrong-password")))
out["unknown"] = line(s.docmd("AUTH", "PLAIN " + plain("nobody@example.test", PW)))
out["unknownDomain"] = line(s.docmd("AUTH", "PLAIN " + plain("alice@elsewhere.test", PW)))
out["otherUsersPassword"] = line(s.docmd("AUTH", "PLAIN " + plain(ALICE, os.environ["BOB_PW"])))
out["authzidMismatch"] = line(s.docmd("AUTH", "PLAIN " + b64("bob@example.test\\0" + ALICE + "\\0" + PW)))
try:
    s.login(ALICE, "also-wrong")
    out["loginWrong"] = "logged in"
except smtplib.SMTPAuthenticationError as e:
    out["loginWrong"] = line((e.smtp_code, e.smtp_error))
out["mailStill"] = line(s.docmd("MAIL", "FROM:<" + ALICE + ">"))
out["login"] = line(s.login(ALICE, PW))
out["again"] = line(s.docmd("AUTH", "PLAIN " + plain(ALICE, PW)))
s.quit()
`);
  assert.ok(!(out.features as string[]).includes("starttls"), "STARTTLS is not offered after the upgrade");
  assert.equal(out.auth, "PLAIN LOGIN");
  assert.equal(out.mailFirst, "530 5.7.0 Authentication required");
  assert.equal(out.wrong, AUTH_FAILED);
  assert.equal(out.unknown, AUTH_FAILED, "an unknown account gets the reply a wrong password gets");
  assert.equal(out.unknownDomain, AUTH_FAILED);
  assert.equal(out.otherUsersPassword, AUTH_FAILED);
  assert.equal(out.authzidMismatch, AUTH_FAILED, "authorizing as another user is refused");
  assert.equal(out.loginWrong, AUTH_FAILED);
  assert.equal(out.mailStill, "530 5.7.0 Authentication required", "failed logins leave the session unauthenticated");
  assert.equal(out.login, "235 2.7.0 Authentication successful");
  assert.equal(out.again, "503 5.5.1 Error: already authenticated");
});

test("smtplib: MAIL FROM must be the account's own address (case-insensitive); unknown hosted recipient → 550 5.1.1", async () => {
  const marker = tag("py-send");
  const out = smtplib(`
s = tls_session("sender.client.test")
s.login(ALICE, PW)
out["spoofLocal"] = line(s.docmd("MAIL", "FROM:<bob@example.test>"))
out["spoofRemote"] = line(s.docmd("MAIL", "FROM:<alice@remote.example>"))
out["spoofSubaddress"] = line(s.docmd("MAIL", "FROM:<alice+x@example.test>"))
out["upper"] = line(s.docmd("MAIL", "FROM:<Alice@EXAMPLE.test>"))
out["rset"] = line(s.rset())
out["mail"] = line(s.docmd("MAIL", "FROM:<" + ALICE + ">"))
out["rcptUnknown"] = line(s.docmd("RCPT", "TO:<nobody@example.test>"))
out["rset2"] = line(s.rset())
msg = "From: " + ALICE + "\\r\\nTo: bob@example.test\\r\\nSubject: ${marker}\\r\\n\\r\\nbody ${marker}\\r\\n"
out["refused"] = {k: line(v) for k, v in s.sendmail(ALICE, ["bob@example.test", "nobody@example.test"], msg).items()}
s.quit()
`);
  assert.equal(out.spoofLocal, "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test");
  assert.equal(out.spoofRemote, "553 5.7.1 <alice@remote.example>: Sender address rejected: not owned by user alice@example.test");
  assert.equal(out.spoofSubaddress, "553 5.7.1 <alice+x@example.test>: Sender address rejected: not owned by user alice@example.test");
  assert.equal(out.upper, "250 2.1.0 Ok");
  assert.equal(out.mail, "250 2.1.0 Ok");
  assert.equal(out.rcptUnknown, "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown");
  assert.deepEqual(out.refused, { "nobody@example.test": "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown" });
  const { received } = splitReceived(await waitForMessage(h.dataDir, BOB, marker));
  assert.match(received, /^Received: from sender\.client\.test /);
  assert.match(received, /with ESMTPSA id /);
  assert.match(received, /using TLSv1\.[23] with cipher /);
});

test("smtplib: the AUTH LOGIN exchange (with and without initial response) and AUTH PLAIN via 334", () => {
  const out = smtplib(`
s = tls_session("login.client.test")
out["l1"] = line(s.docmd("AUTH", "LOGIN"))
out["l2"] = line(s.docmd(b64(ALICE)))
out["l3"] = line(s.docmd(b64(PW)))
s.quit()
s = tls_session("login-ir.client.test")
out["i1"] = line(s.docmd("AUTH", "LOGIN " + b64(ALICE)))
out["i2"] = line(s.docmd(b64("wrong-password")))
out["i3"] = line(s.docmd("AUTH", "LOGIN " + b64(ALICE)))
out["i4"] = line(s.docmd(b64(PW)))
s.quit()
s = tls_session("plain-334.client.test")
out["p1"] = line(s.docmd("AUTH", "PLAIN"))
out["p2"] = line(s.docmd(plain(ALICE, PW)))
out["p3"] = line(s.docmd("MAIL", "FROM:<" + ALICE + ">"))
s.quit()
`);
  assert.equal(out.l1, "334 VXNlcm5hbWU6");
  assert.equal(out.l2, "334 UGFzc3dvcmQ6");
  assert.equal(out.l3, "235 2.7.0 Authentication successful");
  assert.equal(out.i1, "334 UGFzc3dvcmQ6", "an initial response is the user name");
  assert.equal(out.i2, AUTH_FAILED);
  assert.equal(out.i3, "334 UGFzc3dvcmQ6");
  assert.equal(out.i4, "235 2.7.0 Authentication successful");
  assert.equal(out.p1, "334");
  assert.equal(out.p2, "235 2.7.0 Authentication successful");
  assert.equal(out.p3, "250 2.1.0 Ok");
});

test("smtplib: '*' cancels AUTH PLAIN and each step of AUTH LOGIN with 501; the session stays unauthenticated and usable", () => {
  const out = smtplib(`
s = tls_session("cancel.client.test")
out["p1"] = line(s.docmd("AUTH", "PLAIN"))
out["pCancel"] = line(s.docmd("*"))
out["l1"] = line(s.docmd("AUTH", "LOGIN"))
out["lCancelUser"] = line(s.docmd("*"))
out["m1"] = line(s.docmd("AUTH", "LOGIN"))
out["m2"] = line(s.docmd(b64(ALICE)))
out["lCancelPassword"] = line(s.docmd("*"))
out["mail"] = line(s.docmd("MAIL", "FROM:<" + ALICE + ">"))
out["login"] = line(s.docmd("AUTH", "PLAIN " + plain(ALICE, PW)))
out["mailAfter"] = line(s.docmd("MAIL", "FROM:<" + ALICE + ">"))
s.quit()
`);
  assert.equal(out.p1, "334");
  assert.match(String(out.pCancel), /^501 5\.\d\.\d /);
  assert.equal(out.l1, "334 VXNlcm5hbWU6");
  assert.match(String(out.lCancelUser), /^501 5\.\d\.\d /);
  assert.equal(out.m1, "334 VXNlcm5hbWU6");
  assert.equal(out.m2, "334 UGFzc3dvcmQ6");
  assert.match(String(out.lCancelPassword), /^501 5\.\d\.\d /);
  assert.equal(out.mail, "530 5.7.0 Authentication required");
  assert.equal(out.login, "235 2.7.0 Authentication successful");
  assert.equal(out.mailAfter, "250 2.1.0 Ok");
});

test("the MX port still has no AUTH: 503 5.5.1, also after STARTTLS", async () => {
  const c = await RawSmtp.open(h.mxPort);
  try {
    const ehlo = await c.expect("EHLO mx.client.test", 250);
    assert.ok(!ehlo.lines.some((l) => /^AUTH\b/i.test(l)));
    assert.equal((await c.command(`AUTH PLAIN ${plain(ALICE, ALICE_PW)}`)).raw, "503 5.5.1 Error: authentication not enabled\r\n");
    await c.expect("STARTTLS", 220);
    await c.startTls();
    const ehlo2 = await c.expect("EHLO mx.client.test", 250);
    assert.ok(!ehlo2.lines.some((l) => /^AUTH\b/i.test(l)), ehlo2.raw);
    assert.equal((await c.command(`AUTH PLAIN ${plain(ALICE, ALICE_PW)}`)).raw, "503 5.5.1 Error: authentication not enabled\r\n");
    // And the MX is no relay for an "authenticated" client either.
    await c.expect(`MAIL FROM:<${ALICE}>`, 250);
    assert.equal((await c.command(`RCPT TO:<${CAROL}>`)).code, 554);
  } finally {
    await c.quit();
  }
});

test("STARTTLS forgets an earlier AUTH attempt: the plaintext refusal does not carry over", async () => {
  const c = await RawSmtp.open(h.ports.submission);
  try {
    await c.expect("EHLO carry.client.test", 250);
    await c.expect(`AUTH PLAIN ${plain(ALICE, ALICE_PW)}`, 530);
    await c.expect("STARTTLS", 220);
    await c.startTls();
    const ehlo = await c.expect("EHLO carry.client.test", 250);
    assert.ok(ehlo.lines.includes("AUTH PLAIN LOGIN"), ehlo.raw);
    assert.ok(!ehlo.lines.includes("STARTTLS"), ehlo.raw);
    await c.expect(`MAIL FROM:<${ALICE}>`, 530);
    await c.expect(`AUTH PLAIN ${plain(ALICE, ALICE_PW)}`, 235);
    await c.expect(`MAIL FROM:<${ALICE}>`, 250);
  } finally {
    await c.quit();
  }
});

// ---- login history ---------------------------------------------------------------------------

function history(address: string): HistoryEntry[] {
  const r = h.cli(["history", address, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { entries: HistoryEntry[] }).entries;
}

test("sealpost history --json lists the submission logins: mechanism, result, TLS, EHLO name", async () => {
  const id = randomBytes(4).toString("hex");
  const names = {
    plain: `hist-plain-${id}.test`,
    login: `hist-login-${id}.test`,
    failed: `hist-failed-${id}.test`,
    refused: `hist-refused-${id}.test`,
    refusedLogin: `hist-refused-login-${id}.test`,
  };

  const t1 = starttlsTransport(names.plain);
  const t2 = implicitTransport(names.login, "LOGIN");
  try {
    assert.equal(await t1.verify(), true);
    assert.equal(await t2.verify(), true);
  } finally {
    t1.close();
    t2.close();
  }
  const wrongPw = `wrong-${randomBytes(6).toString("hex")}`;
  const f = await RawSmtp.open(h.ports.submission);
  await f.expect(`EHLO ${names.failed}`, 250);
  await f.expect("STARTTLS", 220);
  await f.startTls();
  await f.expect(`EHLO ${names.failed}`, 250);
  assert.equal((await f.command(`AUTH PLAIN ${plain(ALICE, wrongPw)}`)).raw, `${AUTH_FAILED}\r\n`);
  await f.quit();
  const r = await RawSmtp.open(h.ports.submission);
  await r.expect(`EHLO ${names.refused}`, 250);
  await r.expect(`AUTH PLAIN ${plain(ALICE, ALICE_PW)}`, 530);
  await r.quit();
  const rl = await RawSmtp.open(h.ports.submission);
  await rl.expect(`EHLO ${names.refusedLogin}`, 250);
  await rl.expect(`AUTH LOGIN ${b64(ALICE)}`, 530);
  await rl.quit();

  const byName = await eventually(
    () => {
      const entries = history(ALICE).filter((e) => e.kind === "login" && e.clientName !== null && e.clientName.endsWith(`-${id}.test`));
      return entries.length >= 5 ? new Map(entries.map((e) => [e.clientName, e])) : undefined;
    },
    5000,
    "five submission logins in the history",
  );
  assert.equal(byName.size, 5, JSON.stringify([...byName.values()]));
  const get = (name: string): HistoryEntry => {
    const e = byName.get(name);
    assert.ok(e !== undefined, name);
    return e;
  };

  const p = get(names.plain);
  assert.deepEqual({ protocol: p.protocol, port: p.port, mechanism: p.mechanism, result: p.result, clientIp: p.clientIp }, { protocol: "submission", port: h.ports.submission, mechanism: "AUTH PLAIN", result: "ok", clientIp: "127.0.0.1" });
  assert.match(p.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.match(p.tlsCipher ?? "", /^TLS_/);
  assert.equal(p.legacy, false);

  const l = get(names.login);
  assert.deepEqual({ protocol: l.protocol, port: l.port, mechanism: l.mechanism, result: l.result }, { protocol: "submission", port: h.ports.submissions, mechanism: "AUTH LOGIN", result: "ok" });
  assert.match(l.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.match(l.tlsCipher ?? "", /^TLS_/);

  const fl = get(names.failed);
  assert.deepEqual({ protocol: fl.protocol, port: fl.port, mechanism: fl.mechanism, result: fl.result }, { protocol: "submission", port: h.ports.submission, mechanism: "AUTH PLAIN", result: "failed" });
  assert.match(fl.reason ?? "", /wrong password/);
  assert.match(fl.tlsVersion ?? "", /^TLSv1\.[23]$/);

  const rf = get(names.refused);
  assert.deepEqual({ protocol: rf.protocol, port: rf.port, mechanism: rf.mechanism, result: rf.result, tlsVersion: rf.tlsVersion, tlsCipher: rf.tlsCipher }, { protocol: "submission", port: h.ports.submission, mechanism: "AUTH PLAIN", result: "refused", tlsVersion: null, tlsCipher: null });
  assert.match(rf.reason ?? "", /no TLS|plaintext/i);
  assert.equal(rf.legacy, true, "a plaintext login attempt is flagged");
  const rl2 = get(names.refusedLogin);
  assert.deepEqual({ mechanism: rl2.mechanism, result: rl2.result, tlsVersion: rl2.tlsVersion }, { mechanism: "AUTH LOGIN", result: "refused", tlsVersion: null });

  // The human-readable form lists them too.
  const text = h.cli(["history", ALICE]);
  assert.equal(text.status, 0, text.stderr);
  for (const n of Object.values(names)) assert.ok(text.stdout.includes(`[${n}]`), `${n} in:\n${text.stdout}`);

  // Neither the right nor the wrong password was written anywhere in the data directory.
  for (const file of readdirSync(h.dataDir, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    const bytes = readFileSync(join(file.parentPath, file.name));
    for (const secret of [ALICE_PW, wrongPw]) assert.ok(!bytes.includes(secret), `${secret} found in ${file.name}`);
  }
});

test("an AUTH PLAIN that authorizes as another user (authzid ≠ authcid) is refused with 535 and recorded in the history", async () => {
  const name = `hist-authzid-${randomBytes(4).toString("hex")}.test`;
  const c = await RawSmtp.open(h.ports.submission);
  try {
    await c.expect(`EHLO ${name}`, 250);
    await c.expect("STARTTLS", 220);
    await c.startTls();
    await c.expect(`EHLO ${name}`, 250);
    // Alice's right password, asking to act as bob.
    const r = await c.command(`AUTH PLAIN ${b64(`${BOB}\0${ALICE}\0${ALICE_PW}`)}`);
    assert.equal(r.raw, `${AUTH_FAILED}\r\n`);
    await c.expect(`MAIL FROM:<${BOB}>`, 530);
    // The same identity as authzid is allowed (case-insensitively).
    await c.expect(`AUTH PLAIN ${b64(`ALICE@example.test\0${ALICE}\0${ALICE_PW}`)}`, 235);
  } finally {
    await c.quit();
  }
  // Every attempt is login history, this one too: a valid password used to try to act as bob.
  const entries = await eventually(
    () => {
      const e = history(ALICE).filter((x) => x.clientName === name);
      return e.length >= 2 ? e : undefined;
    },
    3000,
    `two logins from ${name} in alice's history (the refused authzid attempt and the good one)`,
  );
  const results = entries.map((e) => `${e.mechanism ?? ""} ${e.result}`).sort();
  assert.equal(results.length, 2, JSON.stringify(entries));
  assert.equal(results.filter((x) => x === "AUTH PLAIN ok").length, 1, JSON.stringify(entries));
  assert.ok(results.some((x) => x === "AUTH PLAIN failed" || x === "AUTH PLAIN refused"), JSON.stringify(entries));
});

// ---- durability ------------------------------------------------------------------------------

test("a message accepted for a remote recipient survives SIGKILL right after the 250: queue row and blob are there", async () => {
  const own = await startSealpost(OPTIONS);
  try {
    const marker = tag("sub-crash");
    const filler = randomBytes(48 * 1024).toString("base64").replace(/.{76}/g, "$&\r\n");
    const body = `From: ${ALICE}\r\nTo: ${CAROL}\r\nSubject: ${marker}\r\n\r\n${filler}\r\n${marker}\r\n`;
    const c = await RawSmtp.open(own.ports.submission);
    await c.expect("EHLO crash.client.test", 250);
    await c.expect("STARTTLS", 220);
    await c.startTls();
    await c.expect("EHLO crash.client.test", 250);
    await c.expect(`AUTH PLAIN ${plain(ALICE, ALICE_PW)}`, 235);
    await c.expect(`MAIL FROM:<${ALICE}>`, 250);
    await c.expect(`RCPT TO:<${CAROL}>`, 250);
    await c.expect(`RCPT TO:<${BOB}>`, 250);
    await c.expect("DATA", 354);
    c.send(body);
    c.send(".\r\n");
    const reply = await c.readReply();
    // In the same callback as the 250: the server gets no chance to do anything after it.
    own.proc.kill("SIGKILL");
    c.destroy();
    assert.equal(reply.code, 250, reply.raw);
    const queueId = queueIdOf(reply.raw.trim());
    const code = await own.stop("SIGKILL");
    assert.equal(code, null, "the server was killed, it did not exit on its own");
    assert.equal(own.proc.signalCode, "SIGKILL");
    await own.restart();

    const rows = (await queue(own.dataDir)).filter((r) => r.id === queueId);
    assert.equal(rows.length, 1, "the queue row survived");
    const row = rows[0];
    assert.ok(row !== undefined);
    assert.deepEqual(row.recipients, [CAROL]);
    assert.equal(row.from, ALICE);
    assert.ok(["queued", "deferred"].includes(row.status), row.status);
    assert.equal(row.size, row.bytes.length);
    assert.ok(row.bytes.toString("latin1").endsWith(`\r\n${marker}\r\n`), "the blob is complete");
    assert.match(splitReceived(row.bytes).received, /^Received: from crash\.client\.test /);
    // The local copy committed together with the queue row.
    const bobs = (await readMailboxText(own.dataDir, BOB)).filter((m) => m.includes(marker));
    assert.equal(bobs.length, 1);
    assert.equal(bobs[0], row.bytes.toString("latin1"));

    // The restarted server takes submissions again.
    const again = await RawSmtp.open(own.ports.submission);
    await again.expect("EHLO after.crash.test", 250);
    await again.quit();
  } finally {
    await own.cleanup();
  }
});
