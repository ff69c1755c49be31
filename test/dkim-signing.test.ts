/**
 * DKIM signing end to end (issue 15): a message submitted on port 587 by Python's smtplib to a
 * remote domain whose MX is Debian's Postfix arrives with an ed25519-sha256 and an rsa-sha256
 * signature that mailauth's CLI verifies (dkim=pass for both) against the records
 * `sealpost domain dkim --json` prints, and fails once a body byte changes; a DSN to a remote
 * sender is signed as the host name's hosted parent domain; relayed mail is never signed; after
 * `--rotate` the pending keys sign only once their records are seen through the configured
 * resolver (by the command, and by the running server).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDnsServer, type DnsServer, type Zone } from "./dns-server.ts";
import { eventually, NODE, python, ROOT, startSealpost, type ServerHandle } from "./harness.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";

const DOMAIN = "example.org";
const ALICE = `alice@${DOMAIN}`;
const PW = `pw-${randomBytes(6).toString("hex")}`;
const MAILAUTH = join(ROOT, "node_modules/mailauth/bin/mailauth.js");
const BASE_ZONE: Zone = { "remote.test": { MX: [{ preference: 10, exchange: "mail.peer.test" }] }, "mail.peer.test": { A: ["127.0.0.1"] } };

let peers: PostfixPeers;
let dns: DnsServer;
let h: ServerHandle;
let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "sealpost-dkim-e2e-"));
  peers = await startPostfixPeers(["modern"]);
  dns = await startDnsServer(BASE_ZONE);
  h = await startSealpost({
    // The host name is a name in the hosted domain, as an MX's usually is: its bounces sign as example.org.
    hostname: `mx.${DOMAIN}`,
    domains: [{ name: DOMAIN }],
    users: [{ address: ALICE, password: PW }],
    settings: {
      dns: `servers = ["${dns.address}"]\ntimeout_ms = 2000`,
      // The MX's sender checks refuse a relayed message that claims the hosted domain without passing
      // SPF or DKIM (inbound-auth-dmarc.test.ts shows it); off here, so that what is tested of relayed
      // mail with a hosted From is the signing rule: relayed mail is never signed.
      smtp: "authentication = false",
      queue: "min_backoff = 1\nmax_backoff = 2",
      delivery: `remote_port = ${peers.ports.modern}\nca_file = "${peers.ca}"\ntls_policy = "verify"`,
    },
  });
});

after(async () => {
  await h?.cleanup();
  await dns?.close();
  peers?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface DkimJson {
  keys: Array<{ selector: string; algorithm: string; state: string; published: string | null }>;
  records: Array<{ name: string; value: string }>;
  /** The TXT records as the command prints them for a zone file: each name's quoted strings. */
  printed: Map<string, string[]>;
}

/** `sealpost domain dkim`, as JSON and as printed (async: it asks the DNS server this process runs). */
async function dkim(...flags: string[]): Promise<DkimJson> {
  const r = await h.cliAsync(["domain", "dkim", DOMAIN, "--json", ...flags]);
  assert.equal(r.status, 0, r.stderr);
  const human = await h.cliAsync(["domain", "dkim", DOMAIN]);
  assert.equal(human.status, 0, human.stderr);
  const printed = new Map<string, string[]>();
  for (const line of human.stdout.split("\n")) {
    const m = /^(\S+) +3600 IN TXT +(.*?) ; /.exec(line);
    if (m?.[1] !== undefined) printed.set(m[1], [...(m[2] ?? "").matchAll(/"([^"]*)"/g)].map((s) => s[1] ?? ""));
  }
  return { ...(JSON.parse(r.stdout) as Omit<DkimJson, "printed">), printed };
}

const selectors = (d: DkimJson, state: string): string[] => d.keys.filter((k) => k.state === state).map((k) => k.selector);

/** Publishes the records as printed (the operator pastes the zone lines) on the test DNS server, beside the MX records. */
function publish(d: DkimJson): void {
  dns.setZone({ ...BASE_ZONE, ...Object.fromEntries([...d.printed].map(([name, strings]) => [name, { TXT: [strings] }])) });
}

/** Submits a message on port 587 with smtplib (STARTTLS, AUTH PLAIN) and returns its subject. */
function submit(what: string): string {
  const subject = `${what} ${randomBytes(5).toString("hex")}`;
  python(
    `
import os, smtplib, ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
m = EmailMessage()
m["From"] = "Alice <" + os.environ["ALICE"] + ">"
m["To"] = "Bob <bob@remote.test>"
m["Subject"] = os.environ["SUBJECT"]
m["Date"] = formatdate(localtime=False)
m["Message-ID"] = make_msgid(domain="${DOMAIN}")
m.set_content("Hello Bob,\\nthe figures are attached.\\n")
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.example.org", timeout=20)
s.starttls(context=ctx)
s.login(os.environ["ALICE"], os.environ["PW"])
s.send_message(m)
s.quit()
`,
    { PORT: String(h.ports.submission), ALICE, PW, SUBJECT: subject },
  );
  return subject;
}

const arrived = (needle: string, what: string): Promise<string> => eventually(() => peers.messages("modern").find((m) => m.includes(needle)), 30_000, what);

interface Verdict {
  signingDomain: string;
  selector: string;
  algo: string;
  result: string;
}

/** mailauth's CLI on the message as Postfix stored it, the DNS answers (the cache file) the records as printed. */
async function mailauth(message: string, records: DkimJson["printed"]): Promise<Verdict[]> {
  const id = randomBytes(4).toString("hex");
  const cache = join(work, `dns-${id}.json`);
  const file = join(work, `message-${id}.eml`);
  writeFileSync(cache, JSON.stringify(Object.fromEntries([...records].map(([name, strings]) => [name.replace(/\.$/, ""), { TXT: [strings] }]))));
  writeFileSync(file, message, "latin1");
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(NODE, [MAILAUTH, "report", "--dns-cache", cache, "--mta", "mail.peer.test", file], { encoding: "utf8", timeout: 60_000 }, (err, out, errOut) => (err === null ? resolve(out) : reject(new Error(`mailauth: ${err.message}\n${errOut}`))));
  });
  const report = JSON.parse(stdout) as { dkim: { results: Array<{ signingDomain: string; selector: string; algo: string; status: { result: string } }> } };
  return report.dkim.results.map((r) => ({ signingDomain: r.signingDomain, selector: r.selector, algo: r.algo, result: r.status.result }));
}

const signedWith = (message: string): string[] => [...message.matchAll(/^DKIM-Signature:[^]*?\bs=([^;\s]+)/gm)].map((m) => m[1] ?? "");

test("a message submitted with smtplib reaches Postfix signed with ed25519 and rsa, both pass mailauth's CLI, and a changed body byte fails them", async () => {
  const keys = await dkim();
  const active = selectors(keys, "active");
  assert.deepEqual(keys.keys.map((k) => [k.algorithm, k.state]), [["ed25519", "active"], ["rsa", "active"]]);
  const rsa = [...keys.printed].find(([name]) => name.includes("-rsa."))?.[1] ?? [];
  assert.deepEqual(rsa.map((s) => s.length <= 255), [true, true], "RSA printed in two strings");
  assert.equal(rsa.join(""), keys.records.find((r) => r.name.includes("-rsa."))?.value, "which join to the record");
  const subject = submit("signed");
  const message = await arrived(subject, "the signed message at Postfix");
  assert.match(message, /using TLSv1\.[23] with cipher/);
  assert.deepEqual(await mailauth(message, keys.printed), [
    { signingDomain: DOMAIN, selector: active[0] ?? "", algo: "ed25519-sha256", result: "pass" },
    { signingDomain: DOMAIN, selector: active[1] ?? "", algo: "rsa-sha256", result: "pass" },
  ]);
  const tampered = message.replace("the figures are attached", "the figures are attacked");
  assert.notEqual(tampered, message);
  const verdicts = await mailauth(tampered, keys.printed);
  assert.equal(verdicts.length, 2);
  for (const v of verdicts) assert.notEqual(v.result, "pass", `${v.algo} after a changed body byte`);
  // Without the records nothing passes either: the verdict rests on the published keys.
  assert.ok((await mailauth(message, new Map())).every((v) => v.result !== "pass"));
});

test("relayed mail leaves as it came, unsigned even with a hosted From; a bounce to a remote sender is signed as the host name's parent domain", async () => {
  for (const [domain, hop] of [["gw.test", `[127.0.0.1]:${peers.ports.modern}`], ["dead.test", "[127.0.0.1]:1"]] as const) {
    const r = h.cli(["relay", "add", domain, "--next-hop", hop, "--level", "may"]);
    assert.equal(r.status, 0, r.stderr);
  }
  const tag = randomBytes(5).toString("hex");
  python(
    `
import os, smtplib
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="mail.remote.test", timeout=20)
for rcpt, what in (("someone@gw.test", "relayed"), ("someone@dead.test", "undeliverable")):
    s.sendmail("carol@remote.test", [rcpt], "From: Carol <carol@${DOMAIN}>\\r\\nTo: " + rcpt + "\\r\\nSubject: " + what + " " + os.environ["TAG"] + "\\r\\n\\r\\nbody\\r\\n")
s.quit()
`,
    { PORT: String(h.ports.mx), TAG: tag },
  );
  const relayed = await arrived(`relayed ${tag}`, "the relayed message at its next hop");
  assert.doesNotMatch(relayed, /^DKIM-Signature:/m, "relayed mail is not signed");

  const queued = await eventually(async () => {
    const r = await h.cliAsync(["queue", "list", "--json"]);
    return (JSON.parse(r.stdout) as Array<{ id: string; recipients: string[] }>).find((q) => q.recipients.includes("someone@dead.test"))?.id;
  }, 20_000, "the undeliverable message in the queue");
  const bounce = await h.cliAsync(["queue", "bounce", queued]);
  assert.equal(bounce.status, 0, bounce.stderr);
  const dsn = await arrived(`undeliverable ${tag}`, "the DSN at the remote sender's MX");
  assert.match(dsn, /^From: "Mail Delivery System" <MAILER-DAEMON@mx\.example\.org>/m);
  assert.match(dsn, /multipart\/report/);
  const keys = await dkim();
  assert.deepEqual((await mailauth(dsn, keys.printed)).map((v) => [v.signingDomain, v.algo, v.result]), [
    [DOMAIN, "ed25519-sha256", "pass"],
    [DOMAIN, "rsa-sha256", "pass"],
  ]);
});

test("after --rotate the pending keys do not sign; once the resolver sees their records they do (by `domain dkim`, and by the running server)", async () => {
  const before = await dkim();
  const old = selectors(before, "active");
  const rotated = await dkim("--rotate");
  const pending = selectors(rotated, "pending");
  assert.equal(pending.length, 2);
  assert.deepEqual(selectors(rotated, "active"), old);

  const first = await arrived(submit("while pending"), "a message while the rotation is pending");
  assert.deepEqual(signedWith(first), old, "the old keys still sign");
  assert.ok((await mailauth(first, rotated.printed)).every((v) => v.result === "pass"));

  // The operator publishes what was printed; `sealpost domain dkim` sees it and activates the new keys.
  publish(rotated);
  const seen = await dkim();
  assert.deepEqual(selectors(seen, "active"), pending);
  assert.deepEqual(selectors(seen, "retired"), old);
  assert.ok(seen.keys.filter((k) => k.state === "active").every((k) => k.published === "published"));
  const second = await arrived(submit("after activation"), "a message after the activation");
  assert.deepEqual(signedWith(second), pending);
  assert.deepEqual((await mailauth(second, seen.printed)).map((v) => v.result), ["pass", "pass"]);
  assert.ok(seen.records.some((r) => old.some((s) => r.name.startsWith(`${s}.`))), "the retired keys' records are still listed");

  // Again, and this time the running server finds the records (it looks at start, then every 10 minutes).
  const again = await dkim("--rotate");
  const next = selectors(again, "pending");
  publish(again);
  await h.stop("SIGTERM");
  await h.restart();
  await eventually(() => (h.log().includes(`${DOMAIN}'s keys ${next[0]?.replace(/-ed$/, "")} sign from now`) ? true : undefined), 20_000, "the server's look at the pending keys");
  const third = await arrived(submit("after the server saw the records"), "a message after the server's activation");
  assert.deepEqual(signedWith(third), next);
  const log = await h.cliAsync(["domain", "log", DOMAIN, "--json"]);
  const trail = JSON.parse(log.stdout) as Array<{ setting: string; value: string; changedBy: string }>;
  assert.deepEqual(trail.slice(0, 2).map((c) => [c.setting, c.value, c.changedBy]), [
    ["dkim_published", next.join(", "), "sealpost"],
    ["dkim_retired", pending.join(", "), "sealpost"],
  ]);
  assert.ok(trail.every((c) => c.setting.startsWith("dkim_") && !/PRIVATE|MII/.test(c.value)));
});
