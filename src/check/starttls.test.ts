/**
 * The STARTTLS injection test (CVE-2011-0411) against loopback SMTP servers written here — one
 * that answers the pipelined NOOP inside TLS at once, one that answers it only when more input
 * arrives, one that discards it, one without STARTTLS — and against Sealpost's own MX, IMAP and
 * POP3 listeners.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSealpost, type ServerHandle } from "../../test/harness.ts";
import { generateSelfSigned, type PemPair } from "../tls/index.ts";
import { injectedWasAnswered, runInjectionTest, testInjection } from "./starttls.ts";
import { loopbackTarget, options, startFakeSmtp, type FakeSmtpMode, type TestServer } from "../../test/support/check-targets.ts";

let pem: PemPair;
let sealpost: ServerHandle;
const servers: TestServer[] = [];

before(async () => {
  pem = await generateSelfSigned({ hostnames: ["fake.test"] });
  sealpost = await startSealpost();
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sealpost.cleanup();
});

async function fake(mode: FakeSmtpMode): Promise<TestServer> {
  const s = await startFakeSmtp(mode, pem);
  servers.push(s);
  return s;
}

test("a server that answers the pipelined NOOP inside TLS is vulnerable", async () => {
  const s = await fake("vulnerable");
  const info = await testInjection(loopbackTarget(s.port, { access: "smtp", servername: "fake.test" }), options());
  assert.equal(info.protocol, "smtp");
  assert.equal(info.offered, true);
  assert.equal(info.injection, "vulnerable", info.detail);
  assert.match(info.detail, /CVE-2011-0411/);
  assert.match(info.detail, /250 2\.0\.0 Ok/);
});

test("a server that runs the buffered NOOP only on its next read is vulnerable too", async () => {
  const s = await fake("lazy-vulnerable");
  const info = await testInjection(loopbackTarget(s.port, { access: "smtp" }), options());
  assert.equal(info.injection, "vulnerable", info.detail);
});

test("a server that discards what followed STARTTLS is not vulnerable", async () => {
  const s = await fake("safe");
  const out = await runInjectionTest(loopbackTarget(s.port, { access: "smtp" }), options());
  assert.equal(out.info.injection, "not-vulnerable", out.info.detail);
  assert.equal(out.announced, true);
});

test("no STARTTLS: offered false, injection not tested", async () => {
  const s = await fake("no-starttls");
  const out = await runInjectionTest(loopbackTarget(s.port, { access: "smtp" }), options());
  assert.deepEqual({ offered: out.info.offered, injection: out.info.injection }, { offered: false, injection: "not-tested" });
  assert.equal(out.announced, false);
});

test("Sealpost's MX discards the pipelined NOOP", async () => {
  const out = await runInjectionTest(loopbackTarget(sealpost.ports.mx, { access: "smtp", servername: "mx.sealpost.test" }), options());
  assert.equal(out.info.injection, "not-vulnerable", out.info.detail);
  assert.equal(out.announced, true);
});

test("Sealpost's IMAP and POP3 discard the pipelined command too", async () => {
  const imap = await testInjection(loopbackTarget(sealpost.ports.imap, { access: "imap", servername: "mx.sealpost.test" }), options());
  assert.equal(imap.protocol, "imap");
  assert.equal(imap.injection, "not-vulnerable", imap.detail);
  const pop3 = await testInjection(loopbackTarget(sealpost.ports.pop3, { access: "pop3", servername: "mx.sealpost.test" }), options());
  assert.equal(pop3.injection, "not-vulnerable", pop3.detail);
  assert.match(pop3.detail, /STLS/);
});

test("what counts as an answer to the injected command after our closing command", () => {
  assert.equal(injectedWasAnswered("smtp", "221 2.0.0 Bye\r\n"), false);
  assert.equal(injectedWasAnswered("smtp", "250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n"), true);
  assert.equal(injectedWasAnswered("smtp", "221-multi\r\n221 line\r\n"), false, "one multi-line reply is one reply");
  assert.equal(injectedWasAnswered("smtp", "250 2.0.0 Ok\r\n"), true, "the NOOP answered, then the server hung up before our QUIT");
  assert.equal(injectedWasAnswered("imap", "* BYE logging out\r\nz OK LOGOUT completed\r\n"), false);
  assert.equal(injectedWasAnswered("imap", "c OK NOOP completed\r\n* BYE\r\nz OK LOGOUT completed\r\n"), true);
  assert.equal(injectedWasAnswered("pop3", "+OK bye\r\n"), false);
  assert.equal(injectedWasAnswered("pop3", "+OK\r\n+OK bye\r\n"), true);
});
