/**
 * `verify` and MTA-STS (issue 4, "Done when" 3 and 4). The receiver is a second Sealpost whose MX
 * holds one certificate per MX name, chosen by SNI: good, expired, for another name (the default),
 * and from an issuer the sender does not trust. A local HTTPS server publishes an MTA-STS policy
 * whose `enforce` mode names a different MX host than DNS does.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCa, generateSelfSigned, type PemPair } from "../src/tls/index.ts";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { eventually, prepareDataDir, startServer, type ServerHandle } from "./harness.ts";
import { readMailboxText } from "./mailbox.ts";
import { attempts, startSender, submit, tag, waitForBounce, type Sender } from "./outbound-helpers.ts";

const DAY = 86_400_000;
let dir: string;
let dns: DnsServer;
let receiver: ServerHandle;
let sender: Sender;
let https: Server;

const mx = (host: string) => ({ MX: [{ preference: 10, exchange: host }] });

function save(name: string, p: PemPair): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  writeFileSync(cert, p.certPem);
  writeFileSync(key, p.keyPem);
  return { cert, key };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-verify-"));
  const ca = await generateCa({ name: "Sealpost Test CA" });
  const rogue = await generateCa({ name: "Rogue CA" });
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  const certs = [
    save("other", await generateSelfSigned({ hostnames: ["mail.other.test"], issuer: ca })),
    save("good", await generateSelfSigned({ hostnames: ["mx.good.test", "mx.sts.test"], issuer: ca })),
    save("expired", await generateSelfSigned({ hostnames: ["mx.expired.test"], issuer: ca, notBefore: new Date(Date.now() - 40 * DAY), notAfter: new Date(Date.now() - 10 * DAY) })),
    save("untrusted", await generateSelfSigned({ hostnames: ["mx.untrusted.test"], issuer: rogue })),
  ];
  const domains = ["good.test", "sts.test", "expired.test", "wrongname.test", "untrusted.test"];
  const dataDir = prepareDataDir({ hostname: "mail.other.test", domains: domains.map((name) => ({ name })), users: domains.map((d) => ({ address: `rcpt@${d}`, password: "unused-password-1" })) });
  const toml = join(dataDir, "sealpost.toml");
  const blocks = certs.map((c) => `[[tls.certificates]]\ncert = "${c.cert}"\nkey = "${c.key}"\n`).join("\n");
  writeFileSync(toml, readFileSync(toml, "utf8").replace(/\[\[tls\.certificates\]\]\ncert = .*\nkey = .*\n/, blocks));
  receiver = await startServer(dataDir);

  // MTA-STS for sts.test: policy host certificate from the test CA, policy naming mx.elsewhere.test only.
  const stsCert = await generateSelfSigned({ hostnames: ["mta-sts.sts.test"], issuer: ca });
  https = createServer({ cert: stsCert.certPem, key: stsCert.keyPem }, (req, res) => {
    if (req.url !== "/.well-known/mta-sts.txt") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end("version: STSv1\r\nmode: enforce\r\nmx: mx.elsewhere.test\r\nmax_age: 86400\r\n");
  });
  await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
  const addr = https.address();
  const stsPort = typeof addr === "object" && addr !== null ? addr.port : 0;

  dns = await startDnsServer({
    "good.test": mx("mx.good.test"),
    "expired.test": mx("mx.expired.test"),
    "wrongname.test": mx("mx.wrongname.test"),
    "untrusted.test": mx("mx.untrusted.test"),
    "sts.test": mx("mx.sts.test"),
    "_mta-sts.sts.test": { TXT: ["v=STSv1; id=20261123T000000;"] },
    "mta-sts.sts.test": { A: ["127.0.0.1"] },
    ...Object.fromEntries(["mx.good.test", "mx.expired.test", "mx.wrongname.test", "mx.untrusted.test", "mx.sts.test"].map((h) => [h, { A: ["127.0.0.1"] }])),
  });
  sender = await startSender({ dns: dns.address, remotePort: receiver.ports.mx, ca: join(dir, "ca.pem"), delivery: `tls_policy = "verify"\nmta_sts_port = ${stsPort}`, queue: "min_backoff = 1\nmax_backoff = 1\nlifetime = 3" });
});

after(async () => {
  await Promise.all([sender?.h.cleanup(), receiver?.cleanup()]);
  await dns?.close();
  await new Promise<void>((r) => (https === undefined ? r() : https.close(() => r())));
  rmSync(dir, { recursive: true, force: true });
});

test("verify: a certificate from a trusted CA naming the MX host is accepted and the mail delivered", async () => {
  const subject = tag("good");
  const id = await submit(sender, ["rcpt@good.test"], subject);
  await eventually(async () => (await readMailboxText(receiver.dataDir, "rcpt@good.test")).find((m) => m.includes(subject)), 20_000, "delivery");
  const [a] = await attempts(sender, id);
  assert.deepEqual([a?.outcome, a?.certVerdict, a?.policyLevel], ["delivered", "ok", "verify"]);
});

for (const [name, domain, says, kind] of [
  ["an expired certificate", "expired.test", /expired/i, "expired"],
  ["a certificate for another host name", "wrongname.test", /mail\.other\.test/, "hostname"],
  ["a certificate from an untrusted issuer", "untrusted.test", /Rogue CA|not.*trusted|untrusted/i, "untrusted"],
] as const) {
  test(`verify: ${name} fails, nothing is sent, and the attempt record and the DSN at expiry say which`, async () => {
    const subject = tag(domain);
    const id = await submit(sender, [`rcpt@${domain}`], subject);
    // verify retries (the certificate may be fixed meanwhile) until the lifetime ends, then returns it.
    const dsn = await waitForBounce(sender, subject);
    const a = (await attempts(sender, id))[0];
    assert.equal(a?.problem?.kind, "certificate");
    assert.equal(a.problem.problem, kind);
    assert.match(a.certVerdict ?? "", new RegExp(`^${kind}: `));
    assert.match(dsn, says);
    assert.match(dsn, /certificate/i);
    assert.equal((await readMailboxText(receiver.dataDir, `rcpt@${domain}`)).some((m) => m.includes(subject)), false);
  });
}

test("MTA-STS enforce: an MX the policy does not name is not used, whatever the configured level", async () => {
  const r = sender.h.cli(["policy", "set", "sts.test", "may"]);
  assert.equal(r.status, 0, r.stderr);
  const subject = tag("sts");
  const id = await submit(sender, ["rcpt@sts.test"], subject);
  const a = await eventually(async () => (await attempts(sender, id))[0], 20_000, "an attempt");
  assert.equal(a.problem?.kind, "mta-sts-mismatch", JSON.stringify(a));
  assert.deepEqual(a.problem?.patterns, ["mx.elsewhere.test"]);
  assert.deepEqual([a.policyLevel, a.policySource], ["verify", "mta-sts"]);
  assert.equal((await readMailboxText(receiver.dataDir, "rcpt@sts.test")).some((m) => m.includes(subject)), false);
});
