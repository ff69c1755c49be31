// connectTarget and scanProtocols over STARTTLS against real servers: Debian's Postfix (a
// "modern" TLS 1.2+ peer and a "legacy" TLS 1.0/1.1-only peer, through test/peers/postfix-peer.sh)
// and Sealpost itself (SMTP, IMAP and POP3 STARTTLS; TLS 1.2+ with forward-secret AEAD suites).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import tls from "node:tls";
import type { Access, CheckOptions, ProtocolScan, Target } from "../types.ts";
import { connectTarget, scanProtocols } from "./index.ts";
import { haveSslscan, sslscan } from "../../../test/support/openssl-peer.ts";
import { startSealpost, type ServerHandle } from "../../../test/harness.ts";
import { startPostfixPeers, type PostfixPeers } from "../../../test/postfix-peer.ts";

const opts: CheckOptions = { timeoutMs: 10_000, concurrency: 16, ca: [] };
let peers: PostfixPeers;
let sealpost: ServerHandle;

before(async () => {
  [peers, sealpost] = await Promise.all([startPostfixPeers(["modern", "legacy"]), startSealpost()]);
});
after(async () => {
  // Either may have failed to start.
  peers?.stop();
  await sealpost?.cleanup();
});

function target(port: number, access: Access): Target {
  return { host: "127.0.0.1", port, address: "127.0.0.1", servername: null, access };
}

const offered = (scan: ProtocolScan): string[] => scan.versions.filter((v) => v.offered).map((v) => v.version);
const names = (scan: ProtocolScan, v: string): string[] => scan.ciphers.find((c) => c.version === v)?.suites.map((s) => s.openssl ?? s.name) ?? [];

async function timedScan(t: { diagnostic(s: string): void }, what: string, tg: Target): Promise<ProtocolScan> {
  const t0 = performance.now();
  const scan = await scanProtocols(tg, opts);
  t.diagnostic(`${what}: ${scan.probes} probes in ${(performance.now() - t0).toFixed(0)} ms`);
  return scan;
}

test("Postfix modern: STARTTLS offered; TLS 1.2 and 1.3 only, as sslscan --starttls-smtp finds", async (t) => {
  const c = await connectTarget(target(peers.ports.modern, "smtp"), opts);
  c.socket.destroy();
  assert.equal(c.starttlsOffered, true);
  const scan = await timedScan(t, "Postfix modern (SMTP STARTTLS)", target(peers.ports.modern, "smtp"));
  assert.deepEqual(offered(scan), ["TLSv1.2", "TLSv1.3"]);
  assert.ok(names(scan, "TLSv1.2").includes("ECDHE-RSA-AES256-GCM-SHA384"));
  t.diagnostic(JSON.stringify(scan.ciphers.map((c) => [c.version, c.serverOrder, c.suites.map((s) => s.openssl)])));
  if (haveSslscan) {
    const theirs = sslscan(peers.ports.modern, "smtp");
    assert.deepEqual([...offered(scan)].sort(), [...theirs.versions].sort());
    for (const v of theirs.versions) assert.deepEqual([...names(scan, v)].sort(), [...(theirs.suites[v] ?? [])].sort(), v);
  }
});

test("Postfix legacy: only TLS 1.0 and 1.1 offered over STARTTLS", async (t) => {
  const scan = await timedScan(t, "Postfix legacy (SMTP STARTTLS)", target(peers.ports.legacy, "smtp"));
  assert.deepEqual(offered(scan), ["TLSv1", "TLSv1.1"]);
  // A TLS 1.2 hello gets the best the server has: a TLS 1.1 ServerHello.
  assert.match(scan.versions.find((v) => v.version === "TLSv1.2")?.evidence ?? "", /^ServerHello TLS 1\.1 with \w+, not TLS 1\.2$/);
  assert.ok(names(scan, "TLSv1").length > 0);
  assert.deepEqual([...names(scan, "TLSv1")].sort(), [...names(scan, "TLSv1.1")].sort());
});

test("the socket connectTarget hands over carries a node:tls handshake (as the certificate and injection checks use it)", async () => {
  for (const [access, port] of [["smtp", sealpost.ports.mx], ["pop3", sealpost.ports.pop3], ["smtp", peers.ports.modern]] as const) {
    const c = await connectTarget(target(port, access), opts, { pipeline: access === "smtp" ? "NOOP" : "NOOP\r\n" });
    const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false, servername: "localhost" });
    try {
      const protocol = await new Promise<string | null>((resolve, reject) => {
        secure.once("secureConnect", () => resolve(secure.getProtocol()));
        secure.once("error", reject);
      });
      assert.equal(protocol, "TLSv1.3", `${access} ${port}`);
    } finally {
      secure.destroy();
    }
  }
});

const SEALPOST = [
  ["smtp", () => sealpost.ports.mx],
  ["imap", () => sealpost.ports.imap],
  ["pop3", () => sealpost.ports.pop3],
  ["tls", () => sealpost.ports.imaps],
] as const;

for (const [access, port] of SEALPOST) {
  test(`Sealpost ${access === "tls" ? "IMAPS (implicit TLS)" : `${access.toUpperCase()} STARTTLS`}: TLS 1.2 and 1.3, forward-secret AEAD suites in its order`, async (t) => {
    const c = await connectTarget(target(port(), access), opts);
    c.socket.destroy();
    assert.equal(c.starttlsOffered, access === "tls" ? null : true);
    const scan = await timedScan(t, `Sealpost ${access}`, target(port(), access));
    assert.deepEqual(offered(scan), ["TLSv1.2", "TLSv1.3"]);
    assert.equal(scan.versions.find((v) => v.version === "TLSv1.1")?.evidence, "protocol_version alert");
    // The default self-signed certificate is ECDSA; the policy is Mozilla "intermediate".
    assert.deepEqual(names(scan, "TLSv1.2"), ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]);
    assert.deepEqual(names(scan, "TLSv1.3"), ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]);
    assert.ok(scan.ciphers.every((l) => l.serverOrder === true && l.suites.every((s) => s.weaknesses.length === 0)));
    if (haveSslscan && access !== "smtp") {
      const theirs = sslscan(port(), access === "tls" ? undefined : access);
      assert.deepEqual([...offered(scan)].sort(), [...theirs.versions].sort());
      for (const v of theirs.versions) assert.deepEqual([...names(scan, v)].sort(), [...(theirs.suites[v] ?? [])].sort(), v);
    }
  });
}
