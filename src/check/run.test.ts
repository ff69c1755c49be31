/**
 * runCheck end to end on loopback: a modern implicit-TLS server, SMTP servers with and without
 * STARTTLS (one injection-vulnerable), a closed port, and Sealpost's own MX. Every report must
 * validate against CHECK_SCHEMA as `--json` prints it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startSealpost, type ServerHandle } from "../../test/harness.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../tls/index.ts";
import { exitStatus, renderReport } from "./render.ts";
import { runCheck } from "./run.ts";
import { CHECK_SCHEMA, validateAgainstSchema } from "./schema.ts";
import { loopbackTarget, options, startFakeSmtp, startTlsServer, type TestServer } from "../../test/support/check-targets.ts";
import type { CheckReport } from "./types.ts";

let ca: PemPair;
let sealpost: ServerHandle;
const servers: TestServer[] = [];

before(async () => {
  ca = await generateCa({ name: "Sealpost Run Test CA" });
  sealpost = await startSealpost();
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sealpost.cleanup();
});

function assertValid(r: CheckReport): void {
  assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, JSON.parse(JSON.stringify(r))), []);
}

function ids(r: CheckReport): string[] {
  return r.findings.map((f) => f.id);
}

test("a modern implicit-TLS server with a CA-signed certificate: no problems, exit status 0", async () => {
  const leaf = await generateSelfSigned({ hostnames: ["mx.test"], issuer: ca });
  const s = await startTlsServer({
    cert: leaf.certPem + ca.certPem,
    key: leaf.keyPem,
    minVersion: "TLSv1.2",
    ciphers: "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305",
    honorCipherOrder: true,
  });
  servers.push(s);
  const r = await runCheck(loopbackTarget(s.port), options({ ca: [ca.certPem] }));
  assertValid(r);
  assert.equal(r.error, null);
  assert.equal(r.starttls, null);
  assert.deepEqual(
    r.protocols.filter((p) => p.offered).map((p) => p.version),
    ["TLSv1.2", "TLSv1.3"],
  );
  const tls12 = r.ciphers.find((c) => c.version === "TLSv1.2");
  assert.deepEqual(tls12?.suites.map((x) => x.name), [
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
  ]);
  assert.equal(tls12?.serverOrder, true);
  assert.equal(r.certificate?.trusted, true);
  // Low only: a node:tls server allows 3 client-initiated renegotiations per connection, and the
  // test CA's certificate names no CRL or OCSP responder.
  assert.deepEqual(ids(r).sort(), ["cert-no-revocation", "cert-ok", "ciphers-ok", "client-renegotiation", "protocols-ok"]);
  assert.deepEqual(r.findings.filter((x) => x.severity !== "info").map((x) => x.severity), ["low", "low"]);
  assert.deepEqual([r.features?.renegotiation.clientInitiated, r.features?.renegotiation.accepted], ["limited", 3]);
  assert.equal(exitStatus(r), 0);
  assert.equal(r.verdicts.legacyClients.ok, false);
  assert.ok(r.probes > 2);
  assert.match(renderReport(r, { color: false }), /Only TLS 1\.3 and TLS 1\.2 offered/);
});

test("an SMTP server that answers a pipelined NOOP inside TLS: the vulnerability is a high finding", async () => {
  const pem = await generateSelfSigned({ hostnames: ["fake.test"], issuer: ca });
  const s = await startFakeSmtp("vulnerable", pem);
  servers.push(s);
  const r = await runCheck(loopbackTarget(s.port, { access: "smtp", host: "fake.test", servername: "fake.test" }), options({ ca: [ca.certPem] }));
  assertValid(r);
  assert.equal(r.starttls?.offered, true);
  assert.equal(r.starttls?.injection, "vulnerable");
  const inj = r.findings.find((f) => f.id === "starttls-injection");
  assert.equal(inj?.severity, "high");
  assert.equal(r.certificate?.nameChecks[0]?.matches, true);
  assert.equal(exitStatus(r), 1);
});

test("an SMTP server without STARTTLS: a finding, not a failure", async () => {
  const s = await startFakeSmtp("no-starttls", await generateSelfSigned({ hostnames: ["fake.test"] }));
  servers.push(s);
  const r = await runCheck(loopbackTarget(s.port, { access: "smtp", port: s.port }), options());
  assertValid(r);
  assert.equal(r.error, null);
  assert.deepEqual(r.starttls && { offered: r.starttls.offered, injection: r.starttls.injection }, { offered: false, injection: "not-tested" });
  assert.deepEqual(ids(r), ["starttls-not-offered"]);
  assert.deepEqual(r.protocols, []);
  assert.equal(r.certificate, null);
  assert.match(r.verdicts.strictSenders.text, /because it does not offer STARTTLS\.$/);
  assert.equal(exitStatus(r), 1);
});

test("a closed port: the check could not run, exit status 2", async () => {
  const probe = net.createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, "127.0.0.1", () => resolve((probe.address() as net.AddressInfo).port)));
  await new Promise((resolve) => probe.close(resolve));
  const r = await runCheck(loopbackTarget(port, { access: "smtp" }), options());
  assertValid(r);
  assert.notEqual(r.error, null);
  assert.deepEqual(r.findings, []);
  assert.equal(exitStatus(r), 2);
  assert.match(renderReport(r, { color: false }), /The check could not run/);
});

test("Sealpost's own MX: TLS 1.2 and 1.3 only, not vulnerable, its self-signed certificate named as the problem", async () => {
  const target = loopbackTarget(sealpost.ports.mx, { access: "smtp", host: "mx.sealpost.test", servername: "mx.sealpost.test" });
  const r = await runCheck(target, options());
  assertValid(r);
  assert.equal(r.error, null);
  assert.deepEqual(
    r.protocols.filter((p) => p.offered).map((p) => p.version),
    ["TLSv1.2", "TLSv1.3"],
  );
  assert.equal(r.starttls?.injection, "not-vulnerable");
  assert.equal(r.certificate?.selfSigned, true);
  assert.deepEqual(r.certificate?.nameChecks, [{ name: "mx.sealpost.test", matches: true }]);
  assert.ok(ids(r).includes("cert-self-signed"));
  assert.ok(!ids(r).some((id) => id.startsWith("cipher-") || id.startsWith("tls1_") || id.startsWith("ssl")), ids(r).join(", "));
  assert.equal(r.verdicts.strictSenders.ok, false);
  assert.match(r.verdicts.strictSenders.text, /will not reach this server, because its certificate is self-signed\.$/);
  assert.equal(r.verdicts.legacyClients.text, "Mail programs limited to TLS 1.0/1.1 will not be able to connect: the server offers only TLS 1.2 and 1.3.");
  assert.equal(exitStatus(r), 1);

  // With its certificate as a trust anchor nothing above low is left.
  const own = readFileSync(join(sealpost.dataDir, "certs", "mx.sealpost.test.pem"), "utf8");
  const trusted = await runCheck(target, options({ ca: [own] }));
  assert.equal(trusted.certificate?.trusted, true, trusted.certificate?.verifyError ?? "");
  assert.equal(trusted.verdicts.strictSenders.ok, true, trusted.verdicts.strictSenders.text);
  assert.equal(exitStatus(trusted), 0, trusted.findings.map((f) => `${f.severity} ${f.id}`).join(", "));
});
