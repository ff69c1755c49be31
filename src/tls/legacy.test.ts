/**
 * The legacy endpoint's TLS (issue 12): which suites `[legacy] ciphers` may name, what its policy
 * accepts from a TLS 1.0 hello, and a legacy transport switching to the main profile at the cut-off.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { CertificateStore, generateSelfSigned, writeCertificateFiles, type TlsContextPolicy } from "./certificates.ts";
import { parseClientHello } from "./client-hello.ts";
import { buildClientHello } from "./hello-builder.ts";
import { effectivePolicy, evaluateHello, legacyPolicy, TlsPolicyError } from "./policy.ts";
import { TlsTransport, type TlsEvent } from "./transport.ts";

const MAIN = {
  minVersion: "TLSv1.2" as const,
  ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
  ciphersuites: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384",
};
const LEGACY = { minVersion: "TLSv1" as const, ciphers: "ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:AES128-SHA" };

function hello(opts: Parameters<typeof buildClientHello>[0]) {
  const p = parseClientHello(buildClientHello(opts));
  if (p.kind !== "hello") throw new Error("not a hello");
  return p.hello;
}

test("[legacy] ciphers: CBC suites with SHA-1, with or without forward secrecy, are accepted", () => {
  const p = legacyPolicy(MAIN, LEGACY);
  assert.equal(p.minVersion, "TLSv1");
  for (const code of [0xc013, 0xc009, 0x002f, 0xc02f]) assert.ok(p.tls12Suites.has(code), code.toString(16));
  assert.deepEqual([...p.tls13Suites], [0x1301, 0x1302]);
});

test("[legacy] ciphers: RC4, DES, 3DES, export, NULL, anonymous and MD5 suites are refused at load, naming the key", () => {
  for (const [name, why] of [
    ["RC4-SHA", "RC4"],
    ["DES-CBC-SHA", "DES"],
    ["DES-CBC3-SHA", "3DES"],
    ["ECDHE-RSA-DES-CBC3-SHA", "3DES"],
    ["EXP-RC4-MD5", "EXPORT"],
    ["NULL-SHA", "NULL"],
    ["ADH-AES128-SHA", "anonymous"],
    ["RC4-MD5", "MD5"],
  ] as const) {
    assert.throws(
      () => legacyPolicy(MAIN, { ...LEGACY, ciphers: `ECDHE-RSA-AES128-SHA:${name}` }),
      (e: unknown) => e instanceof TlsPolicyError && e.message.startsWith(`legacy.ciphers: "${name}" is a forbidden suite (`) && e.message.includes(why) && !e.message.includes("\n"),
      name,
    );
  }
  assert.throws(() => legacyPolicy(MAIN, { ...LEGACY, ciphers: "DEFAULT@SECLEVEL=0" }), /^TlsPolicyError: legacy\.ciphers: unknown or non-explicit cipher "DEFAULT@SECLEVEL=0"/);
  assert.throws(() => legacyPolicy(MAIN, { ...LEGACY, ciphers: "TLS_AES_128_GCM_SHA256" }), /legacy\.ciphers: unknown or non-explicit/);
  // The main list is checked as before.
  assert.throws(() => legacyPolicy({ ...MAIN, ciphers: "RC4-SHA" }, LEGACY), /^TlsPolicyError: tls\.ciphers: "RC4-SHA" is a forbidden suite/);
});

test("the legacy policy accepts a TLS 1.0 hello with an old suite; SSL 3.0, TLS 1.0 with only 1.2 suites, and weak-only hellos are refused", () => {
  const legacy = legacyPolicy(MAIN, LEGACY);
  assert.deepEqual(evaluateHello(hello({ versions: ["TLSv1"], cipherSuites: [0xc013] }), legacy), { accept: true });
  assert.deepEqual(evaluateHello(hello({ versions: ["TLSv1", "TLSv1.1"], cipherSuites: [0x002f] }), legacy), { accept: true });
  assert.deepEqual(evaluateHello(hello({ versions: ["TLSv1.2", "TLSv1.3"], cipherSuites: [0x1301] }), legacy), { accept: true });
  const ssl3 = evaluateHello(hello({ versions: ["SSLv3"], cipherSuites: [0x002f] }), legacy);
  assert.ok(!ssl3.accept && /^client offered at most SSL 3\.0; this server requires TLS 1\.0 or newer$/.test(ssl3.reason), JSON.stringify(ssl3));
  // GCM needs TLS 1.2 (RFC 5288): a TLS 1.0 client offering only it has no suite in common.
  const gcmOnly = evaluateHello(hello({ versions: ["TLSv1"], cipherSuites: [0xc02f] }), legacy);
  assert.ok(!gcmOnly.accept && /no cipher suite this server accepts/.test(gcmOnly.reason));
  const weak = evaluateHello(hello({ versions: ["TLSv1"], cipherSuites: [0x0005, 0x000a] }), legacy);
  assert.ok(!weak.accept && /only weak cipher suites/.test(weak.reason));
  const v11 = legacyPolicy(MAIN, { ...LEGACY, minVersion: "TLSv1.1" });
  const tls10 = evaluateHello(hello({ versions: ["TLSv1"], cipherSuites: [0xc013] }), v11);
  assert.ok(!tls10.accept && /at most TLS 1\.0; this server requires TLS 1\.1/.test(tls10.reason));
  // The main policy is unchanged: TLS 1.0 is refused.
  const main = evaluateHello(hello({ versions: ["TLSv1"], cipherSuites: [0xc013] }), effectivePolicy(MAIN));
  assert.ok(!main.accept && /^client offered at most TLS 1\.0; this server requires TLS 1\.2 or newer$/.test(main.reason));
});

const dir = mkdtempSync(join(tmpdir(), "sealpost-legacy-tls-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a legacy transport: TLS 1.0 with the legacy contexts until the cut-off, then refused as on the main ports; its events say legacy", { timeout: 30_000 }, async () => {
  const spec = await writeCertificateFiles(dir, "mail", await generateSelfSigned({ hostnames: ["mail.example.test"], keyType: "rsa" }));
  const mainContexts: TlsContextPolicy = { minVersion: "TLSv1.2", ciphers: MAIN.ciphers, ciphersuites: MAIN.ciphersuites };
  const main = await CertificateStore.load([spec], mainContexts);
  const old = await CertificateStore.load([spec], { ...mainContexts, ciphers: `${MAIN.ciphers}:${LEGACY.ciphers}`, minVersion: "TLSv1", legacy: true });
  // The main contexts never speak TLS 1.0, whatever the pre-check says.
  await assert.rejects(CertificateStore.load([spec], { ...mainContexts, minVersion: "TLSv1" }), /minVersion/);
  let ended = false;
  const events: TlsEvent[] = [];
  const transport = new TlsTransport({
    contextFor: (sni) => main.contextFor(sni),
    policy: () => effectivePolicy(MAIN),
    legacy: { contextFor: (sni) => old.contextFor(sni), policy: () => legacyPolicy(MAIN, LEGACY), ended: () => ended },
    onEvent: (e) => events.push(e),
    handshakeTimeoutMs: () => 5000,
  });
  assert.equal(transport.legacy, true);
  const server = net.createServer((socket) => {
    void transport.accept(socket, { protocol: "imap", port: 0, mode: "implicit" }).then((r) => {
      if (r.ok) r.socket.end("* OK\r\n");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const tls10 = (): Promise<string> =>
    new Promise((resolve) => {
      const s = tls.connect({ host: "127.0.0.1", port, minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0", rejectUnauthorized: false }, () => {
        resolve(s.getProtocol() ?? "?");
        s.destroy();
      });
      s.once("error", (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
    });
  try {
    assert.equal(await tls10(), "TLSv1");
    ended = true;
    assert.match(await tls10(), /^error .*(PROTOCOL_VERSION|ALERT)/);
  } finally {
    server.close();
  }
  assert.deepEqual(
    events.map((e) => [e.outcome, e.version, e.legacy, e.reason]),
    [
      ["ok", "TLSv1", true, null],
      ["refused", null, true, "client offered at most TLS 1.0; this server requires TLS 1.2 or newer"],
    ],
  );
});
