// scanProtocols against real `openssl s_server` targets, each with a known configuration, and
// sslscan's verdict on the same target (versions and suites, by OpenSSL name) where installed.
// The scan time of each target is printed as a diagnostic (not asserted).
import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { CheckOptions, ProtocolScan, Target } from "../types.ts";
import { scanProtocols } from "./index.ts";
import { haveSslscan, makeCert, sslscan, startOpensslServer, type CertDir } from "../../../test/support/openssl-peer.ts";

const opts: CheckOptions = { timeoutMs: 5000, concurrency: 16, ca: [] };
let certs: CertDir;
before(() => {
  certs = makeCert();
});
after(() => certs.remove());

function target(port: number): Target {
  return { host: "127.0.0.1", port, address: "127.0.0.1", servername: "localhost", access: "tls" };
}

/** Starts s_server with `args`, scans it (printing the time), and hands both to `check`. */
async function scanServer(t: TestContext, args: string[], check: (scan: ProtocolScan, port: number) => void): Promise<void> {
  const server = await startOpensslServer(certs, args);
  try {
    const t0 = performance.now();
    const scan = await scanProtocols(target(server.port), opts);
    t.diagnostic(`s_server ${args.join(" ")}: ${scan.probes} probes in ${(performance.now() - t0).toFixed(0)} ms`);
    check(scan, server.port);
  } finally {
    await server.stop();
  }
}

const offered = (scan: ProtocolScan): string[] => scan.versions.filter((v) => v.offered).map((v) => v.version);
const names = (scan: ProtocolScan, v: string): string[] => scan.ciphers.find((c) => c.version === v)?.suites.map((s) => s.openssl ?? s.name) ?? [];

/** sslscan finds the same versions and, per version, the same set of suites. */
function agreesWithSslscan(scan: ProtocolScan, port: number): void {
  if (!haveSslscan) return;
  const theirs = sslscan(port);
  assert.deepEqual([...offered(scan)].sort(), [...theirs.versions].sort(), "versions per sslscan");
  for (const v of theirs.versions) assert.deepEqual([...names(scan, v)].sort(), [...(theirs.suites[v] ?? [])].sort(), `${v} suites per sslscan`);
}

test("(a) minimum TLS 1.2: exactly TLS 1.2 and TLS 1.3", async (t) => {
  await scanServer(t, ["-min_protocol", "TLSv1.2"], (scan, port) => {
    assert.deepEqual(offered(scan), ["TLSv1.2", "TLSv1.3"]);
    assert.equal(scan.versions.find((v) => v.version === "TLSv1.1")?.evidence, "protocol_version alert");
    assert.match(scan.versions.find((v) => v.version === "TLSv1.3")?.evidence ?? "", /^ServerHello TLS 1\.3 with TLS_AES_128_GCM_SHA256$/);
    assert.deepEqual([...names(scan, "TLSv1.3")].sort(), ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]);
    assert.ok(names(scan, "TLSv1.2").includes("ECDHE-RSA-AES128-GCM-SHA256"));
    assert.ok(!names(scan, "TLSv1.2").some((n) => n.includes("ECDSA")), "an RSA certificate: no ECDSA suites");
    agreesWithSslscan(scan, port);
  });
});

test("(b) TLS 1.0 and 1.1 allowed (SECLEVEL=0): TLSv1 and TLSv1.1 offered too, with SHA-1 suites only", async (t) => {
  await scanServer(t, ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"], (scan, port) => {
    assert.deepEqual(offered(scan), ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
    assert.ok(names(scan, "TLSv1").includes("ECDHE-RSA-AES128-SHA"));
    assert.ok(!names(scan, "TLSv1.1").some((n) => /GCM|SHA256|SHA384|CHACHA/.test(n)));
    assert.ok(names(scan, "TLSv1.2").length > names(scan, "TLSv1").length);
    agreesWithSslscan(scan, port);
  });
});

// This OpenSSL is built without 3DES and RC4 suites (no-weak-ssl-ciphers), so the weak suites of a
// real server here are NULL ciphers and MD5 MACs; 3DES is covered by the scripted server tests.
test("(c) weak suites enabled: NULL and MD5 suites accepted with their weaknesses", async (t) => {
  const cipher = "NULL-SHA:NULL-MD5:AES128-SHA:ECDHE-RSA-NULL-SHA:@SECLEVEL=0";
  await scanServer(t, ["-cipher", cipher, "-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2"], (scan, port) => {
    assert.deepEqual(offered(scan), ["TLSv1", "TLSv1.1", "TLSv1.2"]);
    for (const v of ["TLSv1", "TLSv1.1", "TLSv1.2"]) {
      assert.deepEqual([...names(scan, v)].sort(), ["AES128-SHA", "ECDHE-RSA-NULL-SHA", "NULL-MD5", "NULL-SHA"], v);
    }
    const suites = scan.ciphers.find((c) => c.version === "TLSv1.2")?.suites ?? [];
    assert.deepEqual(suites.find((s) => s.openssl === "NULL-MD5")?.weaknesses, ["NULL", "MD5", "no-forward-secrecy"]);
    assert.equal(suites.find((s) => s.openssl === "NULL-SHA")?.name, "TLS_RSA_WITH_NULL_SHA");
    assert.deepEqual(suites.find((s) => s.openssl === "AES128-SHA")?.weaknesses, ["no-forward-secrecy", "CBC"]);
    agreesWithSslscan(scan, port);
  });
});

const ORDER_12 = ["ECDHE-RSA-AES128-GCM-SHA256", "AES256-SHA", "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES256-GCM-SHA384"];
const ORDER_13 = ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"];
const ORDERED = ["-min_protocol", "TLSv1.2", "-cipher", ORDER_12.join(":"), "-ciphersuites", ORDER_13.join(":")];

test("(d) -serverpref: serverOrder true, suites in the server's order", async (t) => {
  await scanServer(t, [...ORDERED, "-serverpref"], (scan) => {
    assert.deepEqual(scan.ciphers.map((c) => [c.version, c.serverOrder]), [["TLSv1.2", true], ["TLSv1.3", true]]);
    assert.deepEqual(names(scan, "TLSv1.2"), ORDER_12);
    assert.deepEqual(names(scan, "TLSv1.3"), ORDER_13);
  });
});

test("(d) -serverpref -prioritize_chacha: still the server's order (ChaCha20 only for clients that prefer it)", async (t) => {
  await scanServer(t, [...ORDERED, "-serverpref", "-prioritize_chacha"], (scan) => {
    assert.deepEqual(scan.ciphers.map((c) => [c.version, c.serverOrder]), [["TLSv1.2", true], ["TLSv1.3", true]]);
    assert.deepEqual(names(scan, "TLSv1.2"), ORDER_12);
  });
});

test("(d) client order (s_server's default): serverOrder false, suites in table order", async (t) => {
  await scanServer(t, ORDERED, (scan, port) => {
    assert.deepEqual(scan.ciphers.map((c) => [c.version, c.serverOrder]), [["TLSv1.2", false], ["TLSv1.3", false]]);
    assert.deepEqual(names(scan, "TLSv1.2"), ["AES256-SHA", "DHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"]);
    assert.deepEqual(scan.ciphers[0]?.suites.map((s) => s.code), [0x0035, 0x009f, 0xc02f, 0xcca8]);
    assert.deepEqual(names(scan, "TLSv1.3"), ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"]);
    agreesWithSslscan(scan, port);
  });
});
