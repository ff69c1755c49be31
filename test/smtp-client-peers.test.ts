/**
 * The outbound SMTP client against Debian's Postfix (through postfix-peer.sh): modern (STARTTLS,
 * TLS 1.2+, certificate from the peers' CA for mail.peer.test), legacy (only TLS 1.0/1.1) and
 * plain (no STARTTLS). Own PEERS_DIR and free ports, so no other test file's peers are touched.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { deliver, type DeliveryRequest } from "../src/smtp-client/index.ts";
import { freePort, type Variant } from "./postfix-peer.ts";

// The repository's copy of the peers script when there is one, else the shared original.
const LOCAL_SCRIPT = resolve(import.meta.dirname, "peers/postfix-peer.sh");
const SCRIPT = existsSync(LOCAL_SCRIPT) ? LOCAL_SCRIPT : "/work/shared/peers/postfix-peer.sh";

const dir = mkdtempSync(join(tmpdir(), "sealpost-smtp-client-peers-"));
chmodSync(dir, 0o755); // Postfix's daemons run as the postfix user and must reach their directories
const ports: Record<Variant, number> = { modern: 0, legacy: 0, plain: 0 };
let env: NodeJS.ProcessEnv = {};

function peer(...args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile("bash", [SCRIPT, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) rej(new Error(`postfix-peer.sh ${args.join(" ")}: ${err.message}\n${stderr}`));
      else res(stdout);
    });
  });
}

async function count(v: Variant): Promise<number> {
  return Number((await peer("count", v)).trim());
}

function maillog(v: Variant): string {
  const path = join(dir, `postfix-${v}`, "maillog");
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** Polls until `check` is true; Postfix delivers and logs after the SMTP session has ended. */
async function eventually(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`never happened: ${what}`);
}

function request(v: Variant, over: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    host: "mail.peer.test",
    address: "127.0.0.1",
    port: ports[v],
    heloName: "client.sealpost.test",
    tls: { starttls: "opportunistic", verify: null },
    from: "sender@sealpost.test",
    recipients: [`someone@${v}.peer.test`],
    message: Buffer.from(`From: sender@sealpost.test\r\nTo: someone@${v}.peer.test\r\nSubject: to ${v}\r\n\r\n.\r\n..\r\nhello ${v}\r\n`),
    timeouts: { greetingMs: 20_000, commandMs: 20_000 },
    ...over,
  };
}

before(async () => {
  for (const v of ["modern", "legacy", "plain"] as const) ports[v] = await freePort();
  env = {
    ...process.env,
    PEERS_DIR: dir,
    PF_PORT_MODERN: String(ports.modern),
    PF_PORT_LEGACY: String(ports.legacy),
    PF_PORT_PLAIN: String(ports.plain),
    PF_PORT_SENDER: String(await freePort()),
  };
  await peer("start", "modern"); // makes the peers' CA and certificate first
  await Promise.all([peer("start", "legacy"), peer("start", "plain")]);
}, { timeout: 120_000 });

after(async () => {
  await peer("stop", "all").catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}, { timeout: 120_000 });

test("modern Postfix: STARTTLS with TLS 1.2+, the certificate verified against the peers' CA, delivered", async () => {
  const ca = readFileSync(join(dir, "certs", "ca.pem"), "utf8");
  const res = await deliver(request("modern", { tls: { starttls: "required", verify: { ca: [ca], names: ["mail.peer.test"] } } }));
  assert.equal(res.problem, null, JSON.stringify(res.problem));
  assert.equal(res.starttlsOffered, true);
  assert.ok(res.tls?.version === "TLSv1.2" || res.tls?.version === "TLSv1.3", res.tls?.version);
  assert.ok((res.tls?.cipher ?? "").length > 0);
  const cert = res.tls?.certificate;
  assert.ok(cert?.checked === true && cert.ok, JSON.stringify(cert));
  assert.equal(cert.matched, "mail.peer.test");
  assert.equal(cert.issuer, "CN=Peers Loopback CA");
  assert.deepEqual(res.recipients.map((r) => [r.accepted, r.delivered, r.code]), [[true, true, 250]]);
  assert.match(res.recipients[0]?.reply ?? "", /^250 2\.0\.0 Ok: queued as /);
  await eventually("the message in modern's Maildir", async () => (await count("modern")) === 1);
  assert.match(maillog("modern"), /TLS connection established from [^:]*: TLSv1\.[23]/);
});

test("legacy Postfix (TLS 1.0/1.1 only): named by its version, no MAIL, nothing delivered", async () => {
  const res = await deliver(request("legacy"));
  assert.equal(res.problem?.kind, "tls-version", JSON.stringify(res.problem));
  const offered = res.problem.kind === "tls-version" ? res.problem.offered : "";
  assert.ok(offered === "TLS 1.1" || offered === "TLS 1.0", offered);
  assert.equal(res.permanent, true);
  assert.ok(res.tls?.version === "TLSv1.1" || res.tls?.version === "TLSv1", res.tls?.version);
  assert.deepEqual(res.recipients.map((r) => r.delivered), [false]);
  assert.ok(!res.transcript?.some((l) => l.startsWith("C: MAIL")), "MAIL never sent");
  // Postfix counts a session's commands when it ends: EHLO, STARTTLS, QUIT — no MAIL.
  const ourSession = (): string | undefined => /disconnect from .* ehlo=.*/.exec(maillog("legacy"))?.[0];
  await eventually("legacy's disconnect line for our session", () => ourSession() !== undefined);
  const line = ourSession() ?? "";
  assert.match(line, /starttls=1/);
  assert.doesNotMatch(line, /mail=/);
  assert.equal(await count("legacy"), 0);
});

test("plain Postfix: required STARTTLS → no-starttls without MAIL; never → delivered in plaintext", async () => {
  const required = await deliver(request("plain", { tls: { starttls: "required", verify: null } }));
  assert.deepEqual(required.problem, { kind: "no-starttls", host: "mail.peer.test" });
  assert.equal(required.starttlsOffered, false);
  assert.ok(!required.transcript?.some((l) => l.startsWith("C: MAIL")));
  const never = await deliver(request("plain", { tls: { starttls: "never", verify: null } }));
  assert.equal(never.problem, null, JSON.stringify(never.problem));
  assert.equal(never.tls, null);
  assert.deepEqual(never.recipients.map((r) => r.delivered), [true]);
  await eventually("the message in plain's Maildir", async () => (await count("plain")) === 1);
});
