import { test } from "node:test";
import assert from "node:assert/strict";
import { parseClientHello } from "./client-hello.ts";
import { buildClientHello } from "./hello-builder.ts";
import { ALERT_HANDSHAKE_FAILURE, ALERT_PROTOCOL_VERSION, effectivePolicy, evaluateHello, TlsPolicyError } from "./policy.ts";

const cfg = {
  minVersion: "TLSv1.2" as const,
  ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
  ciphersuites: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384",
};

function hello(opts: Parameters<typeof buildClientHello>[0]) {
  const p = parseClientHello(buildClientHello(opts));
  assert.equal(p.kind, "hello");
  if (p.kind !== "hello") throw new Error("unreachable");
  return p.hello;
}

test("TLS 1.2 and 1.3 clients with good suites are accepted", () => {
  const policy = effectivePolicy(cfg);
  assert.deepEqual(evaluateHello(hello({ versions: ["TLSv1.2"], cipherSuites: [0xc02b] }), policy), { accept: true });
  assert.deepEqual(evaluateHello(hello({ versions: ["TLSv1.2", "TLSv1.3"], cipherSuites: [0x1301] }), policy), { accept: true });
});

test("a client offering at most TLS 1.0 or 1.1 is refused with protocol_version and a reason", () => {
  const policy = effectivePolicy(cfg);
  const v = evaluateHello(hello({ versions: ["TLSv1"], cipherSuites: [0xc013] }), policy);
  assert.equal(v.accept, false);
  if (v.accept) return;
  assert.equal(v.alert, ALERT_PROTOCOL_VERSION);
  assert.match(v.reason, /^client offered at most TLS 1\.0;/);
  const v11 = evaluateHello(hello({ versions: ["TLSv1", "TLSv1.1"], cipherSuites: [0xc013] }), policy);
  assert.ok(!v11.accept && /at most TLS 1\.1/.test(v11.reason));
});

test("only weak suites: refused with handshake_failure, naming them", () => {
  const v = evaluateHello(hello({ versions: ["TLSv1.2"], cipherSuites: [0x000a, 0x0005] }), effectivePolicy(cfg));
  assert.equal(v.accept, false);
  if (v.accept) return;
  assert.equal(v.alert, ALERT_HANDSHAKE_FAILURE);
  assert.match(v.reason, /only weak cipher suites \(TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA\)/);
});

test("no shared suite that is not weak: a different reason", () => {
  const v = evaluateHello(hello({ versions: ["TLSv1.2"], cipherSuites: [0x009c] }), effectivePolicy(cfg));
  assert.ok(!v.accept && /no cipher suite this server accepts/.test(v.reason));
});

test("a TLS 1.3-only listener refuses a TLS 1.2 client", () => {
  const v = evaluateHello(hello({ versions: ["TLSv1.2"], cipherSuites: [0xc02b] }), effectivePolicy(cfg, "TLSv1.3"));
  assert.ok(!v.accept && /at most TLS 1\.2; this server requires TLS 1\.3/.test(v.reason));
});

test("configuring a forbidden or unknown suite is an error naming the key", () => {
  assert.throws(() => effectivePolicy({ ...cfg, ciphers: "DES-CBC3-SHA" }), (e: unknown) => e instanceof TlsPolicyError && /^tls\.ciphers: "DES-CBC3-SHA" is a forbidden suite/.test(e.message));
  assert.throws(() => effectivePolicy({ ...cfg, ciphers: "HIGH" }), /tls\.ciphers: unknown or non-explicit cipher "HIGH"/);
  assert.throws(() => effectivePolicy({ ...cfg, ciphersuites: "TLS_FOO" }), /tls\.ciphersuites: unknown TLS 1\.3 suite "TLS_FOO"/);
});
