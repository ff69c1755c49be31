/**
 * REQUIRETLS and "TLS-Required: No" (RFC 8689; issue 15, "Done when": REQUIRETLS mail refused by a
 * plaintext-only Postfix peer and delivered to a verified one). Python's smtplib speaks to a
 * receiving Sealpost on ports 25, 587 and 465. Three sending Sealposts (one per receiver port)
 * deliver through the test DNS server, which answers as a validating resolver (AD) for the names
 * marked secure: to Debian's Postfix without TLS, to Debian's Postfix with a verified certificate
 * (Postfix 3.7 does not implement REQUIRETLS), and to the receiving Sealpost, whose certificate for
 * mx.secure.test comes from a CA the sender trusts (`[delivery] ca_file`) and whose certificate for
 * mx.untrusted.test from one it does not.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeQuotedPrintable } from "../src/mime/index.ts";
import { generateCa, generateSelfSigned } from "../src/tls/index.ts";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { eventually, prepareDataDir, startServer, type ServerHandle } from "./harness.ts";
import { readMailboxText } from "./mailbox.ts";
import { attempts, queueIds, startSender, tag, waitForBounce, type Attempt, type Sender } from "./outbound-helpers.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";
import { SMTPLIB_PRELUDE } from "./support/python-smtp.ts";

let dir: string;
let peers: PostfixPeers;
let dns: DnsServer;
let receiver: ServerHandle;
/** Senders toward the receiving Sealpost, the plaintext Postfix and the verified Postfix. */
let toSealpost: Sender;
let toPlain: Sender;
let toPostfix: Sender;

const USER = "alice@secure.test";
const PASSWORD = "alice-password-1";
const secure = { secure: true };
const mx = (host: string, sec: object = secure) => ({ MX: [{ preference: 10, exchange: host }], ...sec });
const host = (sec: object = secure) => ({ A: ["127.0.0.1"], ...sec });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-requiretls-"));
  const [ca, rogue] = await Promise.all([generateCa({ name: "Sealpost Test CA" }), generateCa({ name: "Rogue CA" })]);
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  /** A `[[tls.certificates]]` block for a certificate written into `dir`. */
  const block = (name: string, pair: { certPem: string; keyPem: string }): string => {
    writeFileSync(join(dir, `${name}.pem`), pair.certPem);
    writeFileSync(join(dir, `${name}.key`), pair.keyPem);
    return `[[tls.certificates]]\ncert = "${join(dir, `${name}.pem`)}"\nkey = "${join(dir, `${name}.key`)}"\n`;
  };
  const certs = [
    block("good", await generateSelfSigned({ hostnames: ["mx.secure.test"], issuer: ca })),
    block("untrusted", await generateSelfSigned({ hostnames: ["mx.untrusted.test"], issuer: rogue })),
  ];
  const domains = ["secure.test", "unsigned.test", "optional.test"];
  const dataDir = prepareDataDir({
    hostname: "mx.secure.test",
    domains: domains.map((name) => ({ name })),
    users: [{ address: USER, password: PASSWORD }, ...domains.map((d) => ({ address: `rcpt@${d}`, password: "unused-password-1" }))],
  });
  const toml = join(dataDir, "sealpost.toml");
  // The first certificate is the default; the other is chosen by SNI (mx.untrusted.test).
  writeFileSync(toml, readFileSync(toml, "utf8").replace(/\[\[tls\.certificates\]\]\ncert = .*\nkey = .*\n/, certs.join("\n")));
  // Each started thing is kept as soon as it is up, so that `after` stops it whatever else failed.
  await allSettled([startPostfixPeers(["plain", "modern"]).then((p) => void (peers = p)), startServer(dataDir).then((h) => void (receiver = h))]);

  dns = await startDnsServer({
    "secure.test": mx("mx.secure.test"),
    "mx.secure.test": host(),
    // The same MX host, named by MX records that are not DNSSEC-signed.
    "unsigned.test": mx("mx.secure.test", {}),
    "optional.test": mx("mx.untrusted.test", {}),
    "mx.untrusted.test": host({}),
    "plain.test": mx("mx.plain.test"),
    "mx.plain.test": host(),
    "postfix.test": mx("mail.peer.test"),
    "mail.peer.test": host(),
  });
  // One after the other: three servers starting at once on a busy machine miss the harness's 20 s.
  toSealpost = await startSender({ dns: dns.address, remotePort: receiver.ports.mx, ca: join(dir, "ca.pem") });
  toPlain = await startSender({ dns: dns.address, remotePort: peers.ports.plain });
  toPostfix = await startSender({ dns: dns.address, remotePort: peers.ports.modern, ca: peers.ca });
});

/** Waits for all of `work`, then throws the first failure. */
async function allSettled(work: Array<Promise<void>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r) => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

after(async () => {
  await Promise.all([toSealpost?.h.cleanup(), toPlain?.h.cleanup(), toPostfix?.h.cleanup(), receiver?.cleanup()]);
  await dns?.close();
  peers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// ---- Python's smtplib -------------------------------------------------------------------------

const PY_PRELUDE = `${SMTPLIB_PRELUDE}
def message(subject, extra=""):
    return ("From: " + os.environ["FROM"] + "\\r\\nTo: " + os.environ["TO"] + "\\r\\nSubject: " + subject + "\\r\\n" + extra + "\\r\\nbody of " + subject + "\\r\\n").encode()
`;

/**
 * Runs a smtplib snippet; it fills `out`, returned parsed. Not spawnSync: the senders ask the DNS
 * server that runs in this process while Python talks to them.
 */
function smtplib(body: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const code = `${PY_PRELUDE}\n${body}\nprint(json.dumps(out))\n`;
  return new Promise((resolve, reject) => {
    execFile("python3", ["-c", code], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`python failed: ${stderr}\n${stdout}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

/**
 * Submits one message on `s`'s port 587 (STARTTLS, AUTH) with smtplib: MAIL FROM with REQUIRETLS
 * when asked, `header` added to the message's header. Returns the queue id from the 250 reply.
 */
async function send(s: Sender, to: string, subject: string, opts: { requireTls?: boolean; header?: string } = {}): Promise<string> {
  const out = await smtplib(
    `
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.local.test", timeout=20)
s.starttls(context=CTX)
s.login(os.environ["FROM"], os.environ["PW"])
out["mail"] = line(s.mail(os.environ["FROM"], os.environ["OPTIONS"].split()))
out["rcpt"] = line(s.rcpt(os.environ["TO"]))
out["data"] = line(s.data(message(os.environ["SUBJECT"], os.environ["HEADER"])))
s.quit()
`,
    { PORT: String(s.h.ports.submission), FROM: s.address, PW: s.password, TO: to, SUBJECT: subject, OPTIONS: opts.requireTls === true ? "REQUIRETLS" : "", HEADER: opts.header === undefined ? "" : `${opts.header}\r\n` },
  );
  const m = /^250 2\.0\.0 Ok: queued as ([0-9A-F]+)$/.exec(String(out.data));
  if (m?.[1] === undefined) throw new Error(`not queued: ${JSON.stringify(out)}`);
  return m[1];
}

// ---- receiving ----------------------------------------------------------------------------------

test("MX (port 25): REQUIRETLS is offered only after STARTTLS, refused in plaintext (530 5.7.10), accepted over TLS and named in the Received header", async () => {
  const subject = tag("mx");
  const out = await smtplib(
    `
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.remote.test", timeout=20)
s.ehlo()
out["before"] = s.has_extn("requiretls")
out["plaintext"] = line(s.mail(os.environ["FROM"], ["REQUIRETLS"]))
s.rset()
s.starttls(context=CTX)
s.ehlo()
out["after"] = s.has_extn("requiretls")
out["value"] = line(s.mail(os.environ["FROM"], ["REQUIRETLS=YES"]))
out["mail"] = line(s.mail(os.environ["FROM"], ["REQUIRETLS"]))
out["rcpt"] = line(s.rcpt(os.environ["TO"]))
out["data"] = line(s.data(message(os.environ["SUBJECT"])))
s.quit()
`,
    { PORT: String(receiver.ports.mx), FROM: "someone@remote.test", TO: "rcpt@secure.test", SUBJECT: subject },
  );
  assert.equal(out.before, false, "not offered in plaintext");
  assert.equal(out.plaintext, "530 5.7.10 REQUIRETLS needs a TLS session: issue STARTTLS first");
  assert.equal(out.after, true, "offered after STARTTLS");
  assert.equal(out.value, "501 5.5.4 Error: REQUIRETLS takes no value");
  assert.equal(out.mail, "250 2.1.0 Ok");
  assert.match(String(out.data), /^250 2\.0\.0 Ok: queued as [0-9A-F]+$/);
  const stored = await eventually(async () => (await readMailboxText(receiver.dataDir, "rcpt@secure.test")).find((m) => m.includes(subject)), 5000, "the message");
  assert.match(stored, /(?:^|\r\n)Received: from client\.remote\.test .*\r\n\tby mx\.secure\.test \(Sealpost\) with ESMTPS id [0-9A-F]+\r\n\t\(using TLSv1\.3 with cipher [A-Z0-9_]+; REQUIRETLS\)\r\n/);
});

test("submission (587 and 465): REQUIRETLS offered over TLS only; the tag, and that of 'TLS-Required: No', kept with the queued message", async () => {
  const env = { FROM: USER, PW: PASSWORD, TO: "someone@remote.test" };
  const out = await smtplib(
    `
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.local.test", timeout=20)
s.ehlo()
out["before"] = s.has_extn("requiretls")
s.starttls(context=CTX)
s.ehlo()
out["after"] = s.has_extn("requiretls")
s.login(os.environ["FROM"], os.environ["PW"])
s.mail(os.environ["FROM"], ["REQUIRETLS"])
s.rcpt(os.environ["TO"])
out["requiretls"] = line(s.data(message("with REQUIRETLS")))
s.mail(os.environ["FROM"])
s.rcpt(os.environ["TO"])
out["optional"] = line(s.data(message("with TLS-Required: No", "TLS-Required: No\\r\\n")))
s.quit()
implicit = smtplib.SMTP_SSL("127.0.0.1", int(os.environ["PORT465"]), local_hostname="client.local.test", timeout=20, context=CTX)
implicit.ehlo()
out["implicit"] = implicit.has_extn("requiretls")
implicit.quit()
`,
    { ...env, PORT: String(receiver.ports.submission), PORT465: String(receiver.ports.submissions) },
  );
  assert.deepEqual([out.before, out.after, out.implicit], [false, true, true]);
  const idOf = (reply: unknown): string => /^250 2\.0\.0 Ok: queued as ([0-9A-F]+)$/.exec(String(reply))?.[1] ?? "";
  const tagOf = async (reply: unknown): Promise<unknown> => (JSON.parse((await receiver.cliAsync(["queue", "show", idOf(reply), "--json"])).stdout) as { tlsRequired: unknown }).tlsRequired;
  assert.deepEqual([await tagOf(out.requiretls), await tagOf(out.optional)], ["requiretls", "no"]);
  const human = await receiver.cliAsync(["queue", "show", idOf(out.requiretls)]);
  assert.match(human.stdout, /\(submission:alice@secure\.test\)  REQUIRETLS\n/);
});

// ---- delivering ---------------------------------------------------------------------------------

/** The DSN about `subject` in the sender's INBOX, quoted-printable decoded and unfolded. */
async function bounce(s: Sender, subject: string): Promise<string> {
  const dsn = decodeQuotedPrintable(Buffer.from(await waitForBounce(s, subject, 20_000))).toString("utf8");
  return dsn.replace(/\r\n +/g, " ");
}

/** Waits until `id` has left the queue and returns its attempts. */
async function settled(s: Sender, id: string): Promise<Attempt[]> {
  await eventually(async () => ((await queueIds(s)).includes(id) ? undefined : true), 20_000, `${id} to leave the queue`);
  return attempts(s, id);
}

test("REQUIRETLS to a verified receiver that offers it: delivered over verified TLS, the parameter passed on (the receiver's Received header says so)", async () => {
  const subject = tag("verified");
  const id = await send(toSealpost, "rcpt@secure.test", subject, { requireTls: true });
  const stored = await eventually(async () => (await readMailboxText(receiver.dataDir, "rcpt@secure.test")).find((m) => m.includes(subject)), 20_000, "the message at the receiver");
  // Below the receiver's Authentication-Results, its Received header; below that, the sender's.
  const received = /(?:^|\r\n)Received: from out\.sealpost\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.secure\.test \(Sealpost\) with ESMTPS id ([0-9A-F]+)\r\n\t\(using TLSv1\.3 with cipher [A-Z0-9_]+; REQUIRETLS\)/.exec(stored);
  assert.ok(received !== null, stored);
  const accepted = new RegExp(`"proto":"smtp",.*"id":"${received[1]}",.*"tlsRequired":"requiretls","msg":"message accepted"`);
  await eventually(() => (accepted.test(receiver.log()) ? true : undefined), 5000, "the receiver's log line");
  const [attempt, ...more] = await settled(toSealpost, id);
  assert.equal(more.length, 0);
  assert.deepEqual([attempt?.outcome, attempt?.mxHost, attempt?.certVerdict, attempt?.policyLevel, attempt?.policySource], ["delivered", "mx.secure.test", "ok", "verify", "requiretls"]);
});

test("REQUIRETLS to a domain whose MX records are not DNSSEC-signed (and no MTA-STS): returned at once with 5.7.30, no connection", async () => {
  const subject = tag("unsigned");
  const id = await send(toSealpost, "rcpt@unsigned.test", subject, { requireTls: true });
  const dsn = await bounce(toSealpost, subject);
  assert.match(dsn, /Action: failed\r\nStatus: 5\.7\.30\r\n/);
  assert.match(dsn, /The list of the recipient domain's mail servers \(its MX records, naming mx\.secure\.test\) is neither signed with DNSSEC nor confirmed by an MTA-STS policy/);
  assert.match(dsn, /Auf Deutsch: Die Nachricht wurde mit REQUIRETLS gesendet: .* weder mit DNSSEC signiert noch durch eine MTA-STS-Richtlinie bestätigt/);
  assert.deepEqual((await settled(toSealpost, id)).map((a) => [a.outcome, a.starttlsOffered, a.problem?.kind]), [["bounced", null, "requiretls"]], "no connection");
  assert.equal((await readMailboxText(receiver.dataDir, "rcpt@unsigned.test")).some((m) => m.includes(subject)), false);
});

test("REQUIRETLS to Debian's Postfix without TLS: returned at once with 5.7.30, the DSN saying why in English and German; without REQUIRETLS it goes", async () => {
  const subject = tag("plain");
  const id = await send(toPlain, "someone@plain.test", subject, { requireTls: true });
  const dsn = await bounce(toPlain, subject);
  assert.match(dsn, /Action: failed\r\nStatus: 5\.7\.30\r\nRemote-MTA: dns; mx\.plain\.test\r\n/);
  assert.match(dsn, /The message was sent with REQUIRETLS: it may be passed on only over an encrypted connection .* The receiving server mx\.plain\.test does not offer an encrypted connection \(STARTTLS\)/);
  assert.match(dsn, /If the message may travel without this protection, send it again without REQUIRETLS\./);
  assert.match(dsn, /Auf Deutsch: Die Nachricht wurde mit REQUIRETLS gesendet: .* Der empfangende Server mx\.plain\.test bietet keine verschlüsselte Verbindung \(STARTTLS\) an\. Deshalb wurde sie sofort zurückgeschickt/);
  assert.match(dsn, /Content-Type: text\/rfc822-headers\r\n\r\n[^]*Subject: plain-[0-9a-f]+\r\n\r\n--/, "the original's header section only (RFC 8689 §5)");
  assert.doesNotMatch(dsn, new RegExp(`body of ${subject}`), "never its body");
  assert.deepEqual((await settled(toPlain, id)).map((a) => [a.outcome, a.mxHost, a.starttlsOffered, a.problem?.kind]), [["bounced", "mx.plain.test", false, "no-starttls"]]);
  assert.equal(peers.messages("plain").some((m) => m.includes(subject)), false, "Postfix got nothing");

  const control = tag("plain-control");
  await send(toPlain, "someone@plain.test", control);
  await eventually(() => peers.messages("plain").find((m) => m.includes(control)), 20_000, "the message without REQUIRETLS at Postfix");
});

test("REQUIRETLS to Debian's Postfix 3.7 with a verified certificate: it does not offer REQUIRETLS after STARTTLS, so the message is returned at once", async () => {
  const subject = tag("postfix");
  const id = await send(toPostfix, "someone@postfix.test", subject, { requireTls: true });
  const dsn = await bounce(toPostfix, subject);
  assert.match(dsn, /Status: 5\.7\.30\r\n/);
  assert.match(dsn, /The receiving server mail\.peer\.test set up a verified, encrypted connection, but it does not support REQUIRETLS/);
  assert.match(dsn, /The administrators of postfix\.test can fix this by running a mail server on mail\.peer\.test that supports REQUIRETLS/);
  assert.match(dsn, /Der empfangende Server mail\.peer\.test hat eine geprüfte, verschlüsselte Verbindung aufgebaut, unterstützt aber REQUIRETLS nicht/);
  const [attempt, ...more] = await settled(toPostfix, id);
  assert.equal(more.length, 0);
  assert.deepEqual([attempt?.outcome, attempt?.certVerdict, attempt?.problem], ["bounced", "ok", { kind: "requiretls", host: "mail.peer.test", reason: "not-offered", tls: null }]);
  assert.match(attempt?.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.equal(peers.messages("modern").some((m) => m.includes(subject)), false, "Postfix got nothing");
});

test("TLS-Required: No under `policy set DOMAIN verify`: the untrusted certificate that holds other mail back does not stop it (RFC 8689 §4.2.2)", async () => {
  const set = toSealpost.h.cli(["policy", "set", "optional.test", "verify"]);
  assert.equal(set.status, 0, set.stderr);
  const held = tag("held");
  const heldId = await send(toSealpost, "rcpt@optional.test", held);
  const list = await eventually(async () => {
    const a = await attempts(toSealpost, heldId);
    return a.length >= 1 ? a : undefined;
  }, 20_000, "an attempt of the message without the header");
  // Every attempt so far (the queue may have retried before the look) is held back the same way.
  assert.deepEqual([...new Set(list.map((a) => JSON.stringify([a.outcome, a.policyLevel, a.policySource, a.certVerdict?.split(":")[0]])))], [JSON.stringify(["deferred", "verify", "policy", "untrusted"])]);

  const subject = tag("optional");
  const id = await send(toSealpost, "rcpt@optional.test", subject, { header: "TLS-Required: No" });
  const stored = await eventually(async () => (await readMailboxText(receiver.dataDir, "rcpt@optional.test")).find((m) => m.includes(subject)), 20_000, "the message at the receiver");
  assert.match(stored, /\r\nTLS-Required: No\r\n/, "the field travels on");
  const [attempt] = await settled(toSealpost, id);
  assert.deepEqual([attempt?.outcome, attempt?.policyLevel, attempt?.policySource, attempt?.certVerdict], ["delivered", "may", "tls-required", "not checked"]);
  assert.match(attempt?.tlsVersion ?? "", /^TLSv1\.3$/, "STARTTLS still used");
  assert.equal((await readMailboxText(receiver.dataDir, "rcpt@optional.test")).some((m) => m.includes(held)), false, "the other one still waits");
});
