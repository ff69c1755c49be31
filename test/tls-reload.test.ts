/**
 * Certificates and policy reload without a restart: SIGHUP, and a changed certificate file picked
 * up by itself; connections already open keep working across the swap.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { generateSelfSigned } from "../src/tls/index.ts";
import { eventually, startSealpost } from "./harness.ts";
import { RawSmtp } from "./smtp-raw.ts";

async function servedCertificate(port: number): Promise<{ subject: string; client: RawSmtp }> {
  const c = await RawSmtp.open(port);
  await c.expect("EHLO reload.test", 250);
  await c.expect("STARTTLS", 220);
  const tls = await c.startTls();
  const cert = tls.getPeerX509Certificate();
  assert.ok(cert !== undefined);
  return { subject: cert.subject, client: c };
}

async function replaceCertificate(dataDir: string, hostname: string): Promise<void> {
  const pair = await generateSelfSigned({ hostnames: [hostname] });
  const certPath = join(dataDir, "certs/mx.sealpost.test.pem");
  const keyPath = join(dataDir, "certs/mx.sealpost.test.key");
  writeFileSync(keyPath, pair.keyPem);
  writeFileSync(certPath, pair.certPem);
  assert.equal(new X509Certificate(readFileSync(certPath)).subject, `CN=${hostname}`);
}

test("SIGHUP and a changed certificate file swap the certificate; open sessions carry on", { timeout: 60_000 }, async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }] });
  try {
    const first = await servedCertificate(h.mxPort);
    assert.equal(first.subject, "CN=mx.sealpost.test");

    // A changed file is noticed without a signal.
    await replaceCertificate(h.dataDir, "renewed.sealpost.test");
    await eventually(async () => {
      const { subject, client } = await servedCertificate(h.mxPort);
      client.send("QUIT\r\n");
      return subject === "CN=renewed.sealpost.test" ? true : undefined;
    }, 15_000, "the renewed certificate");

    // SIGHUP reloads too (config, certificates and policy).
    await replaceCertificate(h.dataDir, "hup.sealpost.test");
    h.proc.kill("SIGHUP");
    await eventually(async () => {
      const { subject, client } = await servedCertificate(h.mxPort);
      client.send("QUIT\r\n");
      return subject === "CN=hup.sealpost.test" ? true : undefined;
    }, 5_000, "the certificate after SIGHUP");

    // The first session was opened before both swaps and still works.
    assert.equal((await first.client.command("EHLO still.here")).code, 250);
    assert.equal((await first.client.command("NOOP")).code, 250);
    assert.match(h.log(), /reloaded/);
  } finally {
    await h.cleanup();
  }
});

test("SIGHUP with a broken config keeps serving with the running one", { timeout: 30_000 }, async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }] });
  try {
    const path = join(h.dataDir, "sealpost.toml");
    writeFileSync(path, readFileSync(path, "utf8").replace(/^max_errors = \d+$/m, "max_errors = -1"));
    h.proc.kill("SIGHUP");
    await eventually(() => (/reload failed.*smtp\.max_errors/.test(h.log()) ? true : undefined), 5_000, () => `the reload error in the log:\n${h.log()}`);
    const c = await RawSmtp.open(h.mxPort);
    assert.equal((await c.command("EHLO a.test")).code, 250);
    c.send("QUIT\r\n");
  } finally {
    await h.cleanup();
  }
});
