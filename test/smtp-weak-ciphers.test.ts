/**
 * Hand-built ClientHellos after STARTTLS, the kind no modern TLS library sends: only 3DES and RC4
 * suites, or only TLS 1.0. The transport refuses them before OpenSSL sees them (a fatal alert,
 * then close) and records what was offered and why.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { buildClientHello } from "../src/tls/index.ts";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { eventuallyInReport } from "./mailbox.ts";
import { RawSmtp } from "./smtp-raw.ts";

const TLS_RSA_WITH_3DES_EDE_CBC_SHA = 0x000a;
const TLS_RSA_WITH_RC4_128_SHA = 0x0005;
const TLS_RSA_WITH_RC4_128_MD5 = 0x0004;
const TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xc013;

let h: ServerHandle;

before(async () => {
  h = await startSealpost({ domains: [{ name: "example.test" }] });
});
after(async () => {
  await h.cleanup();
});

/** EHLO, STARTTLS, 220, then `hello` as the first TLS bytes; returns what came back before close. */
async function offerHello(hello: Buffer): Promise<Buffer> {
  const c = await RawSmtp.open(h.mxPort);
  try {
    const ehlo = await c.expect("EHLO weak.client.test", 250);
    assert.ok(ehlo.lines.includes("STARTTLS"));
    const go = await c.expect("STARTTLS", 220);
    assert.match(go.raw, /^220 2\.0\.0 /);
    c.send(hello);
    await c.waitClosed(10_000);
    return c.pending;
  } finally {
    c.destroy();
  }
}

/** The answer must be nothing but one fatal alert record (content type 21) with `description`. */
function assertAlert(answer: Buffer, description: number): void {
  if (answer.length === 0) return; // closing without an alert is allowed too
  assert.equal(answer[0], 21, `content type 21 (alert), got ${answer.toString("hex")}`);
  assert.equal(answer.length, 7, `one alert record, got ${answer.toString("hex")}`);
  assert.equal(answer.readUInt16BE(3), 2, "alert length 2");
  assert.equal(answer[5], 2, "fatal");
  assert.equal(answer[6], description, `alert description ${description}, got ${answer[6]}`);
}

test("a TLS 1.2 ClientHello offering only 3DES and RC4 suites gets a handshake_failure alert and the connection closes", async () => {
  const hello = buildClientHello({
    versions: ["TLSv1.2"],
    cipherSuites: [TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA, TLS_RSA_WITH_RC4_128_MD5],
    sni: "weak-suites.client.test",
  });
  const answer = await offerHello(hello);
  assertAlert(answer, 40);
});

test("tls-report lists the weak-suite hello as refused, naming the 3DES and RC4 suites and the reason", async () => {
  const ev = await eventuallyInReport(
    h,
    (r) => r.handshakes.find((e) => e.sni === "weak-suites.client.test"),
    "the weak-suite handshake event",
  );
  assert.equal(ev.outcome, "refused");
  assert.equal(ev.mode, "starttls");
  assert.equal(ev.clientIp, "127.0.0.1");
  assert.equal(ev.offeredMax, "TLSv1.2");
  assert.equal(ev.version, null);
  assert.equal(ev.cipher, null);
  assert.deepEqual(
    [...ev.weakSuites].sort(),
    ["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_RC4_128_MD5", "TLS_RSA_WITH_RC4_128_SHA"],
  );
  assert.match(ev.reason ?? "", /weak cipher suites/);
  assert.match(ev.reason ?? "", /3DES/);
  assert.match(ev.reason ?? "", /RC4/);
});

test("a hand-built ClientHello offering only TLS 1.0 gets a protocol_version alert and the connection closes", async () => {
  const hello = buildClientHello({ versions: ["TLSv1"], cipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA], sni: "tls10.client.test" });
  const answer = await offerHello(hello);
  assertAlert(answer, 70);
});

test("tls-report lists the TLS 1.0 hello as refused with offered max TLSv1 and a reason naming TLS 1.0", async () => {
  const ev = await eventuallyInReport(h, (r) => r.handshakes.find((e) => e.sni === "tls10.client.test"), "the TLS 1.0 handshake event");
  assert.equal(ev.outcome, "refused");
  assert.equal(ev.offeredMax, "TLSv1");
  assert.deepEqual(ev.offeredVersions, ["TLSv1"]);
  assert.deepEqual(ev.weakSuites, []);
  assert.match(ev.reason ?? "", /TLS 1\.0/);
  const report = await eventuallyInReport(h, (r) => (r.refusedHandshakes.length >= 2 ? r : undefined), "two refused groups");
  const groups = report.refusedHandshakes.map((g) => `${g.offeredMax} ${g.clientIp} ${g.count}`).sort();
  assert.deepEqual(groups, ["TLSv1 127.0.0.1 1", "TLSv1.2 127.0.0.1 1"]);
});

test("after the refusals the server still completes a real TLS handshake", async () => {
  const c = await RawSmtp.open(h.mxPort);
  try {
    await c.expect("EHLO good.client.test", 250);
    await c.expect("STARTTLS", 220);
    const tls = await c.startTls({ servername: "ok.client.test" });
    assert.match(tls.getProtocol() ?? "", /^TLSv1\.[23]$/);
    await c.expect("EHLO good.client.test", 250);
  } finally {
    await c.quit();
  }
});
